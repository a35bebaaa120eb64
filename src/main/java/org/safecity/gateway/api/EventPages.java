package org.safecity.gateway.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.bus.EventMessages;
import org.safecity.gateway.store.EventLog;

/**
 * A page of the event log as a principal may see it: the contract's {@code EventPage}, for REST and GraphQL. A page
 * that holds watchlist or hotlist data is written to the audit log before it is answered.
 */
public final class EventPages {
  private EventPages() {
  }

  /**
   * Events after {@code after}, at most {@code limit} of them before filtering, oldest first.
   *
   * @param via    {@code rest} or {@code graphql}, for the audit entry
   */
  public static Future<JsonObject> page(EventLog eventLog, Audit audit, Principal p, String remote, String via,
      long after, int limit) {
    return eventLog.read(after, limit + 1).compose(events -> {
      boolean more = events.size() > limit;
      var page = more ? events.subList(0, limit) : events;
      JsonArray items = new JsonArray();
      int watchlist = 0;
      // A caller limited to some regions gets only theirs; nextAfter still moves past what it may not see.
      for (var e : page) {
        if (p.seesEvent(e.type(), e.region())) {
          items.add(EventMessages.toJson(e));
          watchlist += Principal.isWatchlistData(e.type()) ? 1 : 0;
        }
      }
      long next = page.isEmpty() ? after : page.get(page.size() - 1).id();
      JsonObject answer = new JsonObject().put("events", items).put("nextAfter", next).put("hasMore", more);
      if (watchlist == 0) {
        return Future.succeededFuture(answer);
      }
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("via", via);
      details.put("after", after);
      details.put("returned", items.size());
      details.put("watchlistOrHotlistEvents", watchlist);
      return audit.record(p, "events.read", "events", remote, details).map(v -> answer);
    });
  }
}
