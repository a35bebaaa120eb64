package org.safecity.gateway.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.safecity.gateway.config.GatewayConfig.HttpConfig;
import org.safecity.gateway.ops.Listening;
import org.safecity.gateway.ops.Readiness;

/**
 * The HTTP server of a recognition worker: only {@code /health/live}, {@code /health/ready} and {@code /metrics},
 * answered exactly as the API node answers them (same contract operations), and nothing else. A worker has no API
 * and no device port; this is for the orchestrator's probes and the metrics scraper, on {@code http.port} (bind
 * it to a private address with {@code http.host}).
 */
public final class OpsVerticle extends VerticleBase {
  private final HttpConfig config;
  private final Readiness readiness;
  private final PrometheusMeterRegistry metrics;
  private HttpServer server;

  public OpsVerticle(HttpConfig config, Readiness readiness, PrometheusMeterRegistry metrics) {
    this.config = config;
    this.readiness = readiness;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(rc -> HttpVerticle.json(rc, 200,
        new JsonObject().put("status", "UP").put("checks", new JsonObject())));
    router.get("/health/ready").handler(rc -> readiness.evaluate()
        .onSuccess(r -> HttpVerticle.json(rc, "UP".equals(r.getString("status")) ? 200 : 503, r))
        .onFailure(rc::fail));
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics));
    router.route().failureHandler(Problems::onFailure);
    router.errorHandler(404, rc -> Problems.send(rc, 404, "Not Found",
        "no such resource: " + rc.request().path() + " (a recognition worker serves only /health/live, /health/ready and /metrics)"));
    router.errorHandler(405, rc -> Problems.send(rc, 405, "Method Not Allowed",
        rc.request().method() + " is not allowed on " + rc.request().path()));
    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port()));
    return server.requestHandler(router).listen()
        .recover(e -> Future.failedFuture(Listening.describe("HTTP (ops)", "http.port", config.port(), e)));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
