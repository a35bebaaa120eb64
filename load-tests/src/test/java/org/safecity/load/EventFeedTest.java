package org.safecity.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The event-log follower against a tiny in-process stand-in of {@code GET /api/v1/events}. */
class EventFeedTest {

  private final List<JsonObject> log = new ArrayList<>();
  private Vertx vertx;
  private Broker api;

  @BeforeEach
  void serve() throws Exception {
    vertx = Vertx.vertx();
    HttpServer server = BoxSimulator.await(vertx.createHttpServer().requestHandler(req -> {
      synchronized (log) {
        int after = Integer.parseInt(req.getParam("after", "0"));
        int limit = Integer.parseInt(req.getParam("limit", "100"));
        int end = Math.min(log.size(), after + limit);
        JsonArray page = new JsonArray(new ArrayList<>(log.subList(Math.min(after, end), end)));
        req.response().end(new JsonObject().put("events", page).put("nextAfter", (long) end)
            .put("hasMore", end < log.size()).encode());
      }
    }).listen(0, "127.0.0.1"), 10);
    api = Broker.external("test", URI.create("mqtt://127.0.0.1:1"),
        URI.create("http://127.0.0.1:" + server.actualPort()), null, -1);
  }

  @AfterEach
  void stop() throws Exception {
    BoxSimulator.await(vertx.close(), 10);
  }

  private void append(String type, String source, String kind) {
    synchronized (log) {
      log.add(new JsonObject().put("id", log.size() + 1L).put("type", type).put("source", source)
          .put("at", "2026-11-24T10:00:00Z").put("body", new JsonObject().put("kind", kind)));
    }
  }

  @Test
  void findsTheEndOfAnyLogWithoutPagingThroughIt() throws Exception {
    try (EventFeed feed = new EventFeed(api, 5)) {
      assertEquals(0, feed.endOfLog());
      for (int n : new int[] {1, 2, 1023, 1024, 1025, 5000}) {
        while (log.size() < n) {
          append("box.telemetry", "box-000001", null);
        }
        assertEquals(n, feed.endOfLog(), "log of " + n);
      }
    }
  }

  @Test
  void completesOnlyTheMatchingExpectation() throws Exception {
    for (int i = 0; i < 3000; i++) {
      append("alarm.raised", "box-000001", "box-offline");
    }
    try (EventFeed feed = new EventFeed(api, 5)) {
      feed.start();
      EventFeed.Expectation offline = feed.expect("box-000001", "box-offline", System.currentTimeMillis());
      EventFeed.Expectation door = feed.expect("box-000002", "door-open", System.currentTimeMillis());
      append("alarm.raised", "box-000002", "box-offline");
      append("box.telemetry", "box-000002", "door-open");
      append("alarm.raised", "box-000002", "door-open");
      EventFeed.Sighting s = door.seen.get(5, TimeUnit.SECONDS);
      assertEquals(3003, s.eventId());
      assertEquals(EventFeed.parseAt("2026-11-24T10:00:00Z"), s.atMillis());
      assertEquals(false, offline.seen.isDone(), "the old box-offline alarms came before it was expected");
    }
  }
}
