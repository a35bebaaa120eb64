package org.safecity.gateway.recognition;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.safecity.gateway.core.Enforcement;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.store.EventLog;

/**
 * Records what a plate read led to: the plate crop and the frame as JPEG in {@code recognition_snapshots}, then a
 * {@code recognition.plate.hit} event in the log (hotlisted plate) and/or an e-challan with its
 * {@code echallan.issued} event (enforcement camera). Called on a recognition thread, which waits for the commits;
 * the database work runs on an event loop of its own, as for face hits.
 */
final class PlateHits {
  static final String EVENT = "recognition.plate.hit";

  /** What was committed: the hit event's id (or -1) and the e-challan's id (empty: none, or one within the window). */
  record Recorded(long hitEventId, Optional<Long> echallanId) {
  }

  private final Context context;
  private final Pool pool;
  private final EventLog log;
  private final Echallans echallans;
  private final Runnable outboxKick;
  private final MeterRegistry metrics;

  /**
   * @param context    an event-loop context (made on a thread that is not Vert.x's)
   * @param outboxKick relays the outbox now (e-challan events are written there with the e-challan)
   */
  PlateHits(Context context, Pool pool, EventLog log, Echallans echallans, Runnable outboxKick, MeterRegistry metrics) {
    this.context = context;
    this.pool = pool;
    this.log = log;
    this.echallans = echallans;
    this.outboxKick = outboxKick;
    this.metrics = metrics;
  }

  Recorded record(DecodedFrame f, PlateRecognizer.Read read, Optional<Hotlist.Entry> listed,
      long listVersion, Optional<Enforcement> rule) throws Exception {
    TextBoxes.Box b = read.box();
    byte[] crop = Jpeg.region(f, Math.round(b.x1()), Math.round(b.y1()), Math.round(b.width()), Math.round(b.height()));
    byte[] frame = Jpeg.frame(f);
    CompletableFuture<Recorded> done = new CompletableFuture<>();
    context.runOnContext(v -> snapshot(f.cameraId(), "plate", crop)
        .compose(cropId -> snapshot(f.cameraId(), "plate-frame", frame).compose(frameId -> {
          Future<Long> hit = listed.isEmpty() ? Future.succeededFuture(-1L)
              : log.append(event(f, read, listed.get(), listVersion, cropId, frameId)).map(e -> e.id());
          return hit.compose(hitId -> rule.isEmpty() ? Future.succeededFuture(new Recorded(hitId, Optional.empty()))
              : echallans.issue(new Echallans.Violation(read.plate(), read.rawText(), read.confidence(), f.cameraId(),
                      f.region().isEmpty() ? null : f.region(), f.location(),
                      Instant.ofEpochMilli(f.arrivedAtMillis()), rule.get().rule(), frameId, cropId))
                  .map(id -> new Recorded(hitId, id)));
        }))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            done.complete(ar.result());
          } else {
            done.completeExceptionally(ar.cause());
          }
        }));
    Recorded r = done.get(30, TimeUnit.SECONDS);
    if (r.hitEventId() >= 0) {
      Counter.builder("gateway_recognition_plate_hits").tags("camera", f.cameraId())
          .description("hotlist hits committed to the event log").register(metrics).increment();
    }
    if (r.echallanId().isPresent()) {
      outboxKick.run();
      Counter.builder("gateway_recognition_echallans").tags("camera", f.cameraId(), "rule", rule.orElseThrow().rule())
          .description("e-challans issued").register(metrics).increment();
    }
    return r;
  }

  private Future<Long> snapshot(String camera, String kind, byte[] jpeg) {
    return pool.preparedQuery("INSERT INTO recognition_snapshots (camera_id, kind, jpeg) VALUES ($1, $2, $3) RETURNING id")
        .execute(Tuple.of(camera, kind, Buffer.buffer(jpeg))).map(r -> r.iterator().next().getLong(0));
  }

  static NewEvent event(DecodedFrame f, PlateRecognizer.Read read, Hotlist.Entry listed, long version, long cropId,
      long frameId) {
    TextBoxes.Box b = read.box();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("plate", read.plate());
    body.put("rawText", read.rawText());
    body.put("confidence", Math.round(read.confidence() * 10_000) / 10_000.0);
    body.put("reason", listed.reason());
    listed.note().ifPresent(n -> body.put("note", n));
    body.put("listVersion", version);
    body.put("camera", f.cameraId());
    body.put("box", Map.of("x", Math.round(b.x1()), "y", Math.round(b.y1()), "width", Math.round(b.width()),
        "height", Math.round(b.height())));
    body.put("frame", Map.of("seq", f.seq(), "rtpTimestamp", f.rtpTimestamp(), "width", f.width(), "height", f.height()));
    body.put("snapshots", Map.of("plate", cropId, "frame", frameId));
    return new NewEvent(EVENT, f.cameraId(), f.region().isEmpty() ? null : f.region(),
        Instant.ofEpochMilli(f.arrivedAtMillis()), body);
  }
}
