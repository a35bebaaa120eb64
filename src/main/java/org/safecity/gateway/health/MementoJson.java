package org.safecity.gateway.health;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.safecity.gateway.core.BatteryEstimate;
import org.safecity.gateway.core.Box;
import org.safecity.gateway.core.BoxCondition;
import org.safecity.gateway.core.BoxState;
import org.safecity.gateway.core.BoxMemento;
import org.safecity.gateway.core.DisconnectCause;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.GpsFix;
import org.safecity.gateway.core.Telemetry;

/**
 * A box's health state as stored in {@code box_owners.state} (JSON): the memento for the next node that holds the
 * box, and under {@code view} what only the API shows (whether a connection is open at the owner, the last
 * telemetry, the battery estimate), so that every other node can show the box as its owner sees it.
 */
final class MementoJson {
  private MementoJson() {
  }

  /** The memento and the owner's view of the box. */
  static JsonObject toJson(BoxMemento m, BoxState view) {
    JsonObject j = toJson(m);
    JsonObject v = new JsonObject().put("connected", view.connected());
    Telemetry t = view.lastTelemetry();
    if (t != null) {
      v.put("lastTelemetry", new JsonObject().put("at", t.at().toString()).put("mainsPower", t.mainsPower())
          .put("batteryPercent", t.batteryPercent()).put("batteryVolts", t.batteryVolts())
          .put("temperatureC", t.temperatureC()).put("doorOpen", t.doorOpen()).put("tamper", t.tamper()));
    }
    BatteryEstimate b = view.battery();
    if (b != null) {
      v.put("battery", new JsonObject().put("at", b.at().toString()).put("emptyAt", b.emptyAt().toString())
          .put("percentPerHour", b.percentPerHour()).put("batteryPercent", b.batteryPercent()).put("samples", b.samples()));
    }
    return j.put("view", v);
  }

  /** The box as its owner stored it, for a node that does not judge it (the registry's entry from this node). */
  static BoxState state(Box box, JsonObject j) {
    BoxMemento m = fromJson(j);
    JsonObject v = j.getJsonObject("view", new JsonObject());
    JsonObject t = v.getJsonObject("lastTelemetry");
    Telemetry telemetry = t == null ? null : new Telemetry(Instant.parse(t.getString("at")), t.getBoolean("mainsPower"),
        t.getDouble("batteryPercent"), t.getDouble("batteryVolts"), t.getDouble("temperatureC"), t.getBoolean("doorOpen"),
        t.getBoolean("tamper"));
    JsonObject b = v.getJsonObject("battery");
    BatteryEstimate battery = b == null ? null : new BatteryEstimate(Instant.parse(b.getString("at")),
        Instant.parse(b.getString("emptyAt")), b.getDouble("percentPerHour"), b.getDouble("batteryPercent"),
        b.getInteger("samples"));
    return new BoxState(box, v.getBoolean("connected", false), m.lastSeen(), m.conditions(), telemetry, m.lastPosition(),
        battery, m.camerasDown().keySet(), m.activeAlarms());
  }

  static JsonObject toJson(BoxMemento m) {
    JsonObject j = new JsonObject();
    j.put("conditions", m.conditions().stream().map(Enum::name).sorted().toList());
    j.put("offlineCause", m.offlineCause() == null ? null : m.offlineCause().name());
    put(j, "lastSeen", m.lastSeen());
    put(j, "linkSince", m.linkSince());
    put(j, "doorOpenedAt", m.doorOpenedAt());
    put(j, "tamperSince", m.tamperSince());
    put(j, "movedAt", m.movedAt());
    put(j, "onBatterySince", m.onBatterySince());
    put(j, "theftSince", m.theftSince());
    put(j, "siteLossSince", m.siteLossSince());
    JsonObject cams = new JsonObject();
    m.camerasDown().forEach((k, v) -> cams.put(k, v.toString()));
    j.put("camerasDown", cams);
    j.put("activeAlarms", new JsonObject(new LinkedHashMap<>(m.activeAlarms())));
    if (m.lastPosition() != null) {
      j.put("lastPosition", new JsonObject().put("at", m.lastPosition().at().toString())
          .put("lat", m.lastPosition().position().lat()).put("lon", m.lastPosition().position().lon())
          .put("accuracyMeters", m.lastPosition().accuracyMeters()));
    }
    put(j, "lastPositionAt", m.lastPositionAt());
    j.put("batteryCriticalTrigger", m.batteryCriticalTrigger());
    return j;
  }

  static BoxMemento fromJson(JsonObject j) {
    Set<BoxCondition> conditions = EnumSet.noneOf(BoxCondition.class);
    j.getJsonArray("conditions").forEach(c -> conditions.add(BoxCondition.valueOf((String) c)));
    Map<String, Instant> cams = new LinkedHashMap<>();
    j.getJsonObject("camerasDown", new JsonObject()).forEach(e -> cams.put(e.getKey(), Instant.parse((String) e.getValue())));
    Map<String, String> alarms = new LinkedHashMap<>();
    j.getJsonObject("activeAlarms", new JsonObject()).forEach(e -> alarms.put(e.getKey(), (String) e.getValue()));
    JsonObject p = j.getJsonObject("lastPosition");
    GpsFix position = p == null ? null : new GpsFix(Instant.parse(p.getString("at")),
        new GeoPoint(p.getDouble("lat"), p.getDouble("lon")), p.getDouble("accuracyMeters"));
    String cause = j.getString("offlineCause");
    return new BoxMemento(conditions, cause == null ? null : DisconnectCause.valueOf(cause), at(j, "lastSeen"),
        at(j, "linkSince"), at(j, "doorOpenedAt"), at(j, "tamperSince"), at(j, "movedAt"), at(j, "onBatterySince"),
        at(j, "theftSince"), at(j, "siteLossSince"), cams, alarms, position, at(j, "lastPositionAt"),
        j.getString("batteryCriticalTrigger"));
  }

  private static void put(JsonObject j, String key, Instant t) {
    j.put(key, t == null ? null : t.toString());
  }

  private static Instant at(JsonObject j, String key) {
    String s = j.getString(key);
    return s == null ? null : Instant.parse(s);
  }
}
