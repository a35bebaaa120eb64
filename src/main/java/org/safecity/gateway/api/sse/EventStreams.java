package org.safecity.gateway.api.sse;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.safecity.gateway.api.ApiAuth;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safecity.gateway.api.Problems;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.config.GatewayConfig.SseConfig;
import org.safecity.gateway.store.EventLog;

/**
 * {@code GET /api/v1/events/stream} (operation {@code streamEvents}): checks the caller's filter and stream
 * limit, then hands the request to an {@link EventStreamConnection}. One instance per HTTP verticle instance,
 * with its own {@link EventStreamHub}; the per-principal limit ({@link StreamSlots}) is node-wide. A stream that
 * may carry watchlist or hotlist data is written to the audit log (who, filter, from where) before it opens.
 */
public final class EventStreams {
  private final EventLog log;
  private final SseConfig config;
  private final StreamSlots slots;
  private final MeterRegistry metrics;
  private final Audit audit;
  private EventStreamHub hub;

  public EventStreams(EventLog log, SseConfig config, StreamSlots slots, MeterRegistry metrics, Audit audit) {
    this.audit = audit;
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
    List<String> sensitive = filter.watchlistTypes();
    if (sensitive.isEmpty()) {
      new EventStreamConnection(hub, req, filter, p.id(), () -> slots.release(p.id()))
          .open(resume, ApiAuth.tokenValidUntil(rc));
      return;
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("types", req.getParam("types"));
    details.put("region", req.getParam("region"));
    details.put("source", req.getParam("source"));
    details.put("watchlistOrHotlistTypes", sensitive);
    details.put("lastEventId", resume);
    String from = resume;
    audit.record(p, "events.stream", "events", ApiAuth.remote(rc), details).onComplete(ar -> {
      if (rc.response().closed()) {
        slots.release(p.id()); // the client left while the entry was written: nothing to open
      } else if (ar.failed()) {
        slots.release(p.id());
        Problems.send(rc, 503, "Service Unavailable", "the audit log is unavailable, so a stream that may carry "
            + "watchlist or hotlist data cannot be opened: " + ar.cause().getMessage());
      } else {
        new EventStreamConnection(hub, req, filter, p.id(), () -> slots.release(p.id()))
            .open(from, ApiAuth.tokenValidUntil(rc));
      }
    });
  }
}
