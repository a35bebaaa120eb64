package org.safecity.gateway.recognition;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.core.PlateFormats;
import org.safecity.gateway.incidents.Outbox;

/**
 * E-challans in PostgreSQL: issued from plate reads at enforcement cameras, at most one per plate and rule within
 * {@code window} (checked and inserted under a transaction-scoped advisory lock on the plate and rule, so two nodes
 * or two cameras reading the same car at once issue one), with its {@code echallan.issued} event written to the
 * outbox in the same transaction.
 */
public final class Echallans {
  public static final String EVENT = "echallan.issued";
  public static final String STATUS_EVENT = "echallan.status";
  public static final List<String> STATUSES = List.of("issued", "paid", "contested", "cancelled");

  /** The moves a status may make: paid and cancelled are final; a contest is upheld (issued) or cancelled. */
  private static final Map<String, List<String>> MOVES = Map.of(
      "issued", List.of("paid", "contested", "cancelled"),
      "contested", List.of("issued", "cancelled"),
      "paid", List.of(),
      "cancelled", List.of());

  /** A status change the states do not allow; carries the e-challan as it is. */
  public static final class NotAllowed extends RuntimeException {
    private final transient JsonObject current;

    NotAllowed(String message, JsonObject current) {
      super(message, null, false, false);
      this.current = current;
    }

    public JsonObject current() {
      return current;
    }
  }

  /** What an e-challan is issued for. */
  public record Violation(String plate, String rawText, float confidence, String cameraId, String region,
                          Optional<GeoPoint> location, Instant at, String rule, long snapshotId, long plateSnapshotId) {
  }

  private static final String COLUMNS = "id, plate, raw_text, confidence, camera_id, region, lat, lon, at, rule, "
      + "snapshot_id, plate_snapshot_id, status";
  private final Pool pool;
  private final Duration window;

  /** @param window one e-challan per plate and rule within this */
  public Echallans(Pool pool, Duration window) {
    this.pool = pool;
    this.window = window;
  }

