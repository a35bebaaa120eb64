package org.safecity.gateway.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.bus.EventMessages;
import org.safecity.gateway.store.EventLog;

/** A page of the event log as a principal may see it: the contract's {@code EventPage}, for REST and GraphQL. */
public final class EventPages {
  private EventPages() {
  }

  /** Events after {@code after}, at most {@code limit} of them before filtering, oldest first. */
  public static Future<JsonObject> page(EventLog eventLog, Principal p, long after, int limit) {
    return eventLog.read(after, limit + 1).map(events -> {
      boolean more = events.size() > limit;
      var page = more ? events.subList(0, limit) : events;
      JsonArray items = new JsonArray();
      // A caller limited to some regions gets only theirs; nextAfter still moves past what it may not see.
      page.stream().filter(e -> p.seesEvent(e.type(), e.region())).forEach(e -> items.add(EventMessages.toJson(e)));
      long next = page.isEmpty() ? after : page.get(page.size() - 1).id();
      return new JsonObject().put("events", items).put("nextAfter", next).put("hasMore", more);
    });
  }
}
