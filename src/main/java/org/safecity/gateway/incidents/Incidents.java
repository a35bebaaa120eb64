package org.safecity.gateway.incidents;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.core.ErvUnit;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.IncidentState;
import org.safecity.gateway.core.IncidentStep;
import org.safecity.gateway.core.NewEvent;

/**
 * Incidents, alarms and ERV units as the API sees them. A workflow step is one transaction: the incident row
 * (locked), the unit's status, the step's who/when, the audit entry and the outbox event commit together; the
 * answer comes after that commit, and the event reaches the log (and the crews' streams) through the outbox.
 */
public final class Incidents {
  /** A refusal the API turns into a status: 403, 404 or 409. */
  public static class Refused extends RuntimeException {
    public final int status;

    public Refused(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /**
   * A step decided on an older version of the incident than the one stored (another operator, possibly on another
   * node, took a step in between): 409 with the incident as it is now, so the client can show it and decide again.
   */
  public static final class Stale extends Refused {
    public final JsonObject current;

    public Stale(String message, JsonObject current) {
      super(409, message);
      this.current = current;
    }
  }

  /** Positions older than this are not used to propose a unit. */
  static final Duration POSITION_MAX_AGE = Duration.ofMinutes(10);

  private final Pool pool;
  private final Outbox outbox;
  private final Clock clock;

  public Incidents(Pool pool, Outbox outbox, Clock clock) {
    this.pool = pool;
    this.outbox = outbox;
    this.clock = clock;
  }

  // ---- incidents ---------------------------------------------------------------------------------------

  /** Incidents the principal may see, newest first, ids below {@code before} (0: from the newest). */
  public Future<JsonArray> list(Principal p, Optional<String> state, long before, int limit) {
    return pool.preparedQuery("SELECT * FROM incidents WHERE ($1 = 0 OR id < $1) AND ($2::text IS NULL OR state = $2) "
            + "ORDER BY id DESC LIMIT $3")
        .execute(Tuple.of(before, state.orElse(null), limit * 4 + 20))
        .map(rows -> {
          JsonArray out = new JsonArray();
          for (Row r : rows) {
            if (out.size() < limit && visible(p, r)) {
              out.add(incident(r));
            }
          }
          return out;
        });
  }

  public Future<JsonObject> get(Principal p, long id) {
    return pool.preparedQuery("SELECT * FROM incidents WHERE id = $1").execute(Tuple.of(id)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(new Refused(404, "no incident " + id));
      }
      Row r = rows.iterator().next();
      if (!visible(p, r)) {
        return Future.failedFuture(new Refused(403, "incident " + id + " is outside what " + p.id() + " may see"));
      }
      JsonObject out = incident(r);
      return pool.preparedQuery("SELECT * FROM incident_steps WHERE incident_id = $1 ORDER BY seq").execute(Tuple.of(id))
          .map(steps -> {
            JsonArray list = new JsonArray();
            steps.forEach(s -> list.add(new JsonObject().put("step", s.getString("step")).put("state", s.getString("state"))
                .put("by", s.getString("principal")).put("role", s.getString("role"))
                .put("at", s.getOffsetDateTime("at").toInstant().toString()).put("unit", s.getString("unit"))
                .put("note", s.getString("note"))));
            return out.put("steps", list);
          });
    });
  }

  /** Staff see everything; a crew its region's incidents and those dispatched to its unit; an agency with alarms:read its regions'. */
  static boolean visible(Principal p, Row r) {
    return visible(p, r.getString("region"), r.getString("unit"));
  }

  /** The same rule for an incident known by its region and dispatched unit (e.g. from its event, for live feeds). */
  public static boolean visible(Principal p, String region, String unit) {
    if (p.role().isStaff()) {
      return true;
    }
    if (p.role() == Role.ERV_CREW && p.unit().isPresent() && p.unit().get().equals(unit)) {
      return true;
    }
    if (p.role() == Role.AGENCY && !p.scopes().contains(Principal.ALARMS_READ)) {
      return false;
    }
    return p.seesRegion(region);
  }

