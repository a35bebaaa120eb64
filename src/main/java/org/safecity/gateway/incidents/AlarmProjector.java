package org.safecity.gateway.incidents;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.NewEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@code alarms} table, and one incident per raised alarm, from {@code alarm.raised} and
 * {@code alarm.cleared} events. The log is the source: each pass reads the alarm events after the projection's
 * checkpoint and applies each in one transaction with the checkpoint, so after a crash or restart it carries on
 * exactly where it stopped. Bus events only wake it up. Every edge node runs one; the locked checkpoint makes
 * each event apply once whichever node gets there first.
 */
public final class AlarmProjector {
  private static final Logger LOG = LoggerFactory.getLogger(AlarmProjector.class);
  static final String NAME = "alarms";

  private final Vertx vertx;
  private final Context context;
  private final Pool pool;
  private final Outbox outbox;
  private final Function<String, Optional<GeoPoint>> locate;
  private boolean running;
  private boolean again;
  private long timer = -1;
  private MessageConsumer<JsonObject> consumer;

  /** @param locate where a box or camera is, for the incident's position */
  public AlarmProjector(Vertx vertx, Pool pool, Outbox outbox, Function<String, Optional<GeoPoint>> locate) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.pool = pool;
    this.outbox = outbox;
    this.locate = locate;
  }

  public void start() {
    context.runOnContext(v -> {
      consumer = vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
        String type = m.body().getString("type");
        if (type != null && type.startsWith("alarm.")) {
          wake();
        }
      });
      timer = vertx.setPeriodic(5000, id -> wake());
      wake();
    });
  }

  public void stop() {
    context.runOnContext(v -> {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      if (consumer != null) {
        consumer.unregister();
      }
    });
  }

  /** Runs a pass now (or right after the one running). */
  public void wake() {
    context.runOnContext(v -> {
      if (running) {
        again = true;
        return;
      }
      running = true;
      pass().onComplete(ar -> {
        running = false;
        if (ar.failed()) {
          LOG.warn("alarm projection: {} (retrying)", ar.cause().getMessage());
        } else if (ar.result() > 0) {
          outbox.kick();
        }
        if (again || (ar.succeeded() && ar.result() == 100)) {
          again = false;
          wake();
        }
      });
    });
  }

  /** Applies up to 100 alarm events after the checkpoint, each with the checkpoint in one transaction. */
  private Future<Integer> pass() {
    return pool.query("INSERT INTO projections (name, last_id) VALUES ('" + NAME + "', 0) ON CONFLICT DO NOTHING").execute()
        .compose(v -> pool.preparedQuery("SELECT e.id, e.type, e.source, e.region, e.ts, e.body FROM event_log e, projections p "
                + "WHERE p.name = $1 AND e.id > p.last_id AND e.type IN ('alarm.raised', 'alarm.cleared') ORDER BY e.id LIMIT 100")
            .execute(Tuple.of(NAME)))
        .compose(rows -> {
          Future<Void> chain = Future.succeededFuture();
          int n = 0;
          for (Row r : rows) {
            n++;
            // The checkpoint row is locked first: every edge node runs this projection, and each event must be
            // applied once, in order (a raise applied after its clear would bring the alarm back).
            chain = chain.compose(v -> pool.withTransaction(conn -> conn.preparedQuery(
                    "SELECT last_id FROM projections WHERE name = $1 FOR UPDATE").execute(Tuple.of(NAME))
                .compose(cp -> cp.iterator().next().getLong(0) >= r.getLong("id") ? Future.<Void>succeededFuture()
                    : apply(conn, r).compose(x -> conn.preparedQuery("UPDATE projections SET last_id = $2 WHERE name = $1")
                        .execute(Tuple.of(NAME, r.getLong("id")))).<Void>mapEmpty())));
          }
          int count = n;
          return chain.map(count);
        });
  }

  private Future<Void> apply(SqlConnection conn, Row e) {
    JsonObject body = e.getJsonObject("body");
    long eventId = e.getLong("id");
    var at = e.getOffsetDateTime("ts");
    if (e.getString("type").equals("alarm.cleared")) {
      return conn.preparedQuery("UPDATE alarms SET cleared_at = $2, cleared_event = $3, clear_reason = $4 "
              + "WHERE key = $1 AND cleared_at IS NULL")
          .execute(Tuple.of(body.getString("key"), at, eventId, body.getString("reason"))).mapEmpty();
    }
    String source = e.getString("source");
    String region = e.getString("region");
    String summary = body.getString("summary", body.getString("kind"));
    return conn.preparedQuery("INSERT INTO alarms (key, kind, severity, source, region, summary, details, raised_at, raised_event) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id")
        .execute(Tuple.of(body.getString("key"), body.getString("kind"), body.getString("severity"), source, region, summary,
            body.getJsonObject("details", new JsonObject()), at, eventId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(); // this key is already active (raised again after a restart): one alarm
          }
          long alarmId = rows.iterator().next().getLong(0);
          Optional<GeoPoint> where = locate.apply(source);
          return conn.preparedQuery("INSERT INTO incidents (alarm_id, title, source, region, lat, lon, created_at, updated_at) "
                  + "VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id")
              .execute(Tuple.of(alarmId, summary, source, region, where.map(GeoPoint::lat).orElse(null),
                  where.map(GeoPoint::lon).orElse(null), at))
              .compose(inc -> {
                long incidentId = inc.iterator().next().getLong(0);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("incident", incidentId);
                out.put("alarm", alarmId);
                out.put("kind", body.getString("kind"));
                out.put("severity", body.getString("severity"));
                out.put("title", summary);
                out.put("state", "new");
                return conn.preparedQuery("INSERT INTO incident_steps (incident_id, seq, step, state, principal, role, at) "
                        + "VALUES ($1, 0, 'create', 'new', 'gateway', 'system', $2)")
                    .execute(Tuple.of(incidentId, at))
                    .compose(x -> Outbox.enqueue(conn, new NewEvent("incident.created", source, region,
                        at.withOffsetSameInstant(ZoneOffset.UTC).toInstant(), out)));
              });
        });
  }
}
