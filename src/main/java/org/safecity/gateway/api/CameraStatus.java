package org.safecity.gateway.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.safecity.gateway.core.CameraWatch;
import org.safecity.gateway.devices.CameraEntry;
import org.safecity.gateway.devices.DeviceRegistry;
import org.safecity.gateway.health.BoxHealthService;
import org.safecity.gateway.rtsp.StreamHub;
import org.safecity.gateway.rtsp.StreamStats;

/** The {@code Camera} schema of the contract: registry entry, health state and stream figures in one. */
public final class CameraStatus {
  private final DeviceRegistry registry;
  private final StreamHub streams;
  private final BoxHealthService health;

  public CameraStatus(DeviceRegistry registry, StreamHub streams, BoxHealthService health) {
    this.registry = registry;
    this.streams = streams;
    this.health = health;
  }

  public Future<JsonArray> all() {
    return health.cameraStates().map(states -> {
      JsonArray out = new JsonArray();
      registry.cameras().forEach(c -> out.add(json(c, states)));
      return out;
    });
  }

  public Future<Optional<JsonObject>> one(String cameraId) {
    Optional<CameraEntry> c = registry.camera(cameraId);
    if (c.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    return health.cameraStates().map(states -> Optional.of(json(c.get(), states)));
  }

  private JsonObject json(CameraEntry c, Map<String, CameraWatch.State> states) {
    StreamStats.Snapshot s = streams.snapshot(c.id()).orElse(null);
    JsonObject stream = new JsonObject()
        .put("publishing", s != null && s.publishing())
        .put("source", s == null ? "" : s.source())
        .put("codec", s == null ? "" : s.codec())
        .put("width", s == null ? 0 : s.width())
        .put("height", s == null ? 0 : s.height())
        .put("profile", s == null ? "" : s.profile())
        .put("fps", s == null ? 0.0 : round(s.fps()))
        .put("bitrateKbps", s == null ? 0.0 : round(s.bitrateKbps()))
        .put("packets", s == null ? 0 : s.packets())
        .put("bytes", s == null ? 0 : s.bytes())
        .put("packetsLost", s == null ? 0 : s.packetsLost())
        .put("jitterMs", s == null ? 0.0 : round(s.jitterMs()))
        .put("framesDiscarded", s == null ? 0 : s.framesDiscarded())
        .put("malformedPackets", s == null ? 0 : s.malformedPackets())
        .put("frames", s == null ? 0 : s.frames())
        .put("keyframes", s == null ? 0 : s.keyframes())
        .put("lastFrameAt", s == null ? null : s.lastFrameAt().map(Object::toString).orElse(null))
        .put("readers", s == null ? 0 : s.readers());
    return new JsonObject()
        .put("id", c.id())
        .put("box", c.boxId())
        .put("region", c.region())
        .put("health", states.getOrDefault(c.id(), CameraWatch.State.UNKNOWN).name().toLowerCase(Locale.ROOT))
        .put("rtspPath", "/" + c.id())
        .put("pulledFrom", c.source().map(u -> u.replaceFirst("^(rtsps?://)[^/@]*@", "$1")).orElse(null))
        .put("stream", stream);
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
