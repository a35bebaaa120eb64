package org.safecity.gateway.api.sse;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import org.safecity.gateway.api.sse.EventStreamHub.Item;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's event stream. It owns a cursor: every event with an id up to {@code cursor} has been written to
 * the client, queued for it, or filtered out. Replaying, the cursor moves forward by one id at a time through the
 * log's pages; live, the hub's feed is consecutive and calls the stream only with the events its filter matches,
 * so the stream's position is the feed's ({@link #position}). Either way the client gets each of its events
 * exactly once and in order.
 *
 * <p>States: <b>resolving</b> (a {@code Last-Event-ID} is checked against the log), <b>replay</b> (pages from
 * the log, paced by the socket: the next page is read only when the last one was written), <b>live</b> (the
 * hub's feed, through a queue bounded by {@code sse.maxQueuedEvents}), <b>ended</b>. A replay ends when it
 * reaches the log's end and the cursor is at or past the hub's position; from then on the feed's next id is at
 * most {@code cursor + 1}, and ids at or below the cursor are skipped. Live events that arrive during a replay
 * are not kept: the log has them, and the hub keeps the newest few thousand in memory ({@code sse.recentEvents}),
 * from which a recent resume and the last pages of every replay are read without touching the log.
 */
final class EventStreamConnection {
  private static final Logger LOG = LoggerFactory.getLogger(EventStreamConnection.class);

  private enum Mode { RESOLVING, REPLAY, LIVE, ENDED }

  /** The reconnection delay suggested to clients. */
  static final long RETRY_MS = 2000;
  /** After its final event, a client that does not read it within this long is disconnected. */
  private static final long END_GRACE_MS = 30_000;
  private static final long READ_RETRY_MS = 1000;

  private final EventStreamHub hub;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final EventFilter filter;
  /** Who the stream is for, in log lines. */
  private final String who;
  private final Runnable onFinish;
  private final int maxQueued;
  /** A client whose last id lags the cursor by this much gets a {@code position} notice with a heartbeat. */
  private final long positionLag;

  private Mode mode = Mode.RESOLVING;
  private long cursor;
  /** The id of the last frame with an {@code id:} written to this client (what it would resume from); -1: none. */
  private long clientId = -1;
  private final ArrayDeque<Item> queue = new ArrayDeque<>();
  private List<Item> page = List.of();
  private int pageIndex;
  private boolean pageWasFull;
  private boolean reading;
  private long expiryTimer = -1;
  private boolean finished;

  EventStreamConnection(EventStreamHub hub, HttpServerRequest request, EventFilter filter, String who,
      Runnable onFinish) {
    this.hub = hub;
    this.who = who;
    this.request = request;
    this.response = request.response();
    this.filter = filter;
    this.onFinish = onFinish;
    this.maxQueued = hub.config().maxQueuedEvents();
    this.positionLag = Math.max(1, hub.config().replayWindow() / 2);
  }

  /**
   * Starts the response and the stream.
   *
   * @param lastEventId the client's resume point ({@code Last-Event-ID}), or null to start at the live edge
   * @param validUntil  when the caller's token stops being accepted; the stream ends then (null: never)
   */
  void open(String lastEventId, Instant validUntil) {
    response.setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        // nginx and similar proxies would otherwise buffer the stream
        .putHeader("X-Accel-Buffering", "no")
        // a compressor may hold small frames back; events are small and must go out at once
        .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
    response.closeHandler(v -> finish());
    response.exceptionHandler(e -> finish());
    response.drainHandler(v -> pump());
    hub.add(this, filter);
    write(SseFrames.open(RETRY_MS));
    if (finished) {
      return;
    }
    if (validUntil != null) {
      long ms = validUntil.toEpochMilli() - System.currentTimeMillis();
      expiryTimer = hub.vertx().setTimer(Math.max(1, ms), t -> end("token-expired",
          "the access token expired at " + validUntil + "; reconnect with a new token and Last-Event-ID"));
    }
    if (lastEventId == null) {
      cursor = hub.last();
      clientId = cursor;
      mode = Mode.LIVE;
      // Gives the client a resume point even before its first event.
      write(SseFrames.notice("position", cursor, new JsonObject().put("lastId", cursor)));
    } else {
      Long asked = parseId(lastEventId);
      clientId = asked == null ? -1 : asked;
      if (asked != null && hub.covers(asked) && hub.last() - asked <= hub.config().replayWindow()) {
        // A recent id (a reconnect after a drop, a storm): in the log, within the window; replayed from memory.
        cursor = asked;
        mode = Mode.REPLAY;
        nextPage();
      } else {
        resolve(lastEventId);
      }
    }
  }

  /** Checks the resume point against the log: replay from it, or say {@code reset} and start at the newest. */
  private void resolve(String raw) {
    hub.lastId().onComplete(ar -> {
      if (mode != Mode.RESOLVING) {
        return;
      }
      if (ar.failed()) {
        // The stream stays open (heartbeats go on) while the store is away: an EventSource that got an error
        // status would give up for good.
        hub.vertx().setTimer(READ_RETRY_MS, t -> resolve(raw));
        return;
      }
      long newest = ar.result();
      Long asked = parseId(raw);
      String why = null;
      if (asked == null) {
        why = "Last-Event-ID '" + clip(raw) + "' is not an event id of this gateway";
      } else if (asked > newest) {
        why = "event " + asked + " is not in the log (the newest is " + newest + "): it came from another gateway's log";
      } else if (newest - asked > hub.config().replayWindow()) {
        why = "event " + asked + " is " + (newest - asked) + " events behind, more than the replay window of "
            + hub.config().replayWindow() + "; reload the current state, then follow the stream";
      }
      if (why != null) {
        hub.countReset();
        cursor = newest;
        clientId = newest;
        write(SseFrames.notice("reset", newest, new JsonObject().put("currentId", newest).put("reason", why)));
        if (finished) {
          return;
        }
      } else {
        cursor = asked;
        clientId = asked;
      }
      mode = Mode.REPLAY;
      nextPage();
    });
  }

  private void nextPage() {
    if (hub.covers(cursor)) {
      // The hub's memory has everything after the cursor: no log read, and no event can be fed before the page is
      // taken, so the replay reaches the live edge (at most sse.recentEvents / READ_PAGE pages deep).
      page = hub.recent(cursor, EventStreamHub.READ_PAGE);
      pageIndex = 0;
      pageWasFull = page.size() == EventStreamHub.READ_PAGE;
      pump();
      return;
    }
    reading = true;
    hub.read(cursor, EventStreamHub.READ_PAGE).onComplete(ar -> {
      reading = false;
      if (mode != Mode.REPLAY) {
        return;
      }
      if (ar.failed()) {
        hub.vertx().setTimer(READ_RETRY_MS, t -> {
          if (mode == Mode.REPLAY) {
            nextPage();
          }
        });
        return;
      }
      page = ar.result().stream().map(Item::of).toList();
      pageIndex = 0;
      pageWasFull = page.size() == EventStreamHub.READ_PAGE;
      pump();
    });
  }

  /** Writes what is waiting while the socket takes it; the response's drain handler calls it again. */
  private void pump() {
    while (!queue.isEmpty()) {
      if (mode == Mode.ENDED || response.writeQueueFull()) {
        return;
      }
      Item it = queue.poll();
      write(it.frame());
      clientId = it.id();
    }
    if (mode != Mode.REPLAY || reading) {
      return;
    }
    while (pageIndex < page.size()) {
      if (response.writeQueueFull()) {
        return;
      }
      Item it = page.get(pageIndex++);
      if (it.id() <= cursor) {
        continue;
      }
      cursor = it.id();
      if (filter.matches(it.event())) {
        write(it.frame());
        clientId = it.id();
      }
      if (mode != Mode.REPLAY) {
        return; // ended by a failed write
      }
    }
    page = List.of();
    pageIndex = 0;
    if (!pageWasFull && cursor >= hub.last()) {
      mode = Mode.LIVE; // the feed's next event is at most cursor + 1
    } else {
      nextPage();
    }
  }

  /**
   * An event of the hub's consecutive feed that this stream's filter matches (the hub judged it once for every
   * stream with the same filter; streams it does not match are not called at all).
   */
  void onLive(Item item) {
    if (mode != Mode.LIVE) {
      return;
    }
    long id = item.id();
    if (id <= cursor) {
      return; // the replay that ended just now went past it
    }
    cursor = id;
    if (queue.isEmpty() && !response.writeQueueFull()) {
      write(item.frame());
      clientId = id;
      return;
    }
    queue.add(item);
    if (queue.size() > maxQueued) {
      end("overflow", "the client read too slowly: " + maxQueued + " events were waiting for it; resume from lastId");
    }
  }

  void heartbeat() {
    if (mode == Mode.ENDED || !queue.isEmpty() || response.writeQueueFull()) {
      return;
    }
    long at = position();
    if (mode != Mode.RESOLVING && at - clientId >= positionLag) {
      // A quiet filter: move the client's Last-Event-ID along, so a later resume is not judged too old.
      write(SseFrames.notice("position", at, new JsonObject().put("lastId", at)));
      clientId = at;
    }
    write(SseFrames.PING);
  }

  /**
   * The id a resume should start after: everything of this client's up to it was written (the queue holds
   * what was not).
   */
  private long writtenThrough() {
    return queue.isEmpty() ? position() : queue.peek().id() - 1;
  }

  /**
   * Every event up to this id was written, queued or is not for this stream. Live, that is the hub's feed: it
   * calls only the streams an event matches, so the cursor (the last delivered id, or where the replay ended)
   * lags behind every event that was not.
   */
  private long position() {
    return mode == Mode.LIVE ? Math.max(cursor, hub.last()) : cursor;
  }

  /** Ends the stream with a final named event saying why and where to resume. */
  private void end(String event, String reason) {
    if (mode == Mode.ENDED) {
      return;
    }
    long at = mode == Mode.RESOLVING ? clientId : writtenThrough();
    queue.clear();
    mode = Mode.ENDED;
    hub.countEnd(event);
    if (event.equals("overflow")) {
      LOG.info("event stream ended principal={} reason=overflow lastId={} maxQueuedEvents={}", who, at, maxQueued);
    } else {
      LOG.debug("event stream ended principal={} reason={} lastId={}", who, event, at);
    }
    if (!response.closed() && !response.ended()) {
      JsonObject data = new JsonObject().put("reason", reason);
      // Resolving: the client keeps its own Last-Event-ID (none when it sent an unusable one).
      response.write(at < 0 ? SseFrames.notice(event, data) : SseFrames.notice(event, at, data.put("lastId", at)));
      long grace = hub.vertx().setTimer(END_GRACE_MS, t -> disconnect());
      response.end().onComplete(ar -> {
        hub.vertx().cancelTimer(grace);
        disconnect();
      });
    }
    finish();
  }

  /** Closes the connection once the final event is out (or the client has not read it in time). */
  private void disconnect() {
    if (request.version() == HttpVersion.HTTP_2) {
      response.reset();
    } else {
      request.connection().close();
    }
  }

  private void write(String frame) {
    write(Buffer.buffer(frame));
  }

  /** A frame shared by every stream it goes to (the live feed's): written as is, never copied or re-encoded here. */
  private void write(Buffer frame) {
    if (response.closed() || response.ended()) {
      finish();
      return;
    }
    response.write(frame);
  }

  /** Releases everything this stream holds; runs once, however it ended. */
  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    mode = Mode.ENDED;
    hub.remove(this, filter);
    hub.vertx().cancelTimer(expiryTimer);
    queue.clear();
    page = List.of();
    onFinish.run();
  }

  private static Long parseId(String raw) {
    String s = raw.trim();
    if (s.isEmpty() || s.length() > 19) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return null;
      }
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException tooLarge) {
      return null;
    }
  }

  private static String clip(String s) {
    String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return t.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
