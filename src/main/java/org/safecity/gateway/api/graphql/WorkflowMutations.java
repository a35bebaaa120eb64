package org.safecity.gateway.api.graphql;

import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.safecity.gateway.api.IncidentRoutes;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.IncidentStep;
import org.safecity.gateway.incidents.Incidents;

/**
 * The mutations: each calls the {@link Incidents} method its REST operation calls, so the workflow rules (who may
 * take which step, from which state), the audit entry and the outbox event are exactly the REST API's. Refusals
 * keep their status: 403 FORBIDDEN, 404 NOT_FOUND, 409 CONFLICT.
 */
final class WorkflowMutations {
  private final Incidents incidents;

  WorkflowMutations(Incidents incidents) {
    this.incidents = incidents;
  }

  CompletionStage<JsonObject> takeIncidentStep(DataFetchingEnvironment env) {
    Caller c = Caller.of(env);
    IncidentStep step = env.getArgument("step");
    return incidents.step(c.principal(), Args.id(env, "incidentId"), step,
        Optional.ofNullable(Args.text(env, "unit", 64)), Optional.ofNullable(Args.text(env, "note", 2000)), c.remote(),
        env.getArgument("version") == null ? java.util.OptionalLong.empty()
            : java.util.OptionalLong.of(((Number) env.getArgument("version")).longValue()))
        .toCompletionStage();
  }

  CompletionStage<JsonObject> reportUnitPosition(DataFetchingEnvironment env) {
    Caller c = Caller.of(env);
    String unit = Args.deviceId(env, "unitId");
    GeoPoint at = new GeoPoint(Args.range(env, "lat", -90, 90), Args.range(env, "lon", -180, 180));
    Instant when = env.getArgument("at");
    return incidents.position(c.principal(), unit, at, when == null ? Instant.now() : when)
        .compose(v -> unit(unit)).toCompletionStage();
  }

  CompletionStage<JsonObject> setUnitStatus(DataFetchingEnvironment env) {
    Caller c = Caller.of(env);
    String unit = Args.deviceId(env, "unitId");
    String status = env.getArgument("status");
    return incidents.status(c.principal(), unit, status, c.remote()).compose(v -> unit(unit)).toCompletionStage();
  }

  /** The unit as it is now (after the change the caller was allowed to make to it). */
  private Future<JsonObject> unit(String id) {
    return incidents.units().compose(list -> list.stream().filter(u -> u.id().equals(id)).findFirst()
        .map(u -> Future.succeededFuture(IncidentRoutes.unit(u)))
        .orElseGet(() -> Future.failedFuture(new Incidents.Refused(404, "no unit " + id))));
  }
}