  /** Issues one unless the plate has one for the rule within the window; the new one's id, or empty. */
  public Future<Optional<Long>> issue(Violation v) {
    String key = PlateFormats.compact(v.plate());
    var at = v.at().atOffset(ZoneOffset.UTC);
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtext($1))")
        .execute(Tuple.of("echallan:" + key + ":" + v.rule()))
        .compose(x -> conn.preparedQuery("SELECT id FROM echallans WHERE plate_key = $1 AND rule = $2 "
                + "AND at > $3::timestamptz - make_interval(secs => $4::float8) AND at < $3::timestamptz + make_interval(secs => $4::float8) LIMIT 1")
            .execute(Tuple.of(key, v.rule(), at, window.toMillis() / 1000.0)))
        .compose(found -> {
          if (found.rowCount() > 0) {
            return Future.succeededFuture(Optional.<Long>empty());
          }
          Tuple row = Tuple.wrap(new ArrayList<>(java.util.Arrays.asList(v.plate(), key, v.rawText(), v.confidence(),
              v.cameraId(), v.region(), v.location().map(GeoPoint::lat).orElse(null),
              v.location().map(GeoPoint::lon).orElse(null), at, v.rule(), v.snapshotId(), v.plateSnapshotId())));
          return conn.preparedQuery("INSERT INTO echallans (plate, plate_key, raw_text, confidence, camera_id, region, "
                  + "lat, lon, at, rule, snapshot_id, plate_snapshot_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                  + "$11, $12) RETURNING " + COLUMNS).execute(row)
              .compose(rows -> {
                JsonObject e = json(rows.iterator().next());
                return Outbox.enqueue(conn, new NewEvent(EVENT, v.cameraId(), v.region(), v.at(), e.getMap()))
                    .map(ok -> Optional.of(e.getLong("id")));
              });
        }));
  }

  /**
   * Newest first, ids below {@code before} (0: from the newest), of the regions {@code who} sees, optionally of one
   * camera, plate (any spelling) or status.
   */
  public Future<List<JsonObject>> page(Principal who, Optional<String> camera, Optional<String> plate,
      Optional<String> status, long before, int limit) {
    String[] regions = who.regions().isEmpty() ? null : who.regions().toArray(String[]::new);
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM echallans WHERE ($1 = 0 OR id < $1) "
            + "AND ($2::text IS NULL OR camera_id = $2) AND ($3::text IS NULL OR plate_key = $3) "
            + "AND ($4::text IS NULL OR status = $4) AND ($5::text[] IS NULL OR region = ANY($5)) ORDER BY id DESC LIMIT $6")
        .execute(Tuple.wrap(new ArrayList<>(java.util.Arrays.asList(before, camera.orElse(null),
            plate.map(PlateFormats::compact).orElse(null), status.orElse(null), regions, limit))))
        .map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          rows.forEach(r -> out.add(json(r)));
          return out;
        });
  }

  /**
   * Moves e-challan {@code id} to {@code status}: the row, the audit entry and the {@code echallan.status} event
   * commit together. Empty when there is no such e-challan; fails with {@link NotAllowed} for a move the states do
   * not allow (the same status included).
   */
  public Future<Optional<JsonObject>> setStatus(long id, String status, Optional<String> note, Principal by, String remote) {
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT " + COLUMNS + " FROM echallans WHERE id = $1 FOR UPDATE")
        .execute(Tuple.of(id))
        .compose(rows -> {
          if (rows.rowCount() == 0) {
            return Future.succeededFuture(Optional.<JsonObject>empty());
          }
          JsonObject before = json(rows.iterator().next());
          String from = before.getString("status");
          if (!MOVES.getOrDefault(from, List.of()).contains(status)) {
            return Future.failedFuture(new NotAllowed("e-challan " + id + " is " + from + (status.equals(from) ? " already"
                : "; from " + from + " it may become " + (MOVES.get(from).isEmpty() ? "nothing (final)"
                : String.join(" or ", MOVES.get(from)))), before));
          }
          Map<String, Object> change = new LinkedHashMap<>();
          change.put("id", id);
          change.put("plate", before.getString("plate"));
          change.put("from", from);
          change.put("to", status);
          change.put("by", by.id());
          change.put("note", note.orElse(null));
          return conn.preparedQuery("UPDATE echallans SET status = $2 WHERE id = $1 RETURNING " + COLUMNS)
              .execute(Tuple.of(id, status))
              .compose(updated -> org.safecity.gateway.auth.Audit.record(conn, by, "echallan.status", "echallan:" + id,
                      remote, change)
                  .compose(v -> Outbox.enqueue(conn, new NewEvent(STATUS_EVENT, before.getString("camera"),
                      before.getString("region"), Instant.now(), change)))
                  .map(v -> Optional.of(json(updated.iterator().next()))));
        }));
  }

  public Future<Optional<JsonObject>> get(long id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM echallans WHERE id = $1").execute(Tuple.of(id))
        .map(rows -> rows.rowCount() == 0 ? Optional.empty() : Optional.of(json(rows.iterator().next())));
  }

  /** The contract's {@code Echallan}; also the body of its {@code echallan.issued} event. */
  static JsonObject json(Row r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.getLong("id"));
    m.put("plate", r.getString("plate"));
    m.put("rawText", r.getString("raw_text"));
    m.put("confidence", Math.round(r.getFloat("confidence") * 10_000) / 10_000.0);
    m.put("camera", r.getString("camera_id"));
    m.put("region", r.getString("region"));
    Double lat = r.getDouble("lat");
    m.put("location", lat == null ? null : Map.of("lat", lat, "lon", r.getDouble("lon")));
    m.put("at", r.getOffsetDateTime("at").toInstant().toString());
    m.put("rule", r.getString("rule"));
    m.put("snapshots", Map.of("frame", r.getLong("snapshot_id"), "plate", r.getLong("plate_snapshot_id")));
    m.put("status", r.getString("status"));
    return new JsonObject(m);
  }
}
