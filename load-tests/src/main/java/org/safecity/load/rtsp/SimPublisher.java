package org.safecity.load.rtsp;

import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * A simulated camera pushing the shared clip: ANNOUNCE (SDP), SETUP (TCP interleaved, mode=record), RECORD,
 * then one access unit every frame period, looped, with its own SSRC, sequence numbers and 90 kHz timestamps.
 * A frame is written when it is due and flushed as one burst, as an encoder hands it over.
 *
 * <p>Pacing is done by {@link #tick} from the event loop's shared timer; when the socket cannot take more (the
 * server is behind by more than the write buffer's high-water mark) the frame is dropped like a camera whose
 * buffer is full: its sequence numbers are used up, so the server sees the gap.
 */
final class SimPublisher extends RtspClient {

  static final int PAYLOAD_TYPE = 96;
  static final int RING = 4096;

  private final Clip clip;
  private final long frameNanos;
  private final long tsStep;
  private final String host;
  private final long lateNanos;
  final long ssrc;
  private int seq;
  private final long tsBase;
  private long frames;
  private int au;
  private int rtpChannel = 0;
  private long nextFrameNanos;
  private final long phaseNanos;
  /** Send times by sequence number, for the readers' latency; null when nobody reads this camera. */
  private long[] sentAt;
  private int[] sentSeq;

  // Written on the event loop; read by the stats line (racy, for display) and by snapshots taken on the loop.
  long sentPackets;
  long sentBytes;
  long droppedPackets;
  long lateFrames;
  long maxLagNanos;
  boolean stopped;

  SimPublisher(String id, String url, String user, String password, Duration keepalive, SimCounters counters,
               Clip clip, String host, long seed, Duration late) {
    super(id, url, user, password, keepalive, counters);
    this.clip = clip;
    this.host = host;
    this.frameNanos = 1_000_000_000L / clip.fps();
    this.tsStep = 90_000 / clip.fps();
    this.lateNanos = late.toNanos();
    SplittableRandom r = new SplittableRandom(seed);
    this.ssrc = r.nextLong(1L << 32);
    this.seq = r.nextInt(65_536);
    this.tsBase = r.nextLong(1L << 32);
    this.au = clip.keyframeAu(r.nextInt(1 << 20));
    this.phaseNanos = r.nextLong(frameNanos);
  }

  /** Keeps send times so a reader of this camera can match its packets (call before streaming starts). */
  void track() {
    sentAt = new long[RING];
    sentSeq = new int[RING];
    java.util.Arrays.fill(sentSeq, -1);
  }

  @Override
  void begin() {
    request("ANNOUNCE", url, null, "application/sdp", clip.sdp(host, id));
  }

  @Override
  void ok(String method, RtspClientDecoder.Response r) {
    switch (method) {
      case "ANNOUNCE" -> request("SETUP", url + "/trackID=0",
          "Transport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n", null, null);
      case "SETUP" -> {
        session = sessionOf(r);
        rtpChannel = interleavedChannel(r, 0);
        request("RECORD", url, "Range: npt=0.000-\r\n", null, null);
      }
      case "RECORD" -> {
        nextFrameNanos = System.nanoTime() + phaseNanos;
        streaming();
      }
      default -> {
      }
    }
  }

  @Override
  public void interleaved(int channel, ByteBuf buf, int index, int length) {
    // The server's RTCP receiver reports: nothing to do with them.
  }

  /** Sends every frame that is due by {@code now}; called by the loop's pacer. */
  void tick(long now) {
    if (state != State.STREAMING || stopped) {
      return;
    }
    int sent = 0;
    while (now - nextFrameNanos >= 0 && sent < 25) {
      long lag = now - nextFrameNanos;
      if (lag > maxLagNanos) {
        maxLagNanos = lag;
      }
      if (lag > lateNanos) {
        lateFrames++;
      }
      frame(now);
      nextFrameNanos += frameNanos;
      sent++;
    }
    if (sent > 0) {
      channel.flush();
    }
    if (now - nextFrameNanos > frameNanos * 25) {
      // More than a second behind (the generator was starved): skip ahead rather than burst for ever.
      long behind = (now - nextFrameNanos) / frameNanos;
      lateFrames += behind;
      nextFrameNanos += behind * frameNanos;
    }
  }

  private void frame(long now) {
    int from = clip.firstPacket(au);
    int to = clip.endPacket(au);
    long ts = (tsBase + frames * tsStep) & 0xffffffffL;
    if (!channel.isWritable()) {
      droppedPackets += to - from;
      seq = (seq + to - from) & 0xffff;
    } else {
      for (int i = from; i < to; i++) {
        int len = clip.payloadLength(i);
        ByteBuf h = channel.alloc().directBuffer(16);
        h.writeByte('$').writeByte(rtpChannel).writeShort(H264Packetizer.RTP_HEADER + len);
        H264Packetizer.writeHeader(h, clip.marker(i), PAYLOAD_TYPE, seq, ts, ssrc);
        channel.write(h, channel.voidPromise());
        channel.write(clip.payload(i), channel.voidPromise());
        if (sentAt != null) {
          sentAt[seq & (RING - 1)] = now;
          sentSeq[seq & (RING - 1)] = seq;
        }
        sentPackets++;
        sentBytes += H264Packetizer.RTP_HEADER + len;
        seq = (seq + 1) & 0xffff;
      }
    }
    frames++;
    au++;
    if (au == clip.accessUnits()) {
      au = 0;
    }
  }

  /** When packet {@code sequence} was written, or -1 when unknown (not tracked, or overwritten). */
  long sentNanos(int sequence) {
    int[] s = sentSeq;
    if (s == null) {
      return -1;
    }
    int i = sequence & (RING - 1);
    return s[i] == sequence ? sentAt[i] : -1;
  }
}
