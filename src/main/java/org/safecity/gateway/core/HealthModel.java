package org.safecity.gateway.core;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The health state machine of all registered boxes and the alarms it implies.
 *
 * <p>Every method returns the {@link Outcomes} to write to the event log, in order. Calls for a box
 * that is not registered change nothing and return {@link Outcomes#NONE} (the MQTT edge authenticates
 * boxes against the same registry). Time comes in as {@code now}; the clock is read only by the
 * registry methods that take no time, which run at start-up and reload, not per message.
 *
 * <p>Correlation (details on {@link AlarmRules} and {@link Geofence}):
 * <ul>
 *   <li><b>Site loss.</b> Link lost (SILENT, or OFFLINE other than a clean shutdown) and at least
 *       {@link HealthPolicy#cameraQuorum()} (default: half, rounded up) of the box's cameras down gives one
 *       {@code power-or-link-lost} alarm in place of box-silent/box-offline and the per-camera alarms. Half,
 *       not all: camera detection is independent of the box's and a camera the camera side has not
 *       reported yet (never connected since start, or slower to stall) must not veto the correlation.
 *       Per-camera alarms wait {@link HealthPolicy#cameraDownGrace()} so a box's silence, which usually
 *       comes later than its cameras stalling, is seen first. Once raised it holds until the box is back.</li>
 *   <li><b>Theft.</b> Door opened, then moved out of the geofence, then offline (not clean) within
 *       {@link HealthPolicy#theftWindow()} of the door opening gives one CRITICAL {@code theft-suspected}
 *       that clears the box's door-open and moved alarms ("absorbed") and replaces every other alarm of the
 *       box while it holds. Door-open and moved are still raised when they happen: holding them back for
 *       the window would delay a real intrusion alarm by minutes. It clears when the box is online again
 *       inside its geofence.</li>
 * </ul>
 *
 * <p>Not thread-safe: one owner (one verticle's context) calls it. The edge should call
 * {@link #connected} for a new session before {@link #disconnected} with {@link DisconnectCause#TAKEN_OVER}
 * for the old one; the model counts connections, so a takeover in that order changes nothing.
 */
public final class HealthModel {

  private final HealthPolicy policy;
  private final Clock clock;
  /** Sorted, so a tick reports boxes in a stable order. */
  private final Map<String, BoxTracker> boxes = new TreeMap<>();
  /** Whether a newly registered box is judged here from the start (one node), or only once this node owns it. */
  private final boolean judgeNewBoxes;

  public HealthModel(HealthPolicy policy, Clock clock) {
    this(policy, clock, true);
  }

  /**
   * @param judgeNewBoxes false on a gateway node of a cluster: a box is judged only by the node that owns it
   *                      ({@link #own}), every other node keeps it {@link #release released}
   */
  public HealthModel(HealthPolicy policy, Clock clock, boolean judgeNewBoxes) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.judgeNewBoxes = judgeNewBoxes;
  }

  // ---- ownership (several gateway nodes) ----------------------------------------------------

  /**
   * This node judges the box from now on, from the state its previous owner left ({@code previous}; null for a box
   * no node has held). {@code graceUntil} (or null): the box's connection vanished with its node, so it is neither
   * silent nor offline before then, and OFFLINE with cause node-lost (with the usual alarms, theft included) after
   * it unless it has reconnected here. Returns nothing: taking over is not an event of the box.
   */
  public void own(String boxId, BoxMemento previous, Instant graceUntil, Instant now) {
    BoxTracker t = boxes.get(boxId);
    if (t != null) {
      t.restore(previous, graceUntil, now);
    }
  }

  /** Another node holds the box now; nothing is raised or cleared for it here. */
  public void release(String boxId) {
    BoxTracker t = boxes.get(boxId);
    if (t != null) {
      t.release();
    }
  }

  public boolean judgedHere(String boxId) {
    BoxTracker t = boxes.get(boxId);
    return t != null && t.judgedHere();
  }

  /** The state to hand to the next owner, for a box judged here. */
  public Optional<BoxMemento> memento(String boxId) {
    BoxTracker t = boxes.get(boxId);
    return t == null || !t.judgedHere() ? Optional.empty() : Optional.of(t.memento());
  }

  /** Ids of the boxes judged here. */
  public List<String> judged() {
    return boxes.entrySet().stream().filter(e -> e.getValue().judgedHere()).map(Map.Entry::getKey).toList();
  }

  public HealthPolicy policy() {
    return policy;
  }

  // ---- registry -----------------------------------------------------------------------------

  public Outcomes register(Box box) {
    return register(box, clock.instant());
  }

  /**
   * Adds a box, or updates the registry data of a known one keeping its state (a moved install
   * location or a changed geofence re-judges the last GPS fix; cameras no longer listed are dropped).
   * A new box that is not heard from within {@link HealthPolicy#boxSilentAfter()} goes OFFLINE.
   */
  public Outcomes register(Box box, Instant now) {
    Objects.requireNonNull(box, "box");
    BoxTracker tracker = boxes.get(box.id());
    if (tracker == null) {
      boxes.put(box.id(), new BoxTracker(box, policy, now, judgeNewBoxes));
      return Outcomes.NONE;
    }
    tracker.update(box, now);
    return tracker.judgedHere() ? tracker.finish(now) : Outcomes.NONE;
  }

  public Outcomes unregister(String boxId) {
    return unregister(boxId, clock.instant());
  }

  /** Forgets a box; its active alarms are cleared ("box unregistered"). */
  public Outcomes unregister(String boxId, Instant now) {
    BoxTracker tracker = boxes.remove(boxId);
    return tracker == null || !tracker.judgedHere() ? Outcomes.NONE : tracker.retire(now);
  }

  public Outcomes reload(Collection<Box> registry) {
    return reload(registry, clock.instant());
  }

  /** Makes the registered boxes exactly {@code registry}: removes the missing, updates the rest, keeps their state. */
  public Outcomes reload(Collection<Box> registry, Instant now) {
    Set<String> ids = new HashSet<>();
    registry.forEach(b -> ids.add(b.id()));
    List<Outcome> out = new ArrayList<>();
    for (String id : List.copyOf(boxes.keySet())) {
      if (!ids.contains(id)) {
        out.addAll(unregister(id, now).all());
      }
    }
    for (Box box : registry) {
      out.addAll(register(box, now).all());
    }
    return new Outcomes(out);
  }

  public boolean isRegistered(String boxId) {
    return boxes.containsKey(boxId);
  }

  // ---- link ---------------------------------------------------------------------------------

  /** An MQTT connection of the box was accepted. */
  public Outcomes connected(String boxId, Instant now) {
    return on(boxId, now, t -> t.connected(now));
  }

  /** An MQTT connection of the box ended; the box goes OFFLINE when it was its last one. */
  public Outcomes disconnected(String boxId, Instant now, DisconnectCause cause) {
    Objects.requireNonNull(cause, "cause");
    return on(boxId, now, t -> t.disconnected(now, cause));
  }

  // ---- messages (each one is also a sign of life) -------------------------------------------

  public Outcomes telemetry(String boxId, Telemetry telemetry, Instant now) {
    Objects.requireNonNull(telemetry, "telemetry");
    return on(boxId, now, t -> t.telemetry(telemetry, now));
  }

  public Outcomes gps(String boxId, GpsFix fix, Instant now) {
    Objects.requireNonNull(fix, "fix");
    return on(boxId, now, t -> t.gps(fix, now));
  }

  public Outcomes event(String boxId, DeviceEvent event, Instant now) {
    Objects.requireNonNull(event, "event");
    return on(boxId, now, t -> t.event(event, now));
  }

  // ---- cameras (reported by the camera side) ------------------------------------------------

  /** Cameras of the box stopped delivering; ids the box does not list are ignored. */
  public Outcomes camerasDown(String boxId, Set<String> cameraIds, Instant now) {
    Objects.requireNonNull(cameraIds, "cameraIds");
    return on(boxId, now, t -> t.camerasDown(cameraIds, now));
  }

  public Outcomes camerasUp(String boxId, Set<String> cameraIds, Instant now) {
    Objects.requireNonNull(cameraIds, "cameraIds");
    return on(boxId, now, t -> t.camerasUp(cameraIds, now));
  }

  public Outcomes cameraDown(String boxId, String cameraId, Instant now) {
    return camerasDown(boxId, Set.of(cameraId), now);
  }

  public Outcomes cameraUp(String boxId, String cameraId, Instant now) {
    return camerasUp(boxId, Set.of(cameraId), now);
  }

  // ---- time ---------------------------------------------------------------------------------

  /**
   * The time-driven transitions of every box: SILENT once nothing arrived for
   * {@link HealthPolicy#boxSilentAfter()} (so with a tick every second the detection bound is that plus
   * one second), OFFLINE for a box never heard from, battery estimates running down, camera-down
   * alarms whose grace period ended.
   */
  public Outcomes tick(Instant now) {
    Objects.requireNonNull(now, "now");
    List<Outcome> out = new ArrayList<>();
    for (BoxTracker tracker : boxes.values()) {
      if (!tracker.judgedHere()) {
        continue;
      }
      tracker.tick(now);
      out.addAll(tracker.finish(now).all());
    }
    return out.isEmpty() ? Outcomes.NONE : new Outcomes(out);
  }

  // ---- queries ------------------------------------------------------------------------------

  public Optional<BoxState> snapshot(String boxId) {
    return Optional.ofNullable(boxes.get(boxId)).map(BoxTracker::snapshot);
  }

  /** All boxes, ordered by id. */
  public List<BoxState> snapshots() {
    return boxes.values().stream().map(BoxTracker::snapshot).toList();
  }

  private Outcomes on(String boxId, Instant now, Consumer<BoxTracker> step) {
    Objects.requireNonNull(now, "now");
    BoxTracker tracker = boxes.get(boxId);
    if (tracker == null || !tracker.judgedHere()) {
      return Outcomes.NONE; // unknown, or held by another node (a late message of a connection that moved on)
    }
    step.accept(tracker);
    return tracker.finish(now);
  }
}
