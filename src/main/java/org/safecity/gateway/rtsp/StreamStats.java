package org.safecity.gateway.rtsp;

import java.time.Instant;
import java.util.Optional;
import org.safecity.gateway.rtsp.rtp.VideoFormat;

/**
 * One camera's stream figures, kept across publisher sessions so /metrics and the API always find them.
 * Written by the stream's context only (volatile for readers elsewhere); rates come from {@link #sample}.
 */
public final class StreamStats {
  /** What the API shows for a camera. */
  public record Snapshot(String cameraId, boolean publishing, String source, String codec, int width, int height,
                         String profile, double fps, double bitrateKbps, long packets, long bytes, long packetsLost,
                         double jitterMs, long framesDiscarded, long malformedPackets, long frames, long keyframes,
                         Optional<Instant> lastFrameAt, int readers, long readerSkips) {
  }

  private final String cameraId;
  private volatile boolean publishing;
  private volatile String source = "";
  private volatile String codec = "";
  private volatile VideoFormat format;
  private volatile long packets;
  private volatile long bytes;
  private volatile long lost;
  private volatile double jitterMs;
  private volatile long discardedBase;
  private volatile long discardedInStream;
  private volatile long malformed;
  private volatile long dropped;
  private volatile long frames;
  private volatile long keyframes;
  private volatile long lastFrameMillis = -1;
  private volatile int readers;
  private volatile long readerSkips;
  // rates: written by sample(), one caller
  private long sampledAtNanos = System.nanoTime();
  private long sampledFrames;
  private long sampledBytes;
  private volatile double fps;
  private volatile double kbps;

  StreamStats(String cameraId) {
    this.cameraId = cameraId;
  }

  void started(String codec, String source) {
    this.codec = codec;
    this.source = source;
    this.lost = 0;
    this.jitterMs = 0;
    this.discardedBase += discardedInStream;
    this.discardedInStream = 0;
    this.publishing = true;
  }

  void ended() {
    publishing = false;
  }

  void format(VideoFormat f) {
    format = f;
  }

  void packet(int size) {
    packets++;
    bytes += size;
  }

  void frame(boolean keyframe, long atMillis) {
    frames++;
    if (keyframe) {
      keyframes++;
    }
    lastFrameMillis = atMillis;
  }

  void loss(long lostNow, double jitter) {
    lost = Math.max(0, lostNow);
    jitterMs = jitter;
  }

  void discarded(long inThisStream) {
    discardedInStream = inThisStream;
  }

  void malformedPacket() {
    malformed++;
  }

  void droppedPacket() {
    dropped++;
  }

  void readerSkipped() {
    readerSkips++;
  }

  void readers(int n) {
    readers = n;
  }

  /** Wall-clock millis of the last whole video frame, -1 for never. */
  public long lastFrameMillis() {
    return lastFrameMillis;
  }

  public boolean publishing() {
    return publishing;
  }

  public int readerCount() {
    return readers;
  }

  public String cameraId() {
    return cameraId;
  }

  /** Updates fps and bitrate from the counters since the previous call; called about once a second. */
  synchronized void sample() {
    long now = System.nanoTime();
    double seconds = (now - sampledAtNanos) / 1e9;
    if (seconds < 0.2) {
      return;
    }
    long f = frames;
    long b = bytes;
    fps = (f - sampledFrames) / seconds;
    kbps = (b - sampledBytes) * 8 / 1000.0 / seconds;
    sampledFrames = f;
    sampledBytes = b;
    sampledAtNanos = now;
  }

  long packets() {
    return packets;
  }

  long bytes() {
    return bytes;
  }

  long lost() {
    return lost;
  }

  double jitterMs() {
    return jitterMs;
  }

  double fps() {
    return publishing ? fps : 0;
  }

  double kbps() {
    return publishing ? kbps : 0;
  }

  long discardedFrames() {
    return discardedBase + discardedInStream;
  }

  long malformed() {
    return malformed + dropped;
  }

  public Snapshot snapshot() {
    VideoFormat f = format;
    long last = lastFrameMillis;
    return new Snapshot(cameraId, publishing, source, f != null ? f.codec() : codec, f != null ? f.width() : 0,
        f != null ? f.height() : 0, f != null ? f.profile() : "", fps(), kbps(), packets, bytes, lost, jitterMs,
        discardedFrames(), malformed(), frames, keyframes,
        last < 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(last)), readers, readerSkips);
  }
}
