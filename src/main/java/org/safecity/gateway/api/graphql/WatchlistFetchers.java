package org.safecity.gateway.api.graphql;

import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletionStage;
import org.safecity.gateway.api.WatchlistService;

/**
 * The watchlist queries: the REST routes' {@link WatchlistService}, so the same rule (staff, agencies with
 * {@code faces:read}, never a crew), region filter and audit entry apply, marked {@code via: graphql}. The schema's
 * {@code @scope}/{@code @roles} refuse first; the service checks again.
 */
final class WatchlistFetchers {
  private final WatchlistService service;

  WatchlistFetchers(WatchlistService service) {
    this.service = service;
  }

  CompletionStage<JsonObject> persons(DataFetchingEnvironment env) {
    Caller c = Caller.of(env);
    String after = env.getArgument("after");
    if (after != null && !WatchlistFetchers.personId(after)) {
      throw Args.bad("after must be a person id: 1 to 64 letters, digits, '.', '_' or '-'");
    }
    return service.persons(c.principal(), c.remote(), after, Args.limit(env, 500), "graphql").toCompletionStage();
  }

  CompletionStage<JsonObject> person(DataFetchingEnvironment env) {
    Caller c = Caller.of(env);
    String id = env.getArgument("id");
    if (!personId(id)) {
      throw Args.bad("id must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    return service.person(c.principal(), c.remote(), id, "graphql").toCompletionStage();
  }

  CompletionStage<JsonObject> hits(DataFetchingEnvironment env) {
    Caller c = Caller.of(env);
    String camera = env.getArgument("camera");
    String personId = env.getArgument("personId");
    if ((camera != null && !Args.DEVICE_ID.matcher(camera).matches()) || (personId != null && !personId(personId))) {
      throw Args.bad("camera and personId must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    return service.hits(c.principal(), c.remote(), camera, personId, Args.cursor(env, "before"), Args.limit(env, 500),
        "graphql").toCompletionStage();
  }

  private static boolean personId(String id) {
    return id != null && Args.DEVICE_ID.matcher(id).matches();
  }
}
