package org.safecity.gateway.incidents;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.store.EventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events decided inside a read model's transaction: {@link #enqueue} writes them in that transaction, and the
 * relay appends them to the event log afterwards with {@code appendOnce("outbox:<id>")}, so a crash between the
 * two repeats the append without a duplicate and never loses it.
 */
public final class Outbox {
  private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

  private final Vertx vertx;
  private final io.vertx.core.Context context;
  private final Pool pool;
  private final EventLog log;
  private boolean running;
  private boolean again;
  private long timer = -1;

  public Outbox(Vertx vertx, Pool pool, EventLog log) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext(); // the relay's state lives on this one context
    this.pool = pool;
    this.log = log;
  }

  /** Starts the relay: now (leftovers of a previous run) and every second as a safety net. */
  public void start() {
    context.runOnContext(v -> timer = vertx.setPeriodic(1000, id -> kick()));
    kick();
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** Writes an event to relay, inside the caller's transaction. */
  public static Future<Void> enqueue(SqlConnection conn, NewEvent e) {
    return conn.preparedQuery("INSERT INTO outbox (type, source, region, ts, body) VALUES ($1, $2, $3, $4, $5)")
        .execute(Tuple.of(e.type(), e.source(), e.region(), e.at().atOffset(ZoneOffset.UTC), new JsonObject(e.body())))
        .mapEmpty();
  }

  /** Relays what is queued; call after committing a transaction that enqueued. Safe from any thread. */
  public void kick() {
    context.runOnContext(v -> {
      if (running) {
        again = true;
        return;
      }
      running = true;
      relay().onComplete(ar -> {
        running = false;
        if (ar.failed()) {
          LOG.warn("outbox relay: {} (retrying)", ar.cause().getMessage());
        } else if (again || ar.result()) {
          again = false;
          kick();
        }
      });
    });
  }

  /** One page; true when there may be more. */
  private Future<Boolean> relay() {
    return pool.query("SELECT id, type, source, region, ts, body FROM outbox ORDER BY id LIMIT 200").execute()
        .compose(rows -> {
          List<Long> ids = new ArrayList<>();
          Future<Void> chain = Future.succeededFuture();
          for (Row r : rows) {
            long id = r.getLong("id");
            NewEvent e = new NewEvent(r.getString("type"), r.getString("source"), r.getString("region"),
                r.getOffsetDateTime("ts").toInstant(), r.getJsonObject("body").getMap());
            // in order, one after the other: the log keeps the outbox's order
            chain = chain.compose(v -> log.appendOnce(e, "outbox:" + id).mapEmpty());
            ids.add(id);
          }
          if (ids.isEmpty()) {
            return Future.succeededFuture(false);
          }
          return chain.compose(v -> pool.preparedQuery("DELETE FROM outbox WHERE id = ANY($1)")
              .execute(Tuple.of(ids.toArray(new Long[0])))).map(r -> ids.size() == 200);
        });
  }
}
