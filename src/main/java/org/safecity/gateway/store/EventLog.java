package org.safecity.gateway.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import io.vertx.core.eventbus.DeliveryOptions;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.bus.EventMessages;
import org.safecity.gateway.config.GatewayConfig.EventLogConfig;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.core.NewEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only event log with group commit.
 *
 * <p>Appends from any verticle queue up; one transaction at a time takes everything queued (up to
 * {@code maxBatch} events) and commits it, so under load many events share one fsync instead of each paying
 * for its own. Inside that transaction an advisory lock serialises writers across gateway nodes and ids are
 * {@code max(id)+1...}: gap-free and committed in increasing order, which is what lets readers page and resume
 * by id without missing a late-committing smaller id. Each append's future completes on the caller's own
 * context, and events are published on {@link Addresses#EVENTS} only after their commit: on this node only, or
 * through this node's {@link EventTail}, which also brings every other node's commits.
 */
public final class EventLog {
  private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
  private static final long WRITER_LOCK = 0x5AFEC172L;
  private static final String INSERT = "INSERT INTO event_log (id, type, source, region, ts, body, dedup_key) "
      + "SELECT id, type, source, region, ts, body::jsonb, dedup_key "
      + "FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[]) "
      + "AS t(id, type, source, region, ts, body, dedup_key)";

  /**
   * Events that must commit together (one caller's append), with where to report the outcome. A unit with a
   * dedup key holds one event, and is skipped (reported as a duplicate) when that key is already logged.
   */
  private record Unit(List<NewEvent> events, List<String> bodies, String dedupKey, Context context,
                      Promise<Appended> promise) {
  }

  /**
   * Outcome of an append: the committed events, or, for a duplicate, none and the id of the event that
   * already carries its key.
   */
  public record Appended(List<LoggedEvent> events, boolean duplicate, long existingId) {
  }

  private final Vertx vertx;
  private final Pool pool;
  private final EventLogConfig config;
  private final Object lock = new Object();
  private final ArrayDeque<Unit> queue = new ArrayDeque<>();
  private int queuedEvents;
  private boolean flushing;
  private boolean closed;
  /** Outcomes handed to their callers' contexts but not yet completed there; close() waits for these too. */
  private int settling;
  private final Promise<Void> drained = Promise.promise();
  /** Who hears of each commit (in id order, one call per batch); by default a publish on this node. */
  private volatile Consumer<List<LoggedEvent>> onCommit = this::publishLocally;
  private final DeliveryOptions localOnly = new DeliveryOptions().setLocalOnly(true);

  private final Counter appended;
  private final Counter failed;
  private final Counter refused;
  private final DistributionSummary batchSize;
  private final Timer commitTime;

  public EventLog(Vertx vertx, Pool pool, EventLogConfig config, MeterRegistry metrics) {
    this.vertx = vertx;
    this.pool = pool;
    this.config = config;
    this.appended = Counter.builder("gateway_event_log_appended").description("events committed").register(metrics);
    this.failed = Counter.builder("gateway_event_log_failed").description("events whose commit failed").register(metrics);
    this.refused = Counter.builder("gateway_event_log_refused")
        .description("appends refused because eventLog.maxPending was reached or the log was closed").register(metrics);
    this.batchSize = DistributionSummary.builder("gateway_event_log_batch_events")
        .description("events per group commit").register(metrics);
    this.commitTime = Timer.builder("gateway_event_log_commit").description("time per group commit").register(metrics);
    Gauge.builder("gateway_event_log_pending", this, l -> l.pending()).description("appends waiting to commit")
        .register(metrics);
  }

  /**
   * Replaces what happens after a commit: {@link EventTail} takes the node's own commits into its feed of every
   * node's commits. Without it, committed events are published on this node only.
   */
  public void onCommit(Consumer<List<LoggedEvent>> listener) {
    this.onCommit = listener;
  }

  private void publishLocally(List<LoggedEvent> events) {
    for (LoggedEvent le : events) {
      vertx.eventBus().publish(Addresses.EVENTS, EventMessages.toJson(le), localOnly);
    }
  }

  /** Completes with the committed event (id assigned) once its transaction has committed. */
  public Future<LoggedEvent> append(NewEvent event) {
    return appendAll(List.of(event)).map(list -> list.get(0));
  }

  /** Commits all of {@code events} in one transaction, in order, or none of them. */
  public Future<List<LoggedEvent>> appendAll(List<NewEvent> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return enqueue(events, null).map(Appended::events);
  }

  /**
   * Appends {@code event} unless an event with the same {@code dedupKey} is already in the log: how a
   * device's resend after a lost acknowledgement is absorbed. Either way, when this completes the key is
   * durably logged and the sender may be acknowledged.
   */
  public Future<Appended> appendOnce(NewEvent event, String dedupKey) {
    if (dedupKey == null || dedupKey.isEmpty() || dedupKey.length() > 300 || dedupKey.indexOf('\0') >= 0) {
      return Future.failedFuture(new IllegalArgumentException("dedup key must be 1..300 characters without U+0000"));
    }
    return enqueue(List.of(event), dedupKey);
  }

  private Future<Appended> enqueue(List<NewEvent> events, String dedupKey) {
    List<String> bodies = new ArrayList<>(events.size());
    for (NewEvent e : events) {
      String problem = check(e);
      if (problem != null) {
        return Future.failedFuture(new IllegalArgumentException("event " + e.type() + " from " + e.source() + ": " + problem));
      }
      bodies.add(new JsonObject(e.body()).encode());
    }
    // Encoding happened on the caller's thread: a body that cannot be stored fails only its own append.
    for (String b : bodies) {
      if (b.contains("\\u0000")) {
        return Future.failedFuture(new IllegalArgumentException("event body contains U+0000, which PostgreSQL jsonb refuses"));
      }
    }
    Context context = vertx.getOrCreateContext();
    Promise<Appended> promise = Promise.promise();
    boolean start;
    synchronized (lock) {
      if (closed) {
        refused.increment(events.size());
        return Future.failedFuture(new StoreUnavailableException("event log is closed: the gateway is stopping", null));
      }
      if (queuedEvents + events.size() > config.maxPending()) {
        refused.increment(events.size());
        return Future.failedFuture(new EventLogFullException(queuedEvents));
      }
      queue.add(new Unit(events, bodies, dedupKey, context, promise));
      queuedEvents += events.size();
      start = !flushing;
      flushing |= start;
    }
    if (start) {
      flush();
    }
    return promise.future();
  }

  /** Appends still waiting for their commit. */
  public int pending() {
    synchronized (lock) {
      return queuedEvents;
    }
  }

  /**
   * Refuses new appends and completes when everything already accepted has committed (or failed): the
   * SIGTERM path, so nothing acknowledged-to-be is left behind.
   */
  public Future<Void> close() {
    boolean done;
    synchronized (lock) {
      closed = true;
      done = isDrained();
    }
    if (done) {
      drained.tryComplete();
    }
    return drained.future();
  }

  private void flush() {
    List<Unit> batch = new ArrayList<>();
    int events = 0;
    boolean done = false;
    synchronized (lock) {
      // Whole units only, so an appendAll never straddles two transactions; at least one unit per batch.
      while (!queue.isEmpty() && (batch.isEmpty() || events + queue.peek().events().size() <= config.maxBatch())) {
        Unit u = queue.poll();
        batch.add(u);
        events += u.events().size();
      }
      if (batch.isEmpty()) {
        flushing = false;
        done = isDrained();
      }
    }
    if (batch.isEmpty()) {
      if (done) {
        drained.tryComplete();
      }
      return;
    }
    int size = events;
    long started = System.nanoTime();
    write(batch).onComplete(ar -> {
      synchronized (lock) {
        queuedEvents -= size;
      }
      commitTime.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
      if (ar.succeeded()) {
        deliver(batch, ar.result());
      } else {
        failed.increment(size);
        LOG.warn("event log commit of {} events failed: {}", size, ar.cause().getMessage());
        var error = new StoreUnavailableException("event log commit failed: " + ar.cause().getMessage(), ar.cause());
        batch.forEach(u -> settle(u, () -> u.promise().fail(error)));
      }
      flush();
    });
  }

  /** Commits the batch; returns each unit's outcome, in batch order. */
  private Future<List<Appended>> write(List<Unit> batch) {
    List<String> keys = new ArrayList<>();
    for (Unit u : batch) {
      if (u.dedupKey() != null) {
        keys.add(u.dedupKey());
      }
    }
    return pool.withTransaction(conn -> firstId(conn)
        .compose(first -> existingKeys(conn, keys).compose(existing -> {
          List<Appended> outcomes = new ArrayList<>(batch.size());
          List<Object[]> rows = new ArrayList<>();
          long next = first;
          for (Unit u : batch) {
            Long earlier = u.dedupKey() == null ? null : existing.get(u.dedupKey());
            if (earlier != null) {
              outcomes.add(new Appended(List.of(), true, earlier));
              continue;
            }
            List<LoggedEvent> logged = new ArrayList<>(u.events().size());
            for (int k = 0; k < u.events().size(); k++) {
              NewEvent e = u.events().get(k);
              long id = next++;
              logged.add(new LoggedEvent(id, e.type(), e.source(), e.region(), e.at(), e.body()));
              rows.add(new Object[] {id, e.type(), e.source(), e.region(), e.at().atOffset(ZoneOffset.UTC),
                  u.bodies().get(k), u.dedupKey()});
            }
            if (u.dedupKey() != null) {
              existing.put(u.dedupKey(), next - 1); // a second copy in this same batch is a duplicate too
            }
            outcomes.add(new Appended(logged, false, 0));
          }
          if (rows.isEmpty()) {
            return Future.succeededFuture(outcomes);
          }
          // Delivered to every node's EventTail when this transaction commits (and only then).
          String newest = String.valueOf(next - 1);
          return conn.preparedQuery(INSERT).execute(columns(rows))
              .compose(x -> conn.preparedQuery("SELECT pg_notify('" + EventTail.CHANNEL + "', $1)")
                  .execute(Tuple.of(newest)))
              .map(outcomes);
        })));
  }

  private static Tuple columns(List<Object[]> rows) {
    int n = rows.size();
    Long[] ids = new Long[n];
    String[] types = new String[n];
    String[] sources = new String[n];
    String[] regions = new String[n];
    OffsetDateTime[] times = new OffsetDateTime[n];
    String[] bodies = new String[n];
    String[] keys = new String[n];
    for (int i = 0; i < n; i++) {
      Object[] r = rows.get(i);
      ids[i] = (Long) r[0];
      types[i] = (String) r[1];
      sources[i] = (String) r[2];
      regions[i] = (String) r[3];
      times[i] = (OffsetDateTime) r[4];
      bodies[i] = (String) r[5];
      keys[i] = (String) r[6];
    }
    return Tuple.of(ids, types, sources, regions, times, bodies).addValue(keys);
  }

  private static Future<java.util.Map<String, Long>> existingKeys(SqlConnection conn, List<String> keys) {
    java.util.Map<String, Long> found = new java.util.HashMap<>();
    if (keys.isEmpty()) {
      return Future.succeededFuture(found);
    }
    return conn.preparedQuery("SELECT dedup_key, id FROM event_log WHERE dedup_key = ANY($1)")
        .execute(Tuple.of(keys.toArray(new String[0])))
        .map(rows -> {
          rows.forEach(r -> found.put(r.getString(0), r.getLong(1)));
          return found;
        });
  }

  private static Future<Long> firstId(SqlConnection conn) {
    return conn.query("SELECT pg_advisory_xact_lock(" + WRITER_LOCK + ")").execute()
        .compose(v -> conn.query("SELECT coalesce(max(id), 0) FROM event_log").execute())
        .map(rows -> rows.iterator().next().getLong(0) + 1);
  }

  private void deliver(List<Unit> batch, List<Appended> outcomes) {
    int total = 0;
    List<LoggedEvent> committed = new ArrayList<>();
    for (Appended a : outcomes) {
      committed.addAll(a.events());
    }
    if (!committed.isEmpty()) {
      onCommit.accept(committed);
    }
    for (int i = 0; i < batch.size(); i++) {
      Unit u = batch.get(i);
      Appended a = outcomes.get(i);
      total += a.events().size();
      settle(u, () -> u.promise().complete(a));
    }
    appended.increment(total);
    batchSize.record(total);
  }

  /** Completes a unit on its caller's context, counted so that close() resolves only after the caller has seen it. */
  private void settle(Unit u, Runnable outcome) {
    synchronized (lock) {
      settling++;
    }
    u.context().runOnContext(v -> {
      try {
        outcome.run();
      } finally {
        boolean done;
        synchronized (lock) {
          settling--;
          done = isDrained();
        }
        if (done) {
          drained.tryComplete();
        }
      }
    });
  }

  /** Callers hold {@code lock}; the promise is completed after releasing it, so no callback runs under it. */
  private boolean isDrained() {
    return closed && !flushing && settling == 0;
  }

  /** A page of the log: events with id &gt; {@code after}, oldest first. */
  public Future<List<LoggedEvent>> read(long after, int limit) {
    return pool.preparedQuery("SELECT id, type, source, region, ts, body FROM event_log WHERE id > $1 ORDER BY id LIMIT $2")
        .execute(Tuple.of(after, limit))
        .map(rows -> {
          List<LoggedEvent> out = new ArrayList<>(rows.size());
          for (Row r : rows) {
            out.add(toEvent(r));
          }
          return out;
        });
  }

  /** Id of the newest committed event, 0 when the log is empty. */
  public Future<Long> lastId() {
    return pool.query("SELECT coalesce(max(id), 0) FROM event_log").execute()
        .map(rows -> rows.iterator().next().getLong(0));
  }

  static LoggedEvent toEvent(Row r) {
    Object body = r.getValue("body");
    JsonObject json = body instanceof JsonObject j ? j : new JsonObject(String.valueOf(body));
    Instant at = r.getOffsetDateTime("ts").toInstant();
    return new LoggedEvent(r.getLong("id"), r.getString("type"), r.getString("source"), r.getString("region"), at,
        json.getMap());
  }

  private static String check(NewEvent e) {
    for (String s : new String[] {e.type(), e.source(), e.region()}) {
      if (s != null && s.indexOf('\0') >= 0) {
        return "text contains U+0000";
      }
    }
    if (e.type().isBlank() || e.type().length() > 100) {
      return "type must be 1..100 characters";
    }
    if (e.source().length() > 200) {
      return "source longer than 200 characters";
    }
    return null;
  }
}
