package org.safecity.gateway.core;

import static org.safecity.gateway.core.BoxCondition.DOOR_OPEN;
import static org.safecity.gateway.core.BoxCondition.MOVED;
import static org.safecity.gateway.core.BoxCondition.OFFLINE;
import static org.safecity.gateway.core.BoxCondition.ONLINE;
import static org.safecity.gateway.core.BoxCondition.ON_BATTERY;
import static org.safecity.gateway.core.BoxCondition.SILENT;
import static org.safecity.gateway.core.BoxCondition.TAMPER;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The mutable health state of one box. Each input applies its transitions and queues their events;
 * {@link #finish} then updates the correlations (theft, site loss) and lets {@link AlarmRules} turn the
 * state into alarm raises and clears. Not thread-safe: {@link HealthModel} confines it.
 */
final class BoxTracker {

  /** Beyond this an estimate only says "not really discharging"; it also keeps Instant arithmetic in range. */
  private static final double MAX_ESTIMATE_SECONDS = Duration.ofDays(30).toSeconds();

  private final HealthPolicy policy;
  private final Instant registeredAt;
  private Box box;

  private final EnumSet<BoxCondition> conditions = EnumSet.noneOf(BoxCondition.class);
  /** Open MQTT connections; a takeover briefly has two, and only the last one closing takes the box offline. */
  private int connections;
  private Instant lastSeen;
  private Instant linkSince;
  /** Why the box is OFFLINE; {@code null} while OFFLINE means it was never heard from. */
  private DisconnectCause offlineCause;
  /** Device time of the newest message applied to door/tamper/mains, so a late older one cannot undo it. */
  private Instant stateAt;

  private Telemetry lastTelemetry;
  private GpsFix lastPosition;
  private Instant lastPositionAt;
  private Geofence.Judgement lastJudgement;

  private Instant doorOpenedAt;
  private Instant tamperSince;
  private Instant movedAt;
  private Instant onBatterySince;

  private final BatteryTrend trend = new BatteryTrend();
  private BatteryEstimate battery;
  private Double loggedMinutesLeft;
  /** Non-null once battery-critical is latched (until mains return): what tripped it. */
  private String batteryCriticalTrigger;

  private Instant theftSince;
  private Instant siteLossSince;
  private final Map<String, Instant> camerasDown = new TreeMap<>();

  private final Map<String, String> activeAlarms = new LinkedHashMap<>();
  private final List<Outcome> pending = new ArrayList<>();

  /**
   * Whether this node judges the box (it holds the box's connection, or was given it): a tracker judged elsewhere
   * ticks nothing and raises nothing; its state here is stale until {@link #restore} brings the owner's.
   */
  private boolean judgedHere;
  /** Set when the box's connection vanished with its gateway node: no silence before it, NODE_LOST after it. */
  private Instant graceUntil;

  BoxTracker(Box box, HealthPolicy policy, Instant registeredAt, boolean judgedHere) {
    this.box = box;
    this.policy = policy;
    this.registeredAt = registeredAt;
    this.judgedHere = judgedHere;
  }

  boolean judgedHere() {
    return judgedHere;
  }

  /** Another node holds the box now: stop judging it (its state there is the truth). */
  void release() {
    judgedHere = false;
    connections = 0;
    graceUntil = null;
    pending.clear();
  }

  /**
   * This node judges the box from now on, starting from the state its previous owner left ({@code m}, or nothing:
   * a box no node has held yet starts from scratch). With {@code graceUntil}, the box's connection vanished with
   * its node: it keeps its link state until then, and goes OFFLINE (cause node-lost) if it has not reconnected.
   */
  void restore(BoxMemento m, Instant graceUntil, Instant now) {
    judgedHere = true;
    connections = 0;
    this.graceUntil = graceUntil;
    pending.clear();
    if (m == null) {
      return;
    }
    conditions.clear();
    conditions.addAll(m.conditions());
    offlineCause = m.offlineCause();
    lastSeen = m.lastSeen();
    linkSince = m.linkSince();
    doorOpenedAt = m.doorOpenedAt();
    tamperSince = m.tamperSince();
    movedAt = m.movedAt();
    onBatterySince = m.onBatterySince();
    theftSince = m.theftSince();
    siteLossSince = m.siteLossSince();
    camerasDown.clear();
    camerasDown.putAll(m.camerasDown());
    activeAlarms.clear();
    activeAlarms.putAll(m.activeAlarms());
    lastPosition = m.lastPosition();
    lastPositionAt = m.lastPositionAt();
    batteryCriticalTrigger = m.batteryCriticalTrigger();
    stateAt = null;
    trend.clear();
    battery = null;
    loggedMinutesLeft = null;
    if (lastPosition != null) {
      lastJudgement = Geofence.judge(box, lastPosition, policy);
    }
  }

  BoxMemento memento() {
    return new BoxMemento(conditions, offlineCause, lastSeen, linkSince, doorOpenedAt, tamperSince, movedAt,
        onBatterySince, theftSince, siteLossSince, camerasDown, activeAlarms, lastPosition, lastPositionAt,
        batteryCriticalTrigger);
  }

  Instant graceUntil() {
    return graceUntil;
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** A registry reload brought a new version of this box: keep the state, re-judge what depends on the entry. */
  void update(Box updated, Instant now) {
    Box previous = box;
    box = updated;
    camerasDown.keySet().retainAll(Set.copyOf(updated.cameraIds()));
    if (!previous.location().equals(updated.location()) || previous.geofenceMeters() != updated.geofenceMeters()) {
      judgePosition(now);
    }
  }

  void connected(Instant now) {
    graceUntil = null;
    connections++;
    lastSeen = now;
    // A box that reconnects may have rebooted with a reset clock; its new messages must not look stale.
    stateAt = null;
    if (link() != ONLINE) {
      goOnline(now);
    }
  }

  void disconnected(Instant now, DisconnectCause cause) {
    if (connections > 0) {
      connections--;
    }
    if (connections > 0 || link() == OFFLINE) {
      return;
    }
    offlineCause = cause;
    emit(HealthEvent.BOX_OFFLINE, now, JsonDetails.of().put("cause", cause.label()).put("lastSeen", lastSeen));
    setLink(OFFLINE, now);
    if (cause != DisconnectCause.CLEAN && theftSequence(now)) {
      theftSince = now;
    }
  }

  void telemetry(Telemetry t, Instant now) {
    heardFrom(now);
    if (!acceptState(t.at(), now)) {
      return;
    }
    lastTelemetry = t;
    setMains(t.mainsPower(), now);
    setDoor(t.doorOpen(), t.at(), now);
    setTamper(t.tamper(), t.at(), now);
    if (conditions.contains(ON_BATTERY)) {
      batteryReading(t, now);
    }
  }

  void gps(GpsFix fix, Instant now) {
    heardFrom(now);
    Instant at = trusted(fix.at(), now);
    if (lastPositionAt != null && at.isBefore(lastPositionAt)) {
      return;
    }
    lastPosition = fix;
    lastPositionAt = at;
    judgePosition(now);
  }

  void event(DeviceEvent e, Instant now) {
    heardFrom(now);
    switch (e.type()) {
      case DeviceEvent.REBOOT -> {
        stateAt = null;
        emit(HealthEvent.BOX_REBOOT, now, deviceDetails(e));
      }
      case DeviceEvent.CAMERA_PORT_FAULT -> emit(HealthEvent.BOX_CAMERA_PORT_FAULT, now, deviceDetails(e));
      case DeviceEvent.BATTERY_LOW -> {
        emit(HealthEvent.BOX_BATTERY_LOW, now, deviceDetails(e));
        latchBatteryCritical("device");
      }
      case DeviceEvent.DOOR_OPENED, DeviceEvent.DOOR_CLOSED, DeviceEvent.TAMPER,
          DeviceEvent.MAINS_LOST, DeviceEvent.MAINS_RESTORED -> {
        if (acceptState(e.at(), now)) {
          applyStateEvent(e, now);
        }
      }
      default -> {
        // cmd-result and types added later: a sign of life only; commands are the command path's business.
      }
    }
  }

  void camerasDown(Set<String> cameraIds, Instant now) {
    for (String id : new TreeSet<>(cameraIds)) {
      if (box.cameraIds().contains(id) && camerasDown.putIfAbsent(id, now) == null) {
        emit(HealthEvent.CAMERA_DOWN, now, JsonDetails.of().put("cameraId", id));
      }
    }
  }

  void camerasUp(Set<String> cameraIds, Instant now) {
    for (String id : new TreeSet<>(cameraIds)) {
      Instant since = camerasDown.remove(id);
      if (since != null) {
        emit(HealthEvent.CAMERA_UP, now, JsonDetails.of().put("cameraId", id).put("downForMs", millis(since, now)));
      }
    }
  }

  /** The time-driven transitions: silence, never heard from, the battery running down. */
  void tick(Instant now) {
    if (graceUntil != null) {
      if (now.isBefore(graceUntil)) {
        return; // its node was lost: it is reconnecting somewhere, not silent
      }
      graceUntil = null;
      if (connections == 0) {
        disconnected(now, DisconnectCause.NODE_LOST);
        return;
      }
    }
    BoxCondition link = link();
    if (link == ONLINE && !now.isBefore(lastSeen.plus(policy.boxSilentAfter()))) {
      emit(HealthEvent.BOX_SILENT, now, JsonDetails.of()
          .put("lastSeen", lastSeen)
          .put("silentForMs", millis(lastSeen, now)));
      setLink(SILENT, now);
    } else if (link == null && !now.isBefore(registeredAt.plus(policy.boxSilentAfter()))) {
      offlineCause = null;
      emit(HealthEvent.BOX_OFFLINE, now, JsonDetails.of()
          .put("cause", "never-seen")
          .put("registeredAt", registeredAt));
      setLink(OFFLINE, now);
    }
    if (battery != null) {
      battery = battery.asOf(now);
      batteryProgress(now);
    }
  }

  /** Correlates, reconciles alarms and hands back everything this call produced, in log order. */
  Outcomes finish(Instant now) {
    correlate(now);
    AlarmRules.reconcile(this, activeAlarms, now, pending);
    return drain();
  }

  /** The box left the registry: its active alarms end with it. */
  Outcomes retire(Instant now) {
    activeAlarms.keySet().forEach(key -> pending.add(new AlarmCleared(key, now, "box unregistered")));
    activeAlarms.clear();
    return drain();
  }

  BoxState snapshot() {
    return new BoxState(box, connections > 0, lastSeen, conditions, lastTelemetry, lastPosition, battery,
        camerasDown.keySet(), activeAlarms);
  }

  // ---- transitions --------------------------------------------------------------------------

  private void heardFrom(Instant now) {
    lastSeen = now;
    // A message after the last connection closed is a late leftover of that session, not a new link.
    if (connections > 0 && link() != ONLINE) {
      goOnline(now);
    }
  }

  private void goOnline(Instant now) {
    BoxCondition previous = link();
    JsonDetails details = JsonDetails.of()
        .put("previous", previous == null ? "unknown" : previous.name().toLowerCase(Locale.ROOT));
    if (previous != null) {
      details.put("previousForMs", millis(linkSince, now));
    }
    if (previous == OFFLINE && offlineCause != null) {
      details.put("offlineCause", offlineCause.label());
    }
    emit(HealthEvent.BOX_ONLINE, now, details);
    offlineCause = null;
    setLink(ONLINE, now);
  }

  private void setLink(BoxCondition link, Instant now) {
    conditions.removeIf(BoxCondition::isLink);
    conditions.add(link);
    linkSince = now;
  }

  private void applyStateEvent(DeviceEvent e, Instant now) {
    switch (e.type()) {
      case DeviceEvent.DOOR_OPENED -> setDoor(true, e.at(), now);
      case DeviceEvent.DOOR_CLOSED -> setDoor(false, e.at(), now);
      case DeviceEvent.TAMPER -> setTamper(true, e.at(), now);
      case DeviceEvent.MAINS_LOST -> setMains(false, now);
      case DeviceEvent.MAINS_RESTORED -> setMains(true, now);
      default -> throw new IllegalArgumentException("not a state event: " + e.type());
    }
  }

  private void setDoor(boolean open, Instant deviceAt, Instant now) {
    if (open && conditions.add(DOOR_OPEN)) {
      doorOpenedAt = now;
      emit(HealthEvent.BOX_DOOR_OPEN, now, JsonDetails.of().put("deviceAt", deviceAt));
    } else if (!open && conditions.remove(DOOR_OPEN)) {
      emit(HealthEvent.BOX_DOOR_CLOSED, now, JsonDetails.of()
          .put("deviceAt", deviceAt)
          .put("openForMs", millis(doorOpenedAt, now)));
    }
  }

  private void setTamper(boolean tripped, Instant deviceAt, Instant now) {
    if (tripped && conditions.add(TAMPER)) {
      tamperSince = now;
      emit(HealthEvent.BOX_TAMPER, now, JsonDetails.of().put("deviceAt", deviceAt));
    } else if (!tripped && conditions.remove(TAMPER)) {
      emit(HealthEvent.BOX_TAMPER_CLEARED, now, JsonDetails.of()
          .put("deviceAt", deviceAt)
          .put("trippedForMs", millis(tamperSince, now)));
      tamperSince = null;
    }
  }

  private void setMains(boolean powered, Instant now) {
    if (!powered && conditions.add(ON_BATTERY)) {
      onBatterySince = now;
      resetBattery();
      emit(HealthEvent.BOX_ON_BATTERY, now, JsonDetails.of().put("batteryPercent", lastBatteryPercent()));
    } else if (powered && conditions.remove(ON_BATTERY)) {
      emit(HealthEvent.BOX_MAINS_RESTORED, now, JsonDetails.of()
          .put("onBatteryForMs", millis(onBatterySince, now))
          .put("batteryPercent", lastBatteryPercent()));
      onBatterySince = null;
      resetBattery();
    }
  }

  private void resetBattery() {
    trend.clear();
    battery = null;
    loggedMinutesLeft = null;
    batteryCriticalTrigger = null;
  }

  private void batteryReading(Telemetry t, Instant now) {
    // An untrusted device time would bend the line; such a reading still counts for the low-percent check.
    if (isTrusted(t.at(), now) && trend.add(t.at(), t.batteryPercent(), policy.batteryWindow())) {
      BatteryTrend.Fit fit = trend.fit(policy.batteryMinSpan());
      if (fit != null) {
        battery = fit.discharging() ? estimate(fit, now) : null;
      }
    }
    if (t.batteryPercent() <= policy.batteryLowPercent()) {
      latchBatteryCritical("percent");
    }
    batteryProgress(now);
  }

  private BatteryEstimate estimate(BatteryTrend.Fit fit, Instant now) {
    double seconds = Math.min(MAX_ESTIMATE_SECONDS, fit.percentAtNewest() / -fit.percentPerSecond());
    // Projected from arrival time: the reading's own device time may be skewed against the gateway clock.
    Instant emptyAt = now.plusMillis(Math.round(seconds * 1000));
    return new BatteryEstimate(now, emptyAt, -fit.percentPerSecond() * 3600, fit.percentAtNewest(), fit.samples());
  }

  /** Logs the estimate when it moved meaningfully and latches battery-critical below the threshold. */
  private void batteryProgress(Instant now) {
    if (battery == null) {
      return;
    }
    double left = battery.minutesLeftAt(now);
    double step = Math.max(policy.batteryEstimateStep().toMillis() / 60_000.0,
        loggedMinutesLeft == null ? 0 : policy.batteryEstimateStepRatio() * loggedMinutesLeft);
    if (loggedMinutesLeft == null || Math.abs(left - loggedMinutesLeft) >= step) {
      loggedMinutesLeft = left;
      emit(HealthEvent.BOX_BATTERY_ESTIMATE, now, JsonDetails.of()
          .put("minutesLeft", left, 1)
          .put("emptyAt", battery.emptyAt())
          .put("percentPerHour", battery.percentPerHour(), 2)
          .put("batteryPercent", battery.batteryPercent(), 1)
          .put("samples", battery.samples()));
    }
    if (left < policy.batteryCriticalBelow().toMillis() / 60_000.0) {
      latchBatteryCritical("estimate");
    }
  }

  private void latchBatteryCritical(String trigger) {
    if (conditions.contains(ON_BATTERY) && batteryCriticalTrigger == null) {
      batteryCriticalTrigger = trigger;
    }
  }

  private void judgePosition(Instant now) {
    if (lastPosition == null) {
      return;
    }
    Geofence.Judgement j = Geofence.judge(box, lastPosition, policy);
    lastJudgement = j;
    if (j.verdict() == Geofence.Verdict.OUTSIDE && conditions.add(MOVED)) {
      movedAt = now;
      emit(HealthEvent.BOX_MOVED, now, positionDetails(j));
    } else if (j.verdict() == Geofence.Verdict.INSIDE && conditions.remove(MOVED)) {
      emit(HealthEvent.BOX_RETURNED, now, positionDetails(j));
    }
  }

  JsonDetails positionDetails(Geofence.Judgement j) {
    return JsonDetails.of()
        .put("lat", lastPosition.position().lat())
        .put("lon", lastPosition.position().lon())
        .put("distanceMeters", j.distanceMeters(), 1)
        .put("accuracyMeters", j.accuracyMeters(), 1)
        .put("geofenceMeters", box.geofenceMeters())
        .put("fixAt", lastPosition.at());
  }

  // ---- correlation --------------------------------------------------------------------------

  /** Door opened, then the box left its geofence, then (now) went offline, all inside the theft window. */
  private boolean theftSequence(Instant now) {
    return doorOpenedAt != null && movedAt != null && conditions.contains(MOVED)
        && !movedAt.isBefore(doorOpenedAt)
        && !now.isAfter(doorOpenedAt.plus(policy.theftWindow()));
  }

  private void correlate(Instant now) {
    if (link() == ONLINE) {
      // Both latches hold until the box is back; a camera returning while the box is still dark does not
      // split one site outage back into separate alarms.
      siteLossSince = null;
      if (theftSince != null && !conditions.contains(MOVED)) {
        theftSince = null;
      }
    } else if (siteLossSince == null && linkLost() && quorumDown()) {
      siteLossSince = now;
    }
  }

  /** SILENT, or OFFLINE for any reason but a clean (operator-known) shutdown. */
  boolean linkLost() {
    BoxCondition link = link();
    return link == SILENT || (link == OFFLINE && offlineCause != DisconnectCause.CLEAN);
  }

  boolean cleanlyOffline() {
    return link() == OFFLINE && offlineCause == DisconnectCause.CLEAN;
  }

  private boolean quorumDown() {
    int cameras = box.cameraIds().size();
    return cameras > 0 && camerasDown.size() >= policy.camerasNeeded(cameras);
  }

  // ---- read access for AlarmRules -----------------------------------------------------------

  Box box() {
    return box;
  }

  HealthPolicy policy() {
    return policy;
  }

  BoxCondition link() {
    return BoxCondition.linkOf(conditions);
  }

  boolean has(BoxCondition c) {
    return conditions.contains(c);
  }

  DisconnectCause offlineCause() {
    return offlineCause;
  }

  Instant lastSeen() {
    return lastSeen;
  }

  Instant doorOpenedAt() {
    return doorOpenedAt;
  }

  Instant tamperSince() {
    return tamperSince;
  }

  Instant movedAt() {
    return movedAt;
  }

  Geofence.Judgement lastJudgement() {
    return lastJudgement;
  }

  Instant onBatterySince() {
    return onBatterySince;
  }

  Double lastBatteryPercent() {
    return lastTelemetry == null ? null : lastTelemetry.batteryPercent();
  }

  BatteryEstimate battery() {
    return battery;
  }

  String batteryCriticalTrigger() {
    return batteryCriticalTrigger;
  }

  Instant theftSince() {
    return theftSince;
  }

  Instant siteLossSince() {
    return siteLossSince;
  }

  Map<String, Instant> camerasDown() {
    return camerasDown;
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Newer-or-equal device time than the last applied state message (ties apply: separate topics may share a time). */
  private boolean acceptState(Instant deviceAt, Instant now) {
    Instant at = trusted(deviceAt, now);
    if (stateAt != null && at.isBefore(stateAt)) {
      return false;
    }
    stateAt = at;
    return true;
  }

  private boolean isTrusted(Instant deviceAt, Instant now) {
    return Duration.between(deviceAt, now).abs().compareTo(policy.maxClockSkew()) <= 0;
  }

  /** The device time when it is plausible, else arrival time: a box with a wrong clock still gets its state applied. */
  private Instant trusted(Instant deviceAt, Instant now) {
    return isTrusted(deviceAt, now) ? deviceAt : now;
  }

  private JsonDetails deviceDetails(DeviceEvent e) {
    return JsonDetails.of().put("deviceAt", e.at()).put("detail", e.detail());
  }

  private void emit(String kind, Instant now, JsonDetails details) {
    pending.add(new HealthEvent(box.id(), box.region(), kind, now, details.build()));
  }

  private Outcomes drain() {
    Outcomes out = pending.isEmpty() ? Outcomes.NONE : new Outcomes(pending);
    pending.clear();
    return out;
  }

  static long millis(Instant from, Instant to) {
    return from == null ? 0 : Duration.between(from, to).toMillis();
  }
}
