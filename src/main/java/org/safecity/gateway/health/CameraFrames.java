package org.safecity.gateway.health;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.safecity.gateway.bus.Addresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one fact camera health is judged from — when a camera's last whole frame arrived — for the whole cluster: a
 * camera streams to one edge node (whichever its RTSP connection reached), but every node shows its health and the
 * node that judges its box needs to know whether it is down. Each edge publishes the last frame times of the
 * cameras streaming to it on {@link Addresses#CAMERA_FRAMES} every {@code interval} (only those that moved on), and
 * every edge keeps the newest time heard per camera. A node that leaves keeps its last word: its cameras' frames
 * simply stop getting newer, which is the truth (they stall, then go offline, unless they reconnect elsewhere).
 * Times are each node's wall clock, so the nodes' clocks must agree (NTP) to well within
 * {@code health.cameraStalledAfter}.
 */
public final class CameraFrames {
  private static final Logger LOG = LoggerFactory.getLogger(CameraFrames.class);

  private final Vertx vertx;
  private final String self;
  private final ToLongFunction<String> local;
  private final Supplier<? extends Iterable<String>> cameraIds;
  private final Map<String, Long> heard = new ConcurrentHashMap<>();
  private final Map<String, Long> published = new HashMap<>(); // on the timer's context only
  private MessageConsumer<JsonObject> consumer;
  private long timer = -1;

  /**
   * @param self      this node's id (its own messages come back to it and are skipped)
   * @param local     this node's last frame time of a camera (epoch millis, -1 for none)
   * @param cameraIds the registered cameras
   */
  public CameraFrames(Vertx vertx, String self, ToLongFunction<String> local,
      Supplier<? extends Iterable<String>> cameraIds) {
    this.vertx = vertx;
    this.self = self;
    this.local = local;
    this.cameraIds = cameraIds;
  }

  public Future<Void> start(Duration interval) {
    consumer = vertx.eventBus().consumer(Addresses.CAMERA_FRAMES, m -> {
      JsonObject b = m.body();
      if (self.equals(b.getString("node"))) {
        return;
      }
      JsonObject frames = b.getJsonObject("frames", new JsonObject());
      for (String camera : frames.fieldNames()) {
        Object v = frames.getValue(camera);
        if (v instanceof Number n) {
          heard.merge(camera, n.longValue(), Math::max);
        } else {
          LOG.debug("camera frames from {}: {} is not a time", b.getString("node"), camera);
        }
      }
    });
    timer = vertx.setPeriodic(Math.max(100, interval.toMillis()), id -> publish());
    return consumer.completion();
  }

  private void publish() {
    JsonObject frames = new JsonObject();
    for (String id : cameraIds.get()) {
      long t = local.applyAsLong(id);
      if (t >= 0 && !Long.valueOf(t).equals(published.get(id))) {
        frames.put(id, t);
        published.put(id, t);
      }
    }
    if (!frames.isEmpty()) {
      vertx.eventBus().publish(Addresses.CAMERA_FRAMES, new JsonObject().put("node", self).put("frames", frames));
    }
  }

  /** The newest last frame time of the camera on any node (epoch millis, -1 for none). Any thread. */
  public long lastFrameMillis(String cameraId) {
    long here = local.applyAsLong(cameraId);
    Long there = heard.get(cameraId);
    return there == null ? here : Math.max(here, there);
  }

  public Future<Void> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
