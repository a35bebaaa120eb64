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
 * context, and events are published on {@link Addresses#EVENTS} only after their commit.
 */
public final class EventLog {
  private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
  private static final long WRITER_LOCK = 0x5AFEC172L;
  private static final String INSERT = "INSERT INTO event_log (id, type, source, region, ts, body) "
      + "SELECT id, type, source, region, ts, body::jsonb "
      + "FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]) "
      + "AS t(id, type, source, region, ts, body)";

  /** Events that must commit together (one caller's append), with where to report the outcome. */
  private record Unit(List<NewEvent> events, List<String> bodies, Context context, Promise<List<LoggedEvent>> promise) {
  }

  private final Vertx vertx;
  private final Pool pool;
  private final EventLogConfig config;
  private final Object lock = new Object();
  private final ArrayDeque<Unit> queue = new ArrayDeque<>();
  private int queuedEvents;
  private boolean flushing;
  private boolean closed;
  private final Promise<Void> drained = Promise.promise();

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

  /** Completes with the committed event (id assigned) once its transaction has committed. */
  public Future<LoggedEvent> append(NewEvent event) {
    return appendAll(List.of(event)).map(list -> list.get(0));
  }

  /** Commits all of {@code events} in one transaction, in order, or none of them. */
  public Future<List<LoggedEvent>> appendAll(List<NewEvent> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
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
    Promise<List<LoggedEvent>> promise = Promise.promise();
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
      queue.add(new Unit(events, bodies, context, promise));
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
    synchronized (lock) {
      closed = true;
      if (!flushing) {
        drained.tryComplete();
      }
    }
    return drained.future();
  }

  private void flush() {
    List<Unit> batch = new ArrayList<>();
    int events = 0;
    synchronized (lock) {
      // Whole units only, so an appendAll never straddles two transactions; at least one unit per batch.
      while (!queue.isEmpty() && (batch.isEmpty() || events + queue.peek().events().size() <= config.maxBatch())) {
        Unit u = queue.poll();
        batch.add(u);
        events += u.events().size();
      }
      if (batch.isEmpty()) {
        flushing = false;
        if (closed) {
          drained.tryComplete();
        }
        return;
      }
    }
    int size = events;
    long started = System.nanoTime();
    write(batch, size).onComplete(ar -> {
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
        batch.forEach(u -> u.context().runOnContext(v -> u.promise().fail(error)));
      }
      flush();
    });
  }

  private Future<Long> write(List<Unit> batch, int size) {
    Long[] ids = new Long[size];
    String[] types = new String[size];
    String[] sources = new String[size];
    String[] regions = new String[size];
    OffsetDateTime[] times = new OffsetDateTime[size];
    String[] bodies = new String[size];
    return pool.withTransaction(conn -> firstId(conn).compose(first -> {
      int i = 0;
      for (Unit u : batch) {
        for (int k = 0; k < u.events().size(); k++, i++) {
          NewEvent e = u.events().get(k);
          ids[i] = first + i;
          types[i] = e.type();
          sources[i] = e.source();
          regions[i] = e.region();
          times[i] = e.at().atOffset(ZoneOffset.UTC);
          bodies[i] = u.bodies().get(k);
        }
      }
      return conn.preparedQuery(INSERT).execute(Tuple.of(ids, types, sources, regions, times, bodies)).map(first);
    }));
  }

  private static Future<Long> firstId(SqlConnection conn) {
    return conn.query("SELECT pg_advisory_xact_lock(" + WRITER_LOCK + ")").execute()
        .compose(v -> conn.query("SELECT coalesce(max(id), 0) FROM event_log").execute())
        .map(rows -> rows.iterator().next().getLong(0) + 1);
  }

  private void deliver(List<Unit> batch, long firstId) {
    long id = firstId;
    int total = 0;
    for (Unit u : batch) {
      List<LoggedEvent> logged = new ArrayList<>(u.events().size());
      for (NewEvent e : u.events()) {
        LoggedEvent le = new LoggedEvent(id++, e.type(), e.source(), e.region(), e.at(), e.body());
        logged.add(le);
        vertx.eventBus().publish(Addresses.EVENTS, EventMessages.toJson(le));
      }
      total += logged.size();
      u.context().runOnContext(v -> u.promise().complete(logged));
    }
    appended.increment(total);
    batchSize.record(total);
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
