package org.safecity.gateway.api.sse;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.bus.EventMessages;
import org.safecity.gateway.config.GatewayConfig.SseConfig;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.store.EventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per HTTP verticle instance: the single event-bus consumer of {@link Addresses#EVENTS} for all of that
 * instance's streams, turned into a <em>consecutive</em> feed (every id exactly once, in order) that it fans out
 * to them; the heartbeat tick; and the gate through which streams read the log.
 *
 * <p>The bus is not trusted to be consecutive: on a clustered bus, events committed by different nodes arrive
 * on different connections and may swap places. An id past the next expected one is held, and the missing ids
 * are read from the log once for every stream (they are committed: a later id is published only after its own
 * commit, and ids commit in order). Held events are bounded; past the bound they are dropped and the feed reads
 * the log until it is level again, which it can always do because the log has them all.
 *
 * <p>Everything here runs on the verticle's event loop, as do its streams, so nothing is locked.
 */
final class EventStreamHub {
  private static final Logger LOG = LoggerFactory.getLogger(EventStreamHub.class);
  /** Events per log read (gap fills and stream replays). */
  static final int READ_PAGE = 500;
  /**
   * Log reads in flight at once: replays of a reconnect storm queue here instead of taking every connection of
   * the event log's pool, which its commits need.
   */
  private static final int MAX_READS = 2;
  private static final int MAX_AHEAD = 10_000;
  private static final long RETRY_MS = 1000;

  /** A logged event with its SSE frame, encoded once (to UTF-8 bytes too) for every stream. */
  record Item(LoggedEvent event, Buffer frame) {
    long id() {
      return event.id();
    }

    static Item of(LoggedEvent e) {
      return new Item(e, Buffer.buffer(SseFrames.event(e.id(), EventMessages.toJson(e).encode())));
    }
  }

  private final Vertx vertx;
  private final EventLog log;
  private final SseConfig config;
  /**
   * The streams by filter: an event is judged once per distinct filter, and only the streams it matches are
   * touched. With 10,000 streams and hundreds of events a second, judging every event for every stream was a
   * fifth of the event loops' time.
   */
  private final Map<EventFilter.Key, Group> groups = new HashMap<>();
  private Group[] groupSnapshot = new Group[0];
  private boolean groupsStale;
  /** Id of the last event fed to the streams; every id up to it was fed exactly once. -1 until known. */
  private long last = -1;
  private final TreeMap<Long, Item> ahead = new TreeMap<>();
  /**
   * The newest fed events ({@code sse.recentEvents}) by id modulo their number: ids {@code last - recentCount + 1 ..
   * last}, all there. A stream resuming from a recent id (every client of a reconnect storm), or finishing a replay
   * from the log while new events keep coming, reads from here: from the log alone, each would wait its turn at the
   * read gate while the live edge moved on, and a replay that never reaches the live edge never turns live.
   */
  private final Item[] recent;
  private int recentCount;
  private final Counter logPages;
  private final Counter memoryPages;
  private boolean aheadDropped;
  private boolean filling;
  private int reading;
  private final ArrayDeque<Runnable> waitingReads = new ArrayDeque<>();
  private MessageConsumer<JsonObject> consumer;
  private long heartbeatTimer = -1;

  private final Counter resets;
  private final Counter gapReads;
  private final MeterRegistry metrics;

  EventStreamHub(Vertx vertx, EventLog log, SseConfig config, MeterRegistry metrics) {
    this.vertx = vertx;
    this.log = log;
    this.config = config;
    this.metrics = metrics;
    this.resets = Counter.builder("gateway_sse_resets")
        .description("resumes answered with a reset event (id unknown or older than sse.replayWindow)").register(metrics);
    this.recent = new Item[config.recentEvents()];
    this.logPages = Counter.builder("gateway_sse_replay_pages").tag("from", "log")
        .description("pages of events replayed to resuming streams, read from the log or from the hub's memory")
        .register(metrics);
    this.memoryPages = Counter.builder("gateway_sse_replay_pages").tag("from", "memory")
        .description("pages of events replayed to resuming streams, read from the log or from the hub's memory")
        .register(metrics);
    this.gapReads = Counter.builder("gateway_sse_gap_reads")
        .description("events the SSE feed read from the log because the event bus delivered them late or not at all")
        .register(metrics);
  }

  /** Subscribes, learns where the log ends, starts the heartbeat. Call on the verticle's context. */
  Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.EVENTS, m -> onBus(m.body()));
    heartbeatTimer = vertx.setPeriodic(config.heartbeat().toMillis(), t -> heartbeat());
    // Subscribed first: whatever commits after lastId() was read is held in `ahead` until `last` is known.
    return consumer.completion().compose(v -> log.lastId()).map(id -> {
      last = id;
      drainAhead();
      return null;
    });
  }

  Future<Void> stop() {
    vertx.cancelTimer(heartbeatTimer);
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  SseConfig config() {
    return config;
  }

  Vertx vertx() {
    return vertx;
  }

  /** Id of the newest event fed to the streams. */
  long last() {
    return last;
  }

  /** The streams sharing one filter key, as an array that stays valid while streams end during a fan-out. */
  private static final class Group {
    final EventFilter filter;
    final Set<EventStreamConnection> members = new LinkedHashSet<>();
    EventStreamConnection[] snapshot = new EventStreamConnection[0];
    boolean stale;

    Group(EventFilter filter) {
      this.filter = filter;
    }

    EventStreamConnection[] snapshot() {
      if (stale) {
        snapshot = members.toArray(new EventStreamConnection[0]);
        stale = false;
      }
      return snapshot;
    }
  }

  void add(EventStreamConnection c, EventFilter filter) {
    Group g = groups.computeIfAbsent(filter.key(), k -> {
      groupsStale = true;
      return new Group(filter);
    });
    g.members.add(c);
    g.stale = true;
  }

  void remove(EventStreamConnection c, EventFilter filter) {
    EventFilter.Key key = filter.key();
    Group g = groups.get(key);
    if (g != null && g.members.remove(c)) {
      g.stale = true;
      if (g.members.isEmpty()) {
        groups.remove(key);
        groupsStale = true;
      }
    }
  }

  void countReset() {
    resets.increment();
  }

  void countEnd(String reason) {
    Counter.builder("gateway_sse_ended").description("event streams the gateway ended, by reason")
        .tag("reason", reason).register(metrics).increment();
  }

  /** Whether memory holds every event after {@code after} up to the live edge ({@link #last}). */
  boolean covers(long after) {
    return last >= 0 && after <= last && after >= last - recentCount;
  }

  /** Up to {@code limit} events after {@code after}, from memory; only when {@link #covers} it. */
  List<Item> recent(long after, int limit) {
    int n = (int) Math.min(limit, last - after);
    List<Item> out = new java.util.ArrayList<>(n);
    for (long id = after + 1; out.size() < n; id++) {
      out.add(recent[(int) Math.floorMod(id, (long) recent.length)]);
    }
    memoryPages.increment();
    return out;
  }

  /** A page of the log after {@code after}, through the read gate. */
  Future<List<LoggedEvent>> read(long after, int limit) {
    logPages.increment();
    return gated(() -> log.read(after, limit), false);
  }

  /** The newest committed id, through the read gate. */
  Future<Long> lastId() {
    return gated(log::lastId, false);
  }

  private <T> Future<T> gated(Supplier<Future<T>> op, boolean urgent) {
    Promise<T> done = Promise.promise();
    Runnable run = () -> op.get().onComplete(ar -> {
      reading--;
      startWaiting();
      done.handle(ar);
    });
    if (reading < MAX_READS) {
      reading++;
      run.run();
    } else if (urgent) {
      waitingReads.addFirst(run);
    } else {
      waitingReads.addLast(run);
    }
    return done.future();
  }

  private void startWaiting() {
    while (reading < MAX_READS && !waitingReads.isEmpty()) {
      reading++;
      waitingReads.poll().run();
    }
  }

  private void onBus(JsonObject json) {
    long id = json.getLong("id");
    if (last >= 0 && id <= last) {
      return; // already fed (read from the log while this message was on its way)
    }
    Item item = new Item(EventMessages.fromJson(json), Buffer.buffer(SseFrames.event(id, json.encode())));
    if (last >= 0 && id == last + 1 && ahead.isEmpty()) {
      feed(item);
      return;
    }
    ahead.put(id, item);
    if (ahead.size() > MAX_AHEAD) {
      ahead.clear();
      aheadDropped = true;
    }
    if (last >= 0) {
      drainAhead();
    }
  }

  private void drainAhead() {
    while (!ahead.isEmpty()) {
      Map.Entry<Long, Item> first = ahead.firstEntry();
      if (first.getKey() <= last) {
        ahead.pollFirstEntry();
      } else if (first.getKey() == last + 1) {
        ahead.pollFirstEntry();
        feed(first.getValue());
      } else {
        break;
      }
    }
    if (!ahead.isEmpty() || aheadDropped) {
      fill();
    }
  }

  /** Reads the ids the bus skipped from the log, once for every stream. */
  private void fill() {
    if (filling) {
      return;
    }
    filling = true;
    long from = last;
    gated(() -> log.read(from, READ_PAGE), true).onComplete(ar -> {
      int fed = 0;
      if (ar.succeeded()) {
        for (LoggedEvent e : ar.result()) {
          if (e.id() == last + 1) {
            feed(Item.of(e));
            fed++;
          }
        }
        gapReads.increment(fed);
        if (ar.result().size() < READ_PAGE) {
          aheadDropped = false; // level with the log
        }
      } else {
        LOG.warn("event stream feed cannot read the event log after id {}: {}", from, ar.cause().getMessage());
      }
      if (fed == 0 && (!ahead.isEmpty() || aheadDropped)) {
        // Nothing to read yet (or the store is down): try again shortly rather than spin.
        vertx.setTimer(RETRY_MS, t -> {
          filling = false;
          drainAhead();
        });
        return;
      }
      filling = false;
      drainAhead();
    });
  }

  /** The next consecutive event: to the streams whose filter it matches (the others' cursors follow {@link #last}). */
  private void feed(Item item) {
    last = item.id();
    if (recent.length > 0) {
      recent[(int) Math.floorMod(last, (long) recent.length)] = item;
      recentCount = Math.min(recentCount + 1, recent.length);
    }
    for (Group g : groups()) {
      if (g.filter.matches(item.event())) {
        for (EventStreamConnection c : g.snapshot()) {
          c.onLive(item);
        }
      }
    }
  }

  private void heartbeat() {
    for (Group g : groups()) {
      for (EventStreamConnection c : g.snapshot()) {
        c.heartbeat();
      }
    }
  }

  private Group[] groups() {
    if (groupsStale) {
      groupSnapshot = groups.values().toArray(new Group[0]);
      groupsStale = false;
    }
    return groupSnapshot;
  }
}
