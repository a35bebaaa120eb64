package org.safecity.gateway.rtsp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.safecity.gateway.rtsp.rtp.AccessUnit;
import org.safecity.gateway.rtsp.rtp.Depacketizer;
import org.safecity.gateway.rtsp.rtp.H264Depacketizer;
import org.safecity.gateway.rtsp.rtp.H265Depacketizer;
import org.safecity.gateway.rtsp.rtp.Rtcp;
import org.safecity.gateway.rtsp.rtp.RtpFormatException;
import org.safecity.gateway.rtsp.rtp.RtpHeader;
import org.safecity.gateway.rtsp.rtp.SequenceTracker;
import org.safecity.gateway.rtsp.rtp.Sps;
import org.safecity.gateway.rtsp.rtp.VideoFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One camera's live stream while a source publishes it: checks and depacketizes what arrives, keeps the packets
 * since the last keyframe, and fans every packet out to the readers.
 *
 * <p>Everything here runs on one context, the one the source's packets arrive on, so the keyframe cache and
 * the reader set need no locks; readers attach through {@link #addReader}, which hops onto it. Packets are
 * relayed as received (same SSRC, sequence numbers and timestamps), so a reader sees one consistent RTP
 * session; a late reader gets the cached packets from the last keyframe first, and a reader that falls behind
 * skips ahead to the next keyframe rather than decoding garbage or growing memory.
 */
public final class CameraStream {
  private static final Logger LOG = LoggerFactory.getLogger(CameraStream.class);
  /** Largest access unit assembled for inspection; a 4K keyframe is well under this. */
  static final int MAX_UNIT_BYTES = 8 * 1024 * 1024;
  static final long REPORT_INTERVAL_MS = 5_000;

  private record Slot(int track, ByteBuf packet) {
  }

  /** One media section of the published SDP, with what is learned from its packets. */
  final class Track {
    final Sdp.Media media;
    final Depacketizer depacketizer; // null: relayed without inspection
    final SequenceTracker sequence = new SequenceTracker();
    boolean started;
    long ssrc;
    long lastTimestamp;
    long lastArrivalNanos;
    long lastSenderReportNtpMiddle = 0;
    long lastSenderReportNanos;

    Track(Sdp.Media media) {
      this.media = media;
      if (media.isH264()) {
        depacketizer = new H264Depacketizer(MAX_UNIT_BYTES);
      } else if (media.isH265()) {
        depacketizer = new H265Depacketizer(MAX_UNIT_BYTES);
      } else {
        depacketizer = null;
      }
      if (depacketizer != null) {
        depacketizer.parameterSets(media.parameterSets());
      }
    }
  }

  private static final class ReaderState {
    final Reader reader;
    boolean live;
    final long[] packets;
    final long[] octets;
    long skipped;

    ReaderState(Reader reader, int tracks) {
      this.reader = reader;
      this.packets = new long[tracks];
      this.octets = new long[tracks];
    }
  }

  private final String cameraId;
  private final Context context;
  private final Publisher publisher;
  private final List<Sdp.Media> media;
  private final Track[] tracks;
  private final int videoTrack; // -1: no H.264/H.265 track, readers go live at once
  private final StreamStats stats;
  private final Clock clock;
  private final int gopCacheBytes;
  private final long reporterSsrc = ThreadLocalRandom.current().nextLong(1L << 32);
  private final Map<Reader, ReaderState> readers = new LinkedHashMap<>();
  private final ArrayDeque<Slot> gop = new ArrayDeque<>();
  private long gopBytes;
  private boolean gopValid;
  private final List<Slot> pending = new ArrayList<>();
  private long pendingTimestamp = -1;
  private long reportTimer = -1;
  private boolean closed;
  private final FrameSink sink; // null: whole frames go nowhere but the stats
  private FrameSink.Receiver frames; // opened at the first whole frame, on the context
  private boolean framesOpened;

  CameraStream(String cameraId, Context context, Publisher publisher, Sdp sdp, StreamStats stats, Clock clock,
      int gopCacheBytes, FrameSink sink) {
    this.cameraId = cameraId;
    this.context = context;
    this.publisher = publisher;
    this.media = sdp.media();
    this.tracks = new Track[media.size()];
    int video = -1;
    for (int i = 0; i < tracks.length; i++) {
      tracks[i] = new Track(media.get(i));
      if (video < 0 && tracks[i].depacketizer != null) {
        video = i;
      }
    }
    this.videoTrack = video;
    this.stats = stats;
    this.clock = clock;
    this.gopCacheBytes = gopCacheBytes;
    this.sink = sink;
    Track v = video >= 0 ? tracks[video] : null;
    stats.started(v == null ? media.get(0).encoding() : v.media.encoding(), publisher.describe());
    if (v != null) {
      v.depacketizer.sps().flatMap(this::format).ifPresent(stats::format);
    }
  }

  public String cameraId() {
    return cameraId;
  }

  public Context context() {
    return context;
  }

  public Publisher publisher() {
    return publisher;
  }

  public int trackCount() {
    return tracks.length;
  }

  public StreamStats stats() {
    return stats;
  }

  /** Starts the periodic RTCP reports; called once on the stream's context. */
  void start() {
    reportTimer = context.owner().setPeriodic(REPORT_INTERVAL_MS, id -> report());
  }

  /** The SDP a reader gets from DESCRIBE: the published media with the parameter sets seen so far. */
  public Future<String> describe() {
    return onContext(() -> {
      List<Optional<String>> fmtp = new ArrayList<>();
      for (Track t : tracks) {
        fmtp.add(fmtpWithParameterSets(t));
      }
      return Sdp.forReaders(cameraId, media, fmtp);
    });
  }

  private Optional<String> fmtpWithParameterSets(Track t) {
    if (t.depacketizer == null) {
      return Optional.empty();
    }
    Base64.Encoder b64 = Base64.getEncoder();
    Map<String, String> p = t.media.fmtpParameters();
    if (t.media.isH264()) {
      if (t.depacketizer.sps().isEmpty() || t.depacketizer.pps().isEmpty()) {
        return Optional.empty();
      }
      p.put("sprop-parameter-sets", b64.encodeToString(t.depacketizer.sps().get()) + ","
          + b64.encodeToString(t.depacketizer.pps().get()));
      p.putIfAbsent("packetization-mode", "1");
    } else {
      if (t.depacketizer.vps().isEmpty() || t.depacketizer.sps().isEmpty() || t.depacketizer.pps().isEmpty()) {
        return Optional.empty();
      }
      p.put("sprop-vps", b64.encodeToString(t.depacketizer.vps().get()));
      p.put("sprop-sps", b64.encodeToString(t.depacketizer.sps().get()));
      p.put("sprop-pps", b64.encodeToString(t.depacketizer.pps().get()));
    }
    StringBuilder b = new StringBuilder();
    p.forEach((k, v) -> b.append(b.length() == 0 ? "" : ";").append(k).append('=').append(v));
    return Optional.of(b.toString());
  }

  /** One RTP packet from the source; the caller keeps ownership of {@code packet}. Runs on the context. */
  void onRtp(int trackIndex, ByteBuf packet) {
    if (closed || trackIndex < 0 || trackIndex >= tracks.length) {
      stats.droppedPacket();
      return;
    }
    RtpHeader h;
    try {
      h = RtpHeader.parse(packet);
    } catch (RtpFormatException e) {
      stats.malformedPacket();
      LOG.debug("camera {}: dropped a packet on track {}: {}", cameraId, trackIndex, e.getMessage());
      return;
    }
    Track t = tracks[trackIndex];
    long now = System.nanoTime();
    if (!t.started) {
      t.started = true;
      t.ssrc = h.ssrc();
      t.sequence.reset(h.sequence());
    }
    if (t.sequence.update(h.sequence()) == SequenceTracker.Result.RESTART) {
      t.ssrc = h.ssrc();
    }
    t.sequence.arrival(h.timestamp(), now, t.media.clockRate());
    t.lastTimestamp = h.timestamp();
    t.lastArrivalNanos = now;
    stats.packet(packet.readableBytes());
    if (trackIndex == videoTrack) {
      stats.loss(t.sequence.lost(), t.sequence.jitter() * 1000.0 / t.media.clockRate());
      video(t, h, packet);
    } else {
      if (gopValid) {
        cache(new Slot(trackIndex, compact(packet)));
      }
      fanOut(trackIndex, packet);
    }
  }

  private void video(Track t, RtpHeader h, ByteBuf packet) {
    if (pendingTimestamp >= 0 && h.timestamp() != pendingTimestamp) {
      closeUnit(false); // the depacketizer reports the unit below if it was whole; here it only ends
    }
    List<AccessUnit> units = t.depacketizer.push(h, packet);
    pending.add(new Slot(videoTrack, compact(packet)));
    pendingTimestamp = h.timestamp();
    fanOut(videoTrack, packet);
    boolean keyNow = false;
    for (AccessUnit au : units) {
      stats.frame(au.keyframe(), clock.millis());
      if (au.keyframe()) {
        t.depacketizer.sps().flatMap(this::format).ifPresent(stats::format);
      }
      if (sink != null) {
        toSink(au);
      }
      if (au.rtpTimestamp() == h.timestamp()) {
        keyNow |= au.keyframe();
      } else if (au.keyframe()) {
        // A keyframe completed by this packet's new timestamp: it was the unit before; nothing cached it as
        // such, so the next keyframe starts the cache. Rare (a camera without marker bits).
        LOG.debug("camera {}: keyframe without marker bit", cameraId);
      }
    }
    stats.discarded(t.depacketizer.discardedUnits());
    if (h.marker()) {
      closeUnit(keyNow);
    }
  }

  /**
   * A right-sized copy for the keyframe cache: the packet as received is a slice of the connection's whole read
   * buffer, and keeping the slice would keep that buffer (about 0.5 MB per stream measured, for 130 KB of video).
   */
  private static ByteBuf compact(ByteBuf packet) {
    int n = packet.readableBytes();
    return ByteBufAllocator.DEFAULT.directBuffer(n, n).writeBytes(packet, packet.readerIndex(), n);
  }

  /** Hands a whole frame to the sink; whatever the sink does wrong, ingest and relay carry on. */
  private void toSink(AccessUnit au) {
    try {
      if (!framesOpened) {
        framesOpened = true;
        frames = sink.open(cameraId, tracks[videoTrack].media.isH264() ? "H264" : "H265", this::videoParameterSets);
      }
      if (frames != null) {
        frames.accessUnit(au);
      }
    } catch (RuntimeException e) {
      LOG.warn("camera {}: the frame sink failed; no more frames go to it from this stream", cameraId, e);
      frames = null;
    }
  }

  private List<byte[]> videoParameterSets() {
    Depacketizer d = tracks[videoTrack].depacketizer;
    List<byte[]> sets = new ArrayList<>(3);
    d.vps().ifPresent(sets::add);
    d.sps().ifPresent(sets::add);
    d.pps().ifPresent(sets::add);
    return sets;
  }

  private Optional<VideoFormat> format(byte[] sps) {
    return tracks[videoTrack].media.isH264() ? Sps.h264(sps) : Sps.h265(sps);
  }

  /** The access unit in {@code pending} is complete: cache it and start waiting readers at a keyframe. */
  private void closeUnit(boolean keyframe) {
    if (keyframe) {
      clearGop();
      gopValid = gopCacheBytes > 0;
      for (ReaderState r : readers.values()) {
        if (!r.live && writable(r, pending)) {
          r.live = true;
        }
      }
    }
    for (Slot s : pending) {
      if (gopValid) {
        cache(s);
      } else {
        s.packet().release();
      }
    }
    pending.clear();
    pendingTimestamp = -1;
  }

  /** Sends every packet to a reader about to go live; false (nothing more sent) as soon as it cannot take one. */
  private boolean writable(ReaderState r, Iterable<Slot> slots) {
    for (Slot s : slots) {
      if (!send(r, s.track(), s.packet())) {
        return false;
      }
    }
    return true;
  }

  private void cache(Slot s) {
    gop.add(s);
    gopBytes += s.packet().readableBytes();
    if (gopBytes > gopCacheBytes) {
      // A GOP this long is not worth holding: late readers wait for the next keyframe instead.
      clearGop();
      gopValid = false;
    }
  }

  private void clearGop() {
    for (Slot s : gop) {
      s.packet().release();
    }
    gop.clear();
    gopBytes = 0;
  }

  private void fanOut(int track, ByteBuf packet) {
    for (ReaderState r : readers.values()) {
      if (r.live && !send(r, track, packet)) {
        r.live = videoTrack < 0; // without keyframes to resync on, simply carry on
        r.skipped++;
        stats.readerSkipped();
      }
    }
  }

  private boolean send(ReaderState r, int track, ByteBuf packet) {
    if (!r.reader.sendRtp(track, packet)) {
      return false;
    }
    r.packets[track]++;
    r.octets[track] += Math.max(0, packet.readableBytes() - 12);
    return true;
  }

  /** An RTCP packet from the source: its sender report feeds our receiver reports. */
  void onRtcp(int trackIndex, ByteBuf packet) {
    if (closed || trackIndex < 0 || trackIndex >= tracks.length) {
      return;
    }
    Rtcp.findSenderReport(packet).ifPresent(sr -> {
      Track t = tracks[trackIndex];
      t.lastSenderReportNtpMiddle = (sr.ntpTime() >>> 16) & 0xffffffffL;
      t.lastSenderReportNanos = System.nanoTime();
    });
  }

  /**
   * Adds a reader: it starts with the packets since the last keyframe when they are cached, else at the
   * next keyframe. Fails when the stream has ended.
   */
  public Future<Void> addReader(Reader reader) {
    return onContext(() -> {
      if (closed) {
        throw new IllegalStateException("the stream of camera " + cameraId + " ended");
      }
      ReaderState r = new ReaderState(reader, tracks.length);
      readers.put(reader, r);
      stats.readers(readers.size());
      if (videoTrack < 0) {
        r.live = true;
      } else if (gopValid && !gop.isEmpty()) {
        r.live = writable(r, gop) && writable(r, pending);
      }
      return null;
    });
  }

  public Future<Void> removeReader(Reader reader) {
    return onContext(() -> {
      readers.remove(reader);
      stats.readers(readers.size());
      return null;
    });
  }

  /** Ends the stream: readers are told, cached packets released. Runs on the context. */
  void close(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    if (reportTimer >= 0) {
      context.owner().cancelTimer(reportTimer);
    }
    for (ReaderState r : readers.values()) {
      r.reader.streamEnded(reason);
    }
    readers.clear();
    stats.readers(0);
    clearGop();
    pending.forEach(s -> s.packet().release());
    pending.clear();
    if (frames != null) {
      try {
        frames.closed();
      } catch (RuntimeException e) {
        LOG.warn("camera {}: the frame sink failed at the stream's end", cameraId, e);
      }
      frames = null;
    }
    stats.ended();
  }

  /** Receiver reports to the source and sender reports to each reader, every few seconds. */
  private void report() {
    if (closed) {
      return;
    }
    ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    long nowNanos = System.nanoTime();
    Instant now = clock.instant();
    for (int i = 0; i < tracks.length; i++) {
      Track t = tracks[i];
      if (!t.started) {
        continue;
      }
      long dlsr = t.lastSenderReportNanos == 0 ? 0 : (nowNanos - t.lastSenderReportNanos) * 65_536 / 1_000_000_000L;
      ByteBuf rr = Rtcp.receiverReport(alloc, reporterSsrc, t.ssrc, t.sequence, t.lastSenderReportNtpMiddle, dlsr);
      try {
        publisher.sendRtcp(i, rr);
      } finally {
        rr.release();
      }
      long rtpNow = t.lastTimestamp + (nowNanos - t.lastArrivalNanos) * t.media.clockRate() / 1_000_000_000L;
      for (ReaderState r : readers.values()) {
        if (!r.live) {
          continue;
        }
        ByteBuf sr = Rtcp.senderReport(alloc, t.ssrc, Rtcp.ntpTime(now), rtpNow & 0xffffffffL, r.packets[i], r.octets[i]);
        try {
          r.reader.sendRtcp(i, sr);
        } finally {
          sr.release();
        }
      }
    }
  }

  private <T> Future<T> onContext(java.util.concurrent.Callable<T> work) {
    if (Context.isOnEventLoopThread() && context == io.vertx.core.Vertx.currentContext()) {
      try {
        return Future.succeededFuture(work.call());
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
    }
    io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
    context.runOnContext(v -> {
      try {
        p.complete(work.call());
      } catch (Exception e) {
        p.fail(e);
      }
    });
    return p.future();
  }
}
