package org.safecity.gateway.recognition;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.store.EventLog;

/**
 * Records a watchlist hit: the face crop and the frame as JPEG in {@code recognition_snapshots}, then a
 * {@code recognition.face.hit} event in the log naming them, the person, the score and the list version. Called on
 * a recognition thread, which waits for the commit; the database work itself runs on an event loop of its own,
 * so the waiting thread never holds up what it waits for.
 */
final class FaceHits {
  static final String EVENT = "recognition.face.hit";

  private final Context context;
  private final Pool pool;
  private final EventLog log;
  private final MeterRegistry metrics;

  /** @param context an event-loop context (made on a thread that is not Vert.x's) */
  FaceHits(Context context, Pool pool, EventLog log, MeterRegistry metrics) {
    this.context = context;
    this.pool = pool;
    this.log = log;
    this.metrics = metrics;
  }

  LoggedEvent record(DecodedFrame f, FaceAnalyzer.Face face, Watchlist.Match m) throws Exception {
    FaceAnalyzer.Box b = face.box();
    byte[] crop = Jpeg.region(f, Math.round(b.x1()), Math.round(b.y1()), Math.round(b.width()), Math.round(b.height()));
    byte[] frame = Jpeg.frame(f);
    CompletableFuture<LoggedEvent> done = new CompletableFuture<>();
    context.runOnContext(v -> snapshot(f.cameraId(), "face", crop)
        .compose(cropId -> snapshot(f.cameraId(), "frame", frame).compose(frameId -> log.append(event(f, face, m, cropId, frameId))))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            done.complete(ar.result());
          } else {
            done.completeExceptionally(ar.cause());
          }
        }));
    LoggedEvent e = done.get(30, TimeUnit.SECONDS);
    Counter.builder("gateway_recognition_face_hits").tags("camera", f.cameraId())
        .description("watchlist hits committed to the event log").register(metrics).increment();
    return e;
  }

  private Future<Long> snapshot(String camera, String kind, byte[] jpeg) {
    return pool.preparedQuery("INSERT INTO recognition_snapshots (camera_id, kind, jpeg) VALUES ($1, $2, $3) RETURNING id")
        .execute(Tuple.of(camera, kind, Buffer.buffer(jpeg))).map(r -> r.iterator().next().getLong(0));
  }

  static NewEvent event(DecodedFrame f, FaceAnalyzer.Face face, Watchlist.Match m, long cropId, long frameId) {
    FaceAnalyzer.Box b = face.box();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("personId", m.personId());
    body.put("name", m.name());
    body.put("reason", m.reason());
    body.put("score", Math.round(m.score() * 10_000) / 10_000.0);
    body.put("listVersion", m.version());
    body.put("camera", f.cameraId());
    body.put("box", Map.of("x", Math.round(b.x1()), "y", Math.round(b.y1()), "width", Math.round(b.width()),
        "height", Math.round(b.height())));
    body.put("frame", Map.of("seq", f.seq(), "rtpTimestamp", f.rtpTimestamp(), "width", f.width(), "height", f.height()));
    body.put("snapshots", Map.of("face", cropId, "frame", frameId));
    return new NewEvent(EVENT, f.cameraId(), f.region().isEmpty() ? null : f.region(), Instant.ofEpochMilli(f.arrivedAtMillis()),
        body);
  }
}
