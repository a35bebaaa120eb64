package org.safecity.gateway.api.graphql;

import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.safecity.gateway.api.PlateReads;

/**
 * The hotlist and e-challan queries: the REST routes' {@link PlateReads}, so the same rule (staff; agencies with
 * {@code plates:read} or {@code echallan:read}; never a crew), region filter and audit entry apply, marked
 * {@code via: graphql}. The schema's {@code @scope}/{@code @roles} refuse first; the service checks again.
 */
final class PlateFetchers {
  private static final int MAX_PLATE = 32;
  private final PlateReads reads;

  PlateFetchers(PlateReads reads) {
    this.reads = reads;
  }

  CompletionStage<JsonObject> hotlist(DataFetchingEnvironment env) {
    Caller c = Caller.of(env);
    String after = env.getArgument("after");
    if (after != null && after.length() > MAX_PLATE) {
      throw Args.bad("after must be a plate of at most " + MAX_PLATE + " characters");
    }
    return reads.hotlistPage(c.principal(), c.remote(), "graphql", Optional.ofNullable(env.getArgument("reason")),
        after == null ? "" : after, Args.limit(env, 500)).toCompletionStage();
  }

  CompletionStage<JsonObject> hotlistPlate(DataFetchingEnvironment env) {
    Caller c = Caller.of(env);
    String plate = env.getArgument("plate");
    if (plate.isBlank() || plate.length() > MAX_PLATE) {
      throw Args.bad("plate must be 1 to " + MAX_PLATE + " characters");
    }
    return reads.hotlistEntry(c.principal(), c.remote(), "graphql", plate).toCompletionStage();
  }

  CompletionStage<List<JsonObject>> echallans(DataFetchingEnvironment env) {
    Caller c = Caller.of(env);
    String camera = env.getArgument("camera");
    String plate = env.getArgument("plate");
    if ((camera != null && !Args.DEVICE_ID.matcher(camera).matches()) || (plate != null && plate.length() > MAX_PLATE)) {
      throw Args.bad("camera must be 1 to 64 letters, digits, '.', '_' or '-', and plate at most " + MAX_PLATE
          + " characters");
    }
    return reads.echallanPage(c.principal(), c.remote(), "graphql", Optional.ofNullable(camera),
        Optional.ofNullable(plate), Optional.ofNullable(env.getArgument("status")), Args.cursor(env, "before"),
        Args.limit(env, 500)).toCompletionStage();
  }

  CompletionStage<JsonObject> echallan(DataFetchingEnvironment env) {
    Caller c = Caller.of(env);
    return reads.echallan(c.principal(), c.remote(), "graphql", Args.cursor(env, "id")).toCompletionStage();
  }
}
