package org.safecity.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Follows the gateway's event log ({@code GET /api/v1/events?after=ID&limit=N}) from a thread that polls
 * every few milliseconds, and completes the alarm expectations the latency probes register: "an
 * {@code alarm.raised} of this kind for this box, after this moment".
 */
final class EventFeed implements AutoCloseable {

  /** What a probe waits for; completes with the event (seen wall-clock time, event time). */
  static final class Expectation {
    final String boxId;
    final String kind;
    final long t0Millis;
    final CompletableFuture<Sighting> seen = new CompletableFuture<>();

    Expectation(String boxId, String kind, long t0Millis) {
      this.boxId = boxId;
      this.kind = kind;
      this.t0Millis = t0Millis;
    }
  }

  /** When the benchmark saw the alarm, and the {@code at} the gateway stamped on it (epoch ms, or -1). */
  record Sighting(long seenMillis, long atMillis, long eventId) {
  }

  private final Broker gateway;
  private final long pollMillis;
  private final List<Expectation> waiting = new CopyOnWriteArrayList<>();
  private volatile boolean running = true;
  private volatile long cursor;
  private volatile Exception failure;
  private Thread thread;
  private long polls;

  EventFeed(Broker gateway, long pollMillis) {
    this.gateway = gateway;
    this.pollMillis = pollMillis;
  }

  /** Skips to the end of the log, then polls from there on. */
  void start() throws IOException, InterruptedException {
    cursor = endOfLog();
    thread = new Thread(this::loop, "event-feed");
    thread.setDaemon(true);
    thread.start();
  }

  Expectation expect(String boxId, String kind, long t0Millis) {
    Expectation e = new Expectation(boxId, kind, t0Millis);
    waiting.add(e);
    return e;
  }

  void forget(Expectation e) {
    waiting.remove(e);
  }

  Exception failure() {
    return failure;
  }

  long polls() {
    return polls;
  }

  /**
   * The id of the last event. Ids are gap-free, so instead of paging through what the earlier phases
   * logged (telemetry included: could be millions), gallop and bisect on "is there an event after X".
   */
  long endOfLog() throws IOException, InterruptedException {
    long lo = 0;
    long step = 1024;
    while (hasEventAfter(lo + step)) {
      lo += step;
      step *= 2;
    }
    long hi = lo + step;
    while (hi - lo > 1) {
      long mid = lo + (hi - lo) / 2;
      if (hasEventAfter(mid)) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    // hasEventAfter(lo) is true unless the log is empty; hi is then the last id.
    return hasEventAfter(lo) ? hi : lo;
  }

  private boolean hasEventAfter(long after) throws IOException, InterruptedException {
    JsonObject page = new JsonObject(gateway.httpGet("/api/v1/events?after=" + after + "&limit=1"));
    return !page.getJsonArray("events", new JsonArray()).isEmpty();
  }

  private JsonObject page(long after) throws IOException, InterruptedException {
    return new JsonObject(gateway.httpGet("/api/v1/events?after=" + after + "&limit=1000"));
  }

  private void loop() {
    while (running) {
      try {
        JsonObject page = page(cursor);
        polls++;
        long seen = System.currentTimeMillis();
        JsonArray events = page.getJsonArray("events", new JsonArray());
        for (int i = 0; i < events.size(); i++) {
          match(events.getJsonObject(i), seen);
        }
        cursor = page.getLong("nextAfter", cursor);
        failure = null;
        if (!page.getBoolean("hasMore", false)) {
          Thread.sleep(pollMillis);
        }
      } catch (InterruptedException e) {
        return;
      } catch (IOException | RuntimeException e) {
        failure = e;
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private void match(JsonObject ev, long seenMillis) {
    if (!"alarm.raised".equals(ev.getString("type"))) {
      return;
    }
    JsonObject body = ev.getJsonObject("body", new JsonObject());
    String kind = body.getString("kind");
    String source = ev.getString("source");
    String boxId = body.getString("boxId", body.getString("box"));
    long at = parseAt(ev.getString("at"));
    List<Expectation> done = new ArrayList<>();
    for (Iterator<Expectation> it = waiting.iterator(); it.hasNext(); ) {
      Expectation x = it.next();
      if (x.kind.equals(kind) && (x.boxId.equals(source) || x.boxId.equals(boxId))) {
        x.seen.complete(new Sighting(seenMillis, at, ev.getLong("id", -1L)));
        done.add(x);
      }
    }
    waiting.removeAll(done);
  }

  static long parseAt(String at) {
    try {
      return at == null ? -1 : Instant.parse(at).toEpochMilli();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    running = false;
    if (thread != null) {
      thread.interrupt();
    }
  }
}
