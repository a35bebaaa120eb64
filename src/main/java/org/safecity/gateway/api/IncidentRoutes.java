package org.safecity.gateway.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.validation.RequestParameter;
import java.time.Instant;
import java.util.Optional;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.core.ErvUnit;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.IncidentStep;
import org.safecity.gateway.incidents.Incidents;

/** Alarms, incidents and ERV units: the {@code incidents} tag of the contract. */
public final class IncidentRoutes {
  private final Incidents incidents;

  IncidentRoutes(Incidents incidents) {
    this.incidents = incidents;
  }

  void listAlarms(RoutingContext rc) {
    if (!ApiAuth.allow(rc, p -> p.mayRead(Principal.ALARMS_READ), "scope " + Principal.ALARMS_READ)) {
      return;
    }
    var q = HttpVerticle.validated(rc).getQuery();
    boolean active = q.get("active") != null && !q.get("active").isNull() && q.get("active").getBoolean();
    incidents.alarms(ApiAuth.principal(rc), active, HttpVerticle.longParam(q.get("before"), 0),
            (int) HttpVerticle.longParam(q.get("limit"), 50))
        .onComplete(ar -> answer(rc, ar.map(list -> new JsonObject().put("alarms", list)), 200));
  }

  void listIncidents(RoutingContext rc) {
    if (!ApiAuth.allow(rc, p -> p.mayRead(Principal.ALARMS_READ), "scope " + Principal.ALARMS_READ)) {
      return;
    }
    var q = HttpVerticle.validated(rc).getQuery();
    RequestParameter state = q.get("state");
    incidents.list(ApiAuth.principal(rc), state == null || state.isNull() ? Optional.empty() : Optional.of(state.getString()),
            HttpVerticle.longParam(q.get("before"), 0), (int) HttpVerticle.longParam(q.get("limit"), 50))
        .onComplete(ar -> answer(rc, ar.map(list -> new JsonObject().put("incidents", list)), 200));
  }

  void getIncident(RoutingContext rc) {
    incidents.get(ApiAuth.principal(rc), incidentId(rc)).onComplete(ar -> answer(rc, ar, 200));
  }

  void takeStep(RoutingContext rc) {
    JsonObject b = rc.body().asJsonObject();
    IncidentStep step = IncidentStep.fromWire(b.getString("step")).orElseThrow();
    Long version = b.getLong("version");
    incidents.step(ApiAuth.principal(rc), incidentId(rc), step, Optional.ofNullable(b.getString("unit")),
        Optional.ofNullable(b.getString("note")), ApiAuth.remote(rc),
        version == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(version))
        .onComplete(ar -> answer(rc, ar, 200));
  }

  void propose(RoutingContext rc) {
    if (!ApiAuth.allow(rc, p -> p.role().isStaff(), "command-centre staff")) {
      return;
    }
    incidents.proposal(ApiAuth.principal(rc), incidentId(rc)).onComplete(ar -> answer(rc, ar.map(p -> p
        .map(x -> new JsonObject().put("unit", unit(x.unit())).put("meters", Math.round(x.meters())))
        .orElse(new JsonObject().putNull("unit"))), 200));
  }

  void listUnits(RoutingContext rc) {
    if (!ApiAuth.allow(rc, p -> p.role().isStaff() || p.role() == Role.ERV_CREW, "command-centre staff or an ERV crew")) {
      return;
    }
    Principal p = ApiAuth.principal(rc);
    incidents.units().onComplete(ar -> answer(rc, ar.map(list -> {
      JsonArray out = new JsonArray();
      list.stream().filter(u -> p.seesRegion(u.region())).forEach(u -> out.add(unit(u)));
      return new JsonObject().put("units", out);
    }), 200));
  }

  void createUnit(RoutingContext rc) {
    if (!ApiAuth.allow(rc, p -> p.role().isStaff(), "command-centre staff")) {
      return;
    }
    JsonObject b = rc.body().asJsonObject();
    incidents.createUnit(ApiAuth.principal(rc), b.getString("id"), b.getString("region"), ApiAuth.remote(rc))
        .onComplete(ar -> answer(rc, ar.map(IncidentRoutes::unit), 201));
  }

  void reportPosition(RoutingContext rc) {
    JsonObject b = rc.body().asJsonObject();
    Instant at = b.getString("at") == null ? Instant.now() : Instant.parse(b.getString("at"));
    incidents.position(ApiAuth.principal(rc), rc.pathParam("unitId"), new GeoPoint(b.getDouble("lat"), b.getDouble("lon")), at)
        .onComplete(ar -> answer(rc, ar.map(v -> (Object) null), 204));
  }

  void setStatus(RoutingContext rc) {
    incidents.status(ApiAuth.principal(rc), rc.pathParam("unitId"), rc.body().asJsonObject().getString("status"),
        ApiAuth.remote(rc)).onComplete(ar -> answer(rc, ar.map(v -> (Object) null), 204));
  }

  private static long incidentId(RoutingContext rc) {
    return Long.parseLong(rc.pathParam("incidentId"));
  }

  /** The contract's {@code Unit}; GraphQL's {@code Unit} reads the same object. */
  public static JsonObject unit(ErvUnit u) {
    return new JsonObject().put("id", u.id()).put("region", u.region()).put("status", u.status())
        .put("location", u.position().map(g -> new JsonObject().put("lat", g.lat()).put("lon", g.lon())).orElse(null))
        .put("positionAt", u.positionAt().map(Instant::toString).orElse(null));
  }

  /** A result as JSON with {@code status}, a refusal as its problem, anything else as a failure. */
  private static void answer(RoutingContext rc, io.vertx.core.AsyncResult<?> ar, int status) {
    if (ar.succeeded()) {
      if (status == 204 || ar.result() == null) {
        rc.response().setStatusCode(204).end();
      } else {
        HttpVerticle.json(rc, status, (JsonObject) ar.result());
      }
      return;
    }
    if (ar.cause() instanceof Incidents.Stale stale) {
      Problems.send(rc, 409, "Conflict", stale.getMessage(), new JsonObject().put("current", stale.current));
    } else if (ar.cause() instanceof Incidents.Refused r) {
      Problems.send(rc, r.status, Problems.title(r.status), r.getMessage());
    } else {
      rc.fail(ar.cause());
    }
  }
}
