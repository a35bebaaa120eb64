package org.safecity.load.rtsp;

import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.safecity.load.Histogram;

/**
 * A reader of one camera: DESCRIBE, SETUP (TCP interleaved), PLAY, then counts what arrives. Loss is read from
 * gaps in the RTP sequence numbers it receives. When the server relays packets unchanged (same sequence numbers
 * as the camera sent), each packet's latency is its arrival time minus the time the simulated camera wrote the
 * packet with that sequence number, both taken in this process.
 */
final class SimReader extends RtspClient {

  private final SimPublisher source;
  private final boolean matchSequence;
  private final Supplier<Histogram> latency;
  private final int describeRetries;
  private int describes;
  private String setupUrl;
  private int rtpChannel = 0;
  private int expected = -1;

  // Written on the reader's event loop; read by stats lines (racy) and by snapshots taken on the loop.
  long packets;
  long bytes;
  long lost;
  long reordered;
  long matched;
  long unmatched;

  SimReader(String id, String url, String user, String password, Duration keepalive, SimCounters counters,
            SimPublisher source, boolean matchSequence, Supplier<Histogram> latency, int describeRetries) {
    super(id, url, user, password, keepalive, counters);
    this.source = source;
    this.matchSequence = matchSequence;
    this.latency = latency;
    this.describeRetries = describeRetries;
  }

  @Override
  void begin() {
    describes++;
    request("DESCRIBE", url, "Accept: application/sdp\r\n", null, null);
  }

  @Override
  void refused(String method, RtspClientDecoder.Response r) {
    if (method.equals("DESCRIBE") && r.status() == 404 && describes <= describeRetries) {
      // The camera's stream may not be announced yet (or its SPS not seen): ask again shortly.
      channel.eventLoop().schedule(this::begin, 1, TimeUnit.SECONDS);
      return;
    }
    super.refused(method, r);
  }

  @Override
  void ok(String method, RtspClientDecoder.Response r) {
    switch (method) {
      case "DESCRIBE" -> {
        setupUrl = controlUrl(r.header("content-base") != null ? r.header("content-base") : url, r.body());
        request("SETUP", setupUrl, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n", null, null);
      }
      case "SETUP" -> {
        session = sessionOf(r);
        rtpChannel = interleavedChannel(r, 0);
        request("PLAY", url, "Range: npt=0.000-\r\n", null, null);
      }
      case "PLAY" -> streaming();
      default -> {
      }
    }
  }

  @Override
  public void interleaved(int channel, ByteBuf buf, int index, int length) {
    if (channel != rtpChannel || length < H264Packetizer.RTP_HEADER) {
      return; // RTCP sender reports
    }
    long now = System.nanoTime();
    int seq = buf.getUnsignedShort(index + 2);
    packets++;
    bytes += length;
    if (expected >= 0 && seq != expected) {
      int gap = (seq - expected) & 0xffff;
      if (gap < 0x8000) {
        lost += gap;
      } else {
        reordered++; // older than expected: late or duplicate
        return;
      }
    }
    expected = (seq + 1) & 0xffff;
    if (matchSequence) {
      long sent = source.sentNanos(seq);
      if (sent > 0) {
        latency.get().recordNanos(now - sent);
        matched++;
      } else {
        unmatched++;
      }
    }
  }

  /** The SETUP URL of the first video (else first) media section's {@code a=control}, resolved against base. */
  static String controlUrl(String base, String sdp) {
    String first = null;
    String video = null;
    String current = null;
    boolean currentVideo = false;
    int sections = 0;
    for (String raw : (sdp + "\nm=end").split("\r?\n")) {
      String line = raw.trim();
      if (line.startsWith("m=")) {
        if (sections > 0) {
          if (first == null) {
            first = current == null ? "" : current;
          }
          if (currentVideo && video == null) {
            video = current == null ? "" : current;
          }
        }
        sections++;
        current = null;
        currentVideo = line.startsWith("m=video");
      } else if (line.startsWith("a=control:") && sections > 0 && current == null) {
        current = line.substring("a=control:".length()).trim();
      }
    }
    String control = video != null ? video : first;
    if (control == null || control.isEmpty() || control.equals("*")) {
      return base;
    }
    if (control.startsWith("rtsp://") || control.startsWith("rtsps://")) {
      return control;
    }
    return base.endsWith("/") ? base + control : base + "/" + control;
  }
}
