package org.safecity.gateway.core;

import static org.safecity.gateway.core.BoxCondition.DOOR_OPEN;
import static org.safecity.gateway.core.BoxCondition.MOVED;
import static org.safecity.gateway.core.BoxCondition.OFFLINE;
import static org.safecity.gateway.core.BoxCondition.ONLINE;
import static org.safecity.gateway.core.BoxCondition.ON_BATTERY;
import static org.safecity.gateway.core.BoxCondition.SILENT;
import static org.safecity.gateway.core.BoxCondition.TAMPER;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which alarms a box's state calls for, and the diff against those already active.
 *
 * <p>Alarms are derived from state instead of being raised inside each transition: the set of active
 * keys is then exactly what the state implies, so a key can never be raised twice, every clear has a
 * cause, and an absorbing alarm (theft, site loss) only has to be a rule here.
 *
 * <p>Absorption: while theft is suspected it is the box's only alarm (door, tamper, moved, link, power,
 * battery and its cameras are one story). While power-or-link-lost holds, it replaces the link alarm and
 * the box's camera-down alarms. A cleanly shut-down box raises no camera alarms (planned work).
 */
final class AlarmRules {

  private AlarmRules() {
  }

  /** Appends clears for active alarms no longer called for, then raises for new ones, updating {@code active}. */
  static void reconcile(BoxTracker t, Map<String, String> active, Instant now, List<Outcome> out) {
    Map<String, String> wanted = wanted(t, now);
    List<AlarmRaised> raises = new ArrayList<>();
    for (Iterator<Map.Entry<String, String>> it = active.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, String> e = it.next();
      if (!e.getValue().equals(wanted.get(e.getKey()))) {
        out.add(new AlarmCleared(e.getKey(), now, clearReason(t, e.getKey(), wanted)));
        it.remove();
      }
    }
    wanted.forEach((key, kind) -> {
      if (!active.containsKey(key)) {
        raises.add(raise(t, key, kind, now));
        active.put(key, kind);
      }
    });
    out.addAll(raises);
  }

  /** Key to kind, in a fixed order so outcomes are deterministic. Only kinds here; details are built on raise. */
  static Map<String, String> wanted(BoxTracker t, Instant now) {
    Map<String, String> wanted = new LinkedHashMap<>();
    String id = t.box().id();
    if (t.theftSince() != null) {
      wanted.put("theft:" + id, AlarmKinds.THEFT_SUSPECTED);
      return wanted;
    }
    if (t.siteLossSince() != null) {
      wanted.put("link:" + id, AlarmKinds.POWER_OR_LINK_LOST);
    } else if (t.link() == SILENT) {
      wanted.put("link:" + id, AlarmKinds.BOX_SILENT);
    } else if (t.linkLost() || (t.cleanlyOffline() && t.policy().alarmOnCleanDisconnect())) {
      wanted.put("link:" + id, AlarmKinds.BOX_OFFLINE);
    }
    if (t.has(DOOR_OPEN)) {
      wanted.put("door:" + id, AlarmKinds.DOOR_OPEN);
    }
    if (t.has(TAMPER)) {
      wanted.put("tamper:" + id, AlarmKinds.TAMPER);
    }
    if (t.has(MOVED)) {
      wanted.put("moved:" + id, AlarmKinds.BOX_MOVED);
    }
    if (t.has(ON_BATTERY)) {
      wanted.put("power:" + id, AlarmKinds.ON_BATTERY);
      if (t.batteryCriticalTrigger() != null) {
        wanted.put("battery:" + id, AlarmKinds.BATTERY_CRITICAL);
      }
    }
    if (t.siteLossSince() == null && !t.cleanlyOffline()) {
      t.camerasDown().forEach((camera, since) -> {
        if (!now.isBefore(since.plus(t.policy().cameraDownGrace()))) {
          wanted.put("camera:" + camera, AlarmKinds.CAMERA_DOWN);
        }
      });
    }
    return wanted;
  }

  private static String clearReason(BoxTracker t, String key, Map<String, String> wanted) {
    String successor = wanted.get(key);
    if (successor != null) {
      return "superseded by " + successor;
    }
    if (t.theftSince() != null) {
      return "absorbed by " + AlarmKinds.THEFT_SUSPECTED;
    }
    return switch (key.substring(0, key.indexOf(':'))) {
      case "theft" -> "box back online inside its geofence";
      case "link" -> t.link() == ONLINE ? "box back online" : "box shut down cleanly";
      case "door" -> "door closed";
      case "tamper" -> "tamper cleared";
      case "moved" -> "box back inside its geofence";
      case "power", "battery" -> "mains restored";
      case "camera" -> cameraClearReason(t, key.substring("camera:".length()));
      default -> "condition ended";
    };
  }

