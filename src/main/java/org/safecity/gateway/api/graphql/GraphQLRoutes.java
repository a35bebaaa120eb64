package org.safecity.gateway.api.graphql;

import graphql.GraphQL;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.graphql.GraphQLHandler;
import io.vertx.ext.web.handler.graphql.GraphQLHandlerOptions;
import io.vertx.ext.web.handler.graphql.ws.GraphQLWSHandler;
import io.vertx.ext.web.handler.graphql.ws.Message;
import java.util.concurrent.atomic.AtomicInteger;
import org.safecity.gateway.config.TrustedProxies;
import org.safecity.gateway.api.ApiAuth;
import org.safecity.gateway.api.Problems;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Tokens;
import org.safecity.gateway.config.GatewayConfig.GraphQLConfig;

/**
 * {@code /graphql} on the HTTP edge's router: {@code POST} for queries and mutations (the router's root handlers have
 * already read the body and, through {@link ApiAuth}, checked the Bearer token and the rate limit), and a WebSocket
 * upgrade on {@code GET} for graphql-transport-ws, authenticated by {@link WebSocketAuth}.
 */
public final class GraphQLRoutes {
  private GraphQLRoutes() {
  }

  /**
   * The node's open subscriptions over all HTTP edge instances: one count, made once per node, because a gauge
   * registered again under the same name keeps reading the first instance's number only.
   */
  public static final class Subscriptions {
    final AtomicInteger open = new AtomicInteger();

    public Subscriptions(MeterRegistry metrics) {
      Gauge.builder("gateway_graphql_subscriptions", open, AtomicInteger::get)
          .description("open GraphQL subscriptions").register(metrics);
    }
  }

  /** Builds the engine off the event loop, then adds the routes; completes on the caller's context. */
  public static Future<Void> mount(Vertx vertx, Router router, Tokens tokens, GraphQLApi.Services services,
      GraphQLConfig config, Subscriptions subscriptions, TrustedProxies proxies) {
    return vertx.executeBlocking(() -> GraphQLApi.build(vertx, GraphQLApi.schemaText(), services, config,
            subscriptions.open))
        .onSuccess(graphQL -> routes(vertx, router, tokens, graphQL, proxies))
        .mapEmpty();
  }

  private static void routes(Vertx vertx, Router router, Tokens tokens, GraphQL graphQL, TrustedProxies proxies) {
    GraphQLHandler http = GraphQLHandler.builder(graphQL)
        .with(new GraphQLHandlerOptions().setRequestBatchingEnabled(false).setRequestMultipartEnabled(false))
        .beforeExecute(b -> b.builder().graphQLContext(caller(b.context()).asContext()))
        .build();
    WebSocketAuth auth = new WebSocketAuth(vertx, tokens, proxies);
    GraphQLWSHandler ws = GraphQLWSHandler.builder(graphQL)
        .onConnectionInit(auth::init)
        .beforeExecute(b -> b.builder().graphQLContext(caller(b.context()).asContext()))
        .onSocketEnd(auth::ended)
        .build();
    router.post(ApiAuth.GRAPHQL_PATH).handler(rc -> {
      // ApiAuth answered 401 already; this only makes sure nothing runs without a principal.
      if (ApiAuth.principal(rc) == null) {
        Problems.send(rc, 401, "Unauthorized", "a Bearer token is required (POST /api/v1/auth/token)");
      } else {
        rc.next();
      }
    }).handler(http);
    router.get(ApiAuth.GRAPHQL_PATH).handler(ws).handler(rc -> Problems.send(rc, 405, "Method Not Allowed",
        "POST GraphQL operations to /graphql; GET is only for WebSocket subscriptions (graphql-transport-ws)"));
  }

  private static Caller caller(RoutingContext rc) {
    Principal p = ApiAuth.principal(rc);
    return new Caller(p, ApiAuth.remote(rc), Caller.Transport.HTTP);
  }

  private static Caller caller(Message message) {
    return (Caller) message.connectionParams();
  }
}
