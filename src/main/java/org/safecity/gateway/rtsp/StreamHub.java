package org.safecity.gateway.rtsp;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every camera's live stream, shared by all RTSP edge instances (and the pull client): one source per camera
 * at a time, the newest winning, as a camera that reconnects after a network blip must not be locked out by
 * its own half-open old connection. Stats outlive streams so metrics and health see a camera go quiet.
 */
public final class StreamHub {
  private static final Logger LOG = LoggerFactory.getLogger(StreamHub.class);

  private final Vertx vertx;
  private final MeterRegistry metrics;
  private final Clock clock;
  private final int gopCacheBytes;
  private final ConcurrentHashMap<String, CameraStream> streams = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, StreamStats> stats = new ConcurrentHashMap<>();
  private long timer = -1;
  private volatile FrameSink frameSink;

  public StreamHub(Vertx vertx, MeterRegistry metrics, Clock clock, int gopCacheBytes) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.clock = clock;
    this.gopCacheBytes = gopCacheBytes;
    Gauge.builder("gateway_rtsp_streams", streams, ConcurrentHashMap::size).description("cameras publishing now")
        .register(metrics);
  }

  /**
   * Where whole video frames of streams published from now on also go (recognition); null for nowhere, which
   * costs the streams nothing.
   */
  public void frameSink(FrameSink sink) {
    this.frameSink = sink;
  }

  /** Starts the once-a-second rate sampling. */
  public void start() {
    timer = vertx.setPeriodic(1000, id -> stats.values().forEach(StreamStats::sample));
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    streams.values().forEach(s -> s.context().runOnContext(v -> s.close("the gateway is stopping")));
    streams.clear();
  }

  /**
   * Makes a new stream the camera's live one, on {@code context} (where its packets will arrive); a previous
   * source is told it was replaced and its readers end.
   */
  CameraStream publish(String cameraId, Context context, Publisher publisher, Sdp sdp) {
    CameraStream stream = new CameraStream(cameraId, context, publisher, sdp, stats(cameraId), clock, gopCacheBytes,
        frameSink);
    CameraStream old = streams.put(cameraId, stream);
    if (old != null) {
      LOG.info("camera {}: {} replaces {}", cameraId, publisher.describe(), old.publisher().describe());
      old.context().runOnContext(v -> {
        old.publisher().replaced("camera " + cameraId + " is now published by another source");
        old.close("the camera's source was replaced");
      });
    }
    context.runOnContext(v -> stream.start());
    return stream;
  }

  /** The source of {@code stream} left; a no-op when it was already replaced. */
  void unpublish(CameraStream stream, String reason) {
    streams.remove(stream.cameraId(), stream);
    stream.context().runOnContext(v -> stream.close(reason));
  }

  public Optional<CameraStream> stream(String cameraId) {
    return Optional.ofNullable(streams.get(cameraId));
  }

  /** Wall-clock millis of the camera's last whole video frame, -1 for none since start. */
  public long lastFrameMillis(String cameraId) {
    StreamStats s = stats.get(cameraId);
    return s == null ? -1 : s.lastFrameMillis();
  }

  /** Every camera seen since start, by id. */
  public List<StreamStats.Snapshot> snapshots() {
    List<StreamStats.Snapshot> out = new ArrayList<>();
    stats.values().forEach(s -> out.add(s.snapshot()));
    out.sort(Comparator.comparing(StreamStats.Snapshot::cameraId));
    return out;
  }

  public Optional<StreamStats.Snapshot> snapshot(String cameraId) {
    return Optional.ofNullable(stats.get(cameraId)).map(StreamStats::snapshot);
  }

  StreamStats stats(String cameraId) {
    return stats.computeIfAbsent(cameraId, id -> {
      StreamStats s = new StreamStats(id);
      Tags tags = Tags.of("camera", id);
      Gauge.builder("gateway_camera_publishing", s, x -> x.publishing() ? 1 : 0).tags(tags)
          .description("1 while a source publishes the camera").register(metrics);
      Gauge.builder("gateway_camera_fps", s, StreamStats::fps).tags(tags).description("video frames per second").register(metrics);
      Gauge.builder("gateway_camera_bitrate_kbps", s, StreamStats::kbps).tags(tags).description("received kbit/s").register(metrics);
      Gauge.builder("gateway_camera_jitter_ms", s, StreamStats::jitterMs).tags(tags)
          .description("RTP interarrival jitter of the video track").register(metrics);
      Gauge.builder("gateway_camera_readers", s, StreamStats::readerCount).tags(tags).description("live readers").register(metrics);
      Gauge.builder("gateway_camera_last_frame_age_seconds", s,
              x -> x.lastFrameMillis() < 0 ? Double.NaN : (clock.millis() - x.lastFrameMillis()) / 1000.0).tags(tags)
          .description("seconds since the last whole video frame").register(metrics);
      FunctionCounter.builder("gateway_camera_packets", s, StreamStats::packets).tags(tags).description("RTP packets received").register(metrics);
      FunctionCounter.builder("gateway_camera_bytes", s, StreamStats::bytes).tags(tags).description("RTP bytes received").register(metrics);
      Gauge.builder("gateway_camera_packets_lost", s, StreamStats::lost).tags(tags)
          .description("video packets lost in the current session (RFC 3550 cumulative)").register(metrics);
      FunctionCounter.builder("gateway_camera_frames_discarded", s, StreamStats::discardedFrames).tags(tags)
          .description("video frames not passed on whole (a packet of them was lost or malformed)").register(metrics);
      FunctionCounter.builder("gateway_camera_malformed_packets", s, StreamStats::malformed).tags(tags)
          .description("packets dropped as not RTP or on an unknown track").register(metrics);
      return s;
    });
  }
}
