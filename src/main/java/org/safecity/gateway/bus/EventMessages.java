package org.safecity.gateway.bus;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.safecity.gateway.core.LoggedEvent;

/** The one JSON shape of an event-log entry: on the bus, in REST pages and (later) in SSE. */
public final class EventMessages {
  private EventMessages() {
  }

  public static JsonObject toJson(LoggedEvent e) {
    return new JsonObject()
        .put("id", e.id())
        .put("type", e.type())
        .put("source", e.source())
        .put("region", e.region())
        .put("at", e.at().toString())
        .put("body", new JsonObject(e.body()));
  }

  public static LoggedEvent fromJson(JsonObject j) {
    return new LoggedEvent(j.getLong("id"), j.getString("type"), j.getString("source"), j.getString("region"),
        Instant.parse(j.getString("at")), j.getJsonObject("body", new JsonObject()).getMap());
  }
}