  /** Takes one workflow step whatever the incident's version (the workflow's own rules still apply). */
  public Future<JsonObject> step(Principal p, long id, IncidentStep step, Optional<String> unit, Optional<String> note,
      String remote) {
    return step(p, id, step, unit, note, remote, java.util.OptionalLong.empty());
  }

  /**
   * Takes one workflow step; completes with the incident after the step committed. With {@code version} (the
   * incident's version the caller decided on) the step is refused with {@link Stale} when the incident has moved
   * on since: of two operators acting on the same state, on any nodes, one wins and the other learns what changed.
   */
  public Future<JsonObject> step(Principal p, long id, IncidentStep step, Optional<String> unit, Optional<String> note,
      String remote, java.util.OptionalLong version) {
    Instant now = clock.instant();
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT * FROM incidents WHERE id = $1 FOR UPDATE")
        .execute(Tuple.of(id))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(new Refused(404, "no incident " + id));
          }
          Row r = rows.iterator().next();
          if (!visible(p, r)) {
            return Future.failedFuture(new Refused(403, "incident " + id + " is outside what " + p.id() + " may see"));
          }
          if (version.isPresent() && version.getAsLong() != r.getLong("version")) {
            return Future.failedFuture(new Stale("incident " + id + " is at version " + r.getLong("version") + " ("
                + r.getString("state") + "), not " + version.getAsLong() + ": it changed since it was read; "
                + "see current and decide again", incident(r)));
          }
          IncidentState current = IncidentState.fromWire(r.getString("state"));
          String assigned = r.getString("unit");
          boolean crewOfUnit = p.role() == Role.ERV_CREW && assigned != null && p.unit().filter(assigned::equals).isPresent();
          Optional<String> refusal = step.refusal(current, p.role().isStaff(), crewOfUnit);
          if (refusal.isPresent()) {
            int status = step.refusal(current, true, true).isPresent() ? 409 : 403;
            return Future.failedFuture(new Refused(status, refusal.get()));
          }
          if (step == IncidentStep.DISPATCH && unit.isEmpty()) {
            return Future.failedFuture(new Refused(409, "dispatch needs the unit to send (see the proposal)"));
          }
          String newUnit = step == IncidentStep.DISPATCH ? unit.get() : assigned;
          return unitChange(conn, step, newUnit)
              .compose(v -> conn.preparedQuery("UPDATE incidents SET state = $2, unit = $3, updated_at = $4, version = version + 1 WHERE id = $1")
                  .execute(Tuple.of(id, step.to().wire(), newUnit, now.atOffset(ZoneOffset.UTC))))
              .compose(v -> conn.preparedQuery("INSERT INTO incident_steps (incident_id, seq, step, state, principal, role, at, unit, note) "
                      + "SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM incident_steps WHERE incident_id = $1")
                  .execute(Tuple.of(id, step.wire(), step.to().wire(), p.id(), p.role().wire(), now.atOffset(ZoneOffset.UTC))
                      .addValue(newUnit).addValue(note.orElse(null))))
              .compose(v -> {
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("from", current.wire());
                details.put("to", step.to().wire());
                details.put("unit", newUnit);
                note.ifPresent(n -> details.put("note", n));
                return Audit.record(conn, p, "incident." + step.wire(), "incident:" + id, remote, details);
              })
              .compose(v -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("incident", id);
                body.put("state", step.to().wire());
                body.put("by", p.id());
                body.put("role", p.role().wire());
                body.put("unit", newUnit);
                body.put("title", r.getString("title"));
                note.ifPresent(n -> body.put("note", n));
                if (r.getValue("lat") != null) {
                  body.put("lat", r.getDouble("lat"));
                  body.put("lon", r.getDouble("lon"));
                }
                return Outbox.enqueue(conn, new NewEvent("incident." + step.wire(), r.getString("source"), r.getString("region"),
                    now, body));
              });
        }))
        .onSuccess(v -> outbox.kick())
        .compose(v -> get(p, id));
  }

  /** The unit follows the incident: dispatched (must be available), on scene, free again when it closes. */
  private static Future<Void> unitChange(SqlConnection conn, IncidentStep step, String unit) {
    if (unit == null) {
      return Future.succeededFuture();
    }
    return switch (step) {
      case DISPATCH -> conn.preparedQuery("UPDATE erv_units SET status = 'dispatched', updated_at = now() WHERE id = $1 AND status = 'available'")
          .execute(Tuple.of(unit)).compose(r -> r.rowCount() == 1 ? Future.<Void>succeededFuture()
              : Future.failedFuture(new Refused(409, "unit " + unit + " does not exist or is not available")));
      case ON_SCENE -> conn.preparedQuery("UPDATE erv_units SET status = 'on-scene', updated_at = now() WHERE id = $1")
          .execute(Tuple.of(unit)).mapEmpty();
      case CLOSE -> conn.preparedQuery("UPDATE erv_units SET status = 'available', updated_at = now() WHERE id = $1 AND status <> 'off-duty'")
          .execute(Tuple.of(unit)).mapEmpty();
      case ACKNOWLEDGE -> Future.succeededFuture();
    };
  }

  /** The nearest available unit for an incident (its own region's first), or empty. */
  public Future<Optional<ErvUnit.Proposal>> proposal(Principal p, long id) {
    return get(p, id).compose(inc -> {
      JsonObject location = inc.getJsonObject("location");
      if (location == null) {
        return Future.succeededFuture(Optional.<ErvUnit.Proposal>empty());
      }
      GeoPoint where = new GeoPoint(location.getDouble("lat"), location.getDouble("lon"));
      return units().map(list -> ErvUnit.nearest(where, inc.getString("region"), list, clock.instant(), POSITION_MAX_AGE));
    });
  }

  private static JsonObject incident(Row r) {
    JsonObject o = new JsonObject().put("id", r.getLong("id")).put("alarmId", r.getLong("alarm_id"))
        .put("state", r.getString("state")).put("title", r.getString("title")).put("source", r.getString("source"))
        .put("region", r.getString("region")).put("unit", r.getString("unit")).put("version", r.getLong("version"))
        .put("createdAt", r.getOffsetDateTime("created_at").toInstant().toString())
        .put("updatedAt", r.getOffsetDateTime("updated_at").toInstant().toString());
    if (r.getValue("lat") != null) {
      o.put("location", new JsonObject().put("lat", r.getDouble("lat")).put("lon", r.getDouble("lon")));
    } else {
      o.putNull("location");
    }
    return o;
  }

  // ---- alarms ------------------------------------------------------------------------------------------

  public Future<JsonArray> alarms(Principal p, boolean activeOnly, long before, int limit) {
    return pool.preparedQuery("SELECT a.*, i.id AS incident_id FROM alarms a LEFT JOIN incidents i ON i.alarm_id = a.id "
            + "WHERE ($1 = 0 OR a.id < $1) AND (NOT $2 OR a.cleared_at IS NULL) ORDER BY a.id DESC LIMIT $3")
        .execute(Tuple.of(before, activeOnly, limit * 4 + 20))
        .map(rows -> {
          JsonArray out = new JsonArray();
          for (Row r : rows) {
            if (out.size() < limit && p.seesRegion(r.getString("region"))) {
              out.add(alarm(r));
            }
          }
          return out;
        });
  }

  private static JsonObject alarm(Row r) {
    return new JsonObject().put("id", r.getLong("id")).put("key", r.getString("key")).put("kind", r.getString("kind"))
        .put("severity", r.getString("severity")).put("source", r.getString("source")).put("region", r.getString("region"))
        .put("summary", r.getString("summary")).put("details", r.getJsonObject("details"))
        .put("raisedAt", r.getOffsetDateTime("raised_at").toInstant().toString())
        .put("raisedEvent", r.getLong("raised_event"))
        .put("clearedAt", r.getOffsetDateTime("cleared_at") == null ? null : r.getOffsetDateTime("cleared_at").toInstant().toString())
        .put("clearReason", r.getString("clear_reason")).put("active", r.getValue("cleared_at") == null)
        .put("incidentId", r.getLong("incident_id"));
  }

  // ---- units -------------------------------------------------------------------------------------------

  public Future<List<ErvUnit>> units() {
    return pool.query("SELECT * FROM erv_units ORDER BY id").execute().map(Incidents::units);
  }

  private static List<ErvUnit> units(RowSet<Row> rows) {
    List<ErvUnit> out = new ArrayList<>();
    for (Row r : rows) {
      Optional<GeoPoint> at = r.getValue("lat") == null ? Optional.empty()
          : Optional.of(new GeoPoint(r.getDouble("lat"), r.getDouble("lon")));
      out.add(new ErvUnit(r.getString("id"), r.getString("region"), r.getString("status"), at,
          Optional.ofNullable(r.getOffsetDateTime("position_at")).map(t -> t.toInstant())));
    }
    return out;
  }

  public Future<ErvUnit> createUnit(Principal p, String id, String region, String remote) {
    return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO erv_units (id, region) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .execute(Tuple.of(id, region))
        .compose(r -> r.rowCount() == 1
            ? Audit.record(conn, p, "unit.create", "unit:" + id, remote, Map.of("region", region))
            : Future.failedFuture(new Refused(409, "unit " + id + " already exists"))))
        .map(v -> new ErvUnit(id, region, ErvUnit.AVAILABLE, Optional.empty(), Optional.empty()));
  }

  /** A crew's own position report (or staff's on its behalf). */
  public Future<Void> position(Principal p, String unit, GeoPoint at, Instant when) {
    if (!mayActFor(p, unit)) {
      return Future.failedFuture(new Refused(403, p.id() + " may not report for unit " + unit));
    }
    return pool.preparedQuery("UPDATE erv_units SET lat = $2, lon = $3, position_at = $4, updated_at = now() WHERE id = $1")
        .execute(Tuple.of(unit, at.lat(), at.lon(), when.atOffset(ZoneOffset.UTC)))
        .compose(r -> r.rowCount() == 1 ? Future.succeededFuture() : Future.failedFuture(new Refused(404, "no unit " + unit)));
  }

  /** A crew going on or off duty; dispatched and on-scene follow incidents and cannot be set by hand. */
  public Future<Void> status(Principal p, String unit, String status, String remote) {
    if (!mayActFor(p, unit)) {
      return Future.failedFuture(new Refused(403, p.id() + " may not change unit " + unit));
    }
    return pool.withTransaction(conn -> conn.preparedQuery("UPDATE erv_units SET status = $2, updated_at = now() WHERE id = $1 "
            + "AND status IN ('available', 'off-duty') RETURNING region")
        .execute(Tuple.of(unit, status))
        .compose(r -> {
          if (r.rowCount() == 0) {
            return Future.failedFuture(new Refused(409, "unit " + unit + " does not exist or is on an incident"));
          }
          String region = r.iterator().next().getString(0);
          return Audit.record(conn, p, "unit.status", "unit:" + unit, remote, Map.of("status", status))
              .compose(v -> Outbox.enqueue(conn, new NewEvent("unit.status", unit, region, clock.instant(),
                  Map.of("unit", unit, "status", status, "by", p.id()))));
        }))
        .onSuccess(v -> outbox.kick());
  }

  private static boolean mayActFor(Principal p, String unit) {
    return p.role().isStaff() || (p.role() == Role.ERV_CREW && p.unit().filter(unit::equals).isPresent());
  }
}