  private static String cameraClearReason(BoxTracker t, String camera) {
    if (!t.box().cameraIds().contains(camera)) {
      return "camera no longer registered to the box";
    }
    if (!t.camerasDown().containsKey(camera)) {
      return "camera up";
    }
    // Still down but no longer wanted on its own: its box explains it.
    return t.siteLossSince() != null ? "absorbed by " + AlarmKinds.POWER_OR_LINK_LOST : "box shut down cleanly";
  }

  private static AlarmRaised raise(BoxTracker t, String key, String kind, Instant now) {
    Box box = t.box();
    String where = "Box " + box.id() + " (" + box.region() + ")";
    JsonDetails d = JsonDetails.of();
    Severity severity;
    String summary;
    switch (kind) {
      case AlarmKinds.THEFT_SUSPECTED -> {
        severity = Severity.CRITICAL;
        summary = where + ": theft suspected (door opened, moved, then went offline)";
        d.put("doorOpenedAt", t.doorOpenedAt()).put("movedAt", t.movedAt()).put("offlineAt", t.theftSince())
            .put("cause", t.offlineCause() == null ? null : t.offlineCause().label());
        if (t.lastJudgement() != null) {
          d.put("lastPosition", t.positionDetails(t.lastJudgement()).build());
        }
      }
      case AlarmKinds.POWER_OR_LINK_LOST -> {
        severity = Severity.CRITICAL;
        summary = where + ": power or link lost (box unreachable, " + t.camerasDown().size() + " of "
            + box.cameraIds().size() + " cameras down)";
        d.put("link", t.link().name().toLowerCase(Locale.ROOT)).put("lastSeen", t.lastSeen())
            .put("camerasDown", List.copyOf(t.camerasDown().keySet()))
            .put("cameras", box.cameraIds().size())
            .put("onBattery", t.has(ON_BATTERY))
            .put("batteryPercent", t.lastBatteryPercent());
        if (t.link() == OFFLINE) {
          d.put("cause", causeLabel(t));
        }
      }
      case AlarmKinds.BOX_SILENT -> {
        severity = Severity.WARNING;
        summary = where + ": silent since " + t.lastSeen();
        d.put("lastSeen", t.lastSeen()).put("silentAfterMs", t.policy().boxSilentAfter().toMillis());
      }
      case AlarmKinds.BOX_OFFLINE -> {
        boolean clean = t.cleanlyOffline();
        severity = clean ? Severity.WARNING : Severity.MAJOR;
        summary = where + ": offline (" + causeLabel(t) + ")";
        d.put("cause", causeLabel(t)).put("lastSeen", t.lastSeen());
      }
      case AlarmKinds.DOOR_OPEN -> {
        severity = Severity.MAJOR;
        summary = where + ": door open";
        d.put("openedAt", t.doorOpenedAt());
      }
      case AlarmKinds.TAMPER -> {
        severity = Severity.MAJOR;
        summary = where + ": tamper switch tripped";
        d.put("since", t.tamperSince());
      }
      case AlarmKinds.BOX_MOVED -> {
        severity = Severity.MAJOR;
        summary = where + ": moved "
            + Math.round(t.lastJudgement().distanceMeters()) + " m from its location";
        d.put("movedAt", t.movedAt()).put("position", t.positionDetails(t.lastJudgement()).build());
      }
      case AlarmKinds.ON_BATTERY -> {
        severity = Severity.WARNING;
        summary = where + ": mains power lost, on battery";
        d.put("since", t.onBatterySince()).put("batteryPercent", t.lastBatteryPercent());
      }
      case AlarmKinds.BATTERY_CRITICAL -> {
        severity = Severity.MAJOR;
        BatteryEstimate b = t.battery();
        summary = where + ": battery critical"
            + (b == null ? "" : ", about " + Math.round(b.minutesLeftAt(now)) + " min left");
        d.put("trigger", t.batteryCriticalTrigger()).put("batteryPercent", t.lastBatteryPercent());
        if (b != null) {
          d.put("minutesLeft", b.minutesLeftAt(now), 1).put("emptyAt", b.emptyAt());
        }
      }
      case AlarmKinds.CAMERA_DOWN -> {
        String camera = key.substring("camera:".length());
        severity = Severity.MAJOR;
        summary = "Camera " + camera + " at box " + box.id() + " (" + box.region() + ") down";
        d.put("cameraId", camera).put("downSince", t.camerasDown().get(camera));
      }
      default -> throw new IllegalStateException("no rule for alarm kind " + kind);
    }
    return new AlarmRaised(key, kind, severity, box.id(), box.region(), now, summary, d.build());
  }

  private static String causeLabel(BoxTracker t) {
    return t.offlineCause() == null ? "never-seen" : t.offlineCause().label();
  }
}
