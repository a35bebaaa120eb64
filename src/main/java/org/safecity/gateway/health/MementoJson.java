package org.safecity.gateway.health;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.safecity.gateway.core.BoxCondition;
import org.safecity.gateway.core.BoxMemento;
import org.safecity.gateway.core.DisconnectCause;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.GpsFix;

/** A box's health state as stored in {@code box_owners.state} (JSON), for the next node that holds the box. */
final class MementoJson {
  private MementoJson() {
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
