package org.safecity.gateway.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * Camera health from one fact: when its last whole video frame arrived. A camera is streaming while frames
 * come, stalled after {@code stalledAfter} without one, offline after {@code offlineAfter}; a camera never seen
 * since it was registered (or since start) is offline once {@code offlineAfter} has passed, which is how a
 * camera that went dark while the gateway was down still gets noticed. Detection bound: the threshold plus one
 * observation interval.
 */
public final class CameraWatch {
  public enum State { UNKNOWN, STREAMING, STALLED, OFFLINE }

  /** A camera to watch, as the registry knows it. */
  public record Camera(String id, String boxId, String region) {
    public Camera {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(boxId, "boxId");
      Objects.requireNonNull(region, "region");
    }
  }

  /** A camera entered {@code to}; {@code lastFrameAt} empty when none arrived since start. */
  public record Change(Camera camera, State from, State to, Optional<Instant> lastFrameAt, Instant at) {
    /** True when the camera stopped delivering (stalled, or offline without having been stalled). */
    public boolean down() {
      return (to == State.STALLED || to == State.OFFLINE) && from != State.STALLED && from != State.OFFLINE;
    }

    public boolean up() {
      return to == State.STREAMING && (from == State.STALLED || from == State.OFFLINE);
    }
  }

  private static final class Tracked {
    Camera camera;
    State state = State.UNKNOWN;
    final Instant since;

    Tracked(Camera camera, Instant since) {
      this.camera = camera;
      this.since = since;
    }
  }

  private final Duration stalledAfter;
  private final Duration offlineAfter;
  private final Map<String, Tracked> cameras = new HashMap<>();

  public CameraWatch(Duration stalledAfter, Duration offlineAfter) {
    if (stalledAfter.isNegative() || stalledAfter.isZero() || offlineAfter.compareTo(stalledAfter) <= 0) {
      throw new IllegalArgumentException("need 0 < stalledAfter < offlineAfter: " + stalledAfter + ", " + offlineAfter);
    }
    this.stalledAfter = stalledAfter;
    this.offlineAfter = offlineAfter;
  }

  /** The registry's cameras: new ones start their clock now, known ones keep their state, others are dropped. */
  public void reload(Collection<Camera> list, Instant now) {
    Map<String, Camera> byId = new HashMap<>();
    list.forEach(c -> byId.put(c.id(), c));
    cameras.keySet().retainAll(byId.keySet());
    byId.forEach((id, c) -> cameras.computeIfAbsent(id, k -> new Tracked(c, now)).camera = c);
  }

  /** Judges every camera from its last frame time ({@code lastFrameMillis}: epoch millis, or -1 for none). */
  public List<Change> observe(ToLongFunction<String> lastFrameMillis, Instant now) {
    List<Change> out = new ArrayList<>();
    for (Tracked t : cameras.values()) {
      long last = lastFrameMillis.applyAsLong(t.camera.id());
      Optional<Instant> lastAt = last < 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(last));
      Instant reference = lastAt.filter(a -> a.isAfter(t.since)).orElse(t.since);
      Duration quiet = Duration.between(reference, now);
      State next;
      if (lastAt.isPresent() && quiet.compareTo(stalledAfter) < 0) {
        next = State.STREAMING;
      } else if (quiet.compareTo(offlineAfter) >= 0) {
        next = State.OFFLINE;
      } else if (t.state == State.STREAMING || t.state == State.STALLED || lastAt.isPresent()) {
        next = State.STALLED;
      } else {
        next = t.state; // never seen yet, or still offline: nothing new to say before offlineAfter
      }
      if (next != t.state) {
        out.add(new Change(t.camera, t.state, next, lastAt, now));
        t.state = next;
      }
    }
    out.sort(java.util.Comparator.comparing(c -> c.camera().id()));
    return out;
  }

  /** A copy of every watched camera's state, by id. */
  public Map<String, State> states() {
    Map<String, State> out = new HashMap<>();
    cameras.forEach((id, t) -> out.put(id, t.state));
    return out;
  }

  public State state(String cameraId) {
    Tracked t = cameras.get(cameraId);
    return t == null ? State.UNKNOWN : t.state;
  }
}
