package org.safecity.gateway.api.sse;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.safecity.gateway.api.ApiAuth;
import org.safecity.gateway.api.Problems;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.config.GatewayConfig.SseConfig;
import org.safecity.gateway.store.EventLog;

/**
 * {@code GET /api/v1/events/stream} (operation {@code streamEvents}): checks the caller's filter and stream
 * limit, then hands the request to an {@link EventStreamConnection}. One instance per HTTP verticle instance,
 * with its own {@link EventStreamHub}; the per-principal limit ({@link StreamSlots}) is node-wide.
 */
public final class EventStreams {
  private final EventLog log;
  private final SseConfig config;
  private final StreamSlots slots;
  private final MeterRegistry metrics;
  private EventStreamHub hub;

  public EventStreams(EventLog log, SseConfig config, StreamSlots slots, MeterRegistry metrics) {
    this.log = log;
    this.config = config;
    this.slots = slots;
    this.metrics = metrics;
  }

  /** Subscribes this instance's hub; call from the verticle's start. */
  public Future<Void> start(Vertx vertx) {
    hub = new EventStreamHub(vertx, log, config, metrics);
    return hub.start();
  }

  public Future<Void> stop() {
    return hub == null ? Future.succeededFuture() : hub.stop();
  }

  public void handle(RoutingContext rc) {
    Principal p = ApiAuth.principal(rc);
    HttpServerRequest req = rc.request();
    EventFilter filter;
    try {
      filter = EventFilter.of(p, req.getParam("types"), req.getParam("region"), req.getParam("source"),
          req.getParam("unit"));
    } catch (EventFilter.Refused r) {
      Problems.send(rc, r.status(), r.status() == 403 ? "Forbidden" : "Bad Request", r.getMessage());
      return;
    }
    if (!slots.tryAcquire(p.id())) {
      // A slot frees when one of the principal's streams ends, which nothing here can predict: one heartbeat.
      long wait = Math.max(1, (config.heartbeat().toMillis() + 999) / 1000);
      rc.response().putHeader("Retry-After", String.valueOf(wait));
      Problems.send(rc, 429, "Too Many Requests", p.id() + " holds " + slots.held(p.id())
          + " event streams open, the most allowed (auth.maxStreamsPerPrincipal)");
      return;
    }
    String resume = req.getHeader("Last-Event-ID");
    if (resume == null || resume.isBlank()) {
      resume = req.getParam("lastEventId");
    }
    if (resume != null && resume.isBlank()) {
      resume = null;
    }
    new EventStreamConnection(hub, req, filter, p.id(), () -> slots.release(p.id()))
        .open(resume, ApiAuth.tokenValidUntil(rc));
  }
}
