package org.safecity.load.rtsp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A pre-encoded H.264 file, packetized once and shared by every simulated camera. All RTP payloads live in one
 * read-only direct buffer that is never released; a camera sends a packet as its own 12-byte header followed
 * by a duplicate of the shared payload slice, so a thousand cameras cost one copy of the payload bytes and no
 * reference-count traffic between threads.
 */
public final class Clip {

  private final ByteBuf[] payloads;
  private final boolean[] marker;
  private final int[] auFirstPacket;
  private final boolean[] keyframe;
  private final int[] keyframeAus;
  private final byte[] sps;
  private final byte[] pps;
  private final int fps;
  private final long payloadBytes;
  private final int maxPayload;

  private Clip(List<H264Packetizer.Payload> packets, int[] auFirstPacket, boolean[] keyframe, byte[] sps, byte[] pps,
               int fps, int maxPayload) {
    long total = 0;
    for (H264Packetizer.Payload p : packets) {
      total += p.bytes().length;
    }
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("clip too large: " + total + " bytes of payload");
    }
    ByteBuf all = Unpooled.directBuffer((int) total);
    payloads = new ByteBuf[packets.size()];
    marker = new boolean[packets.size()];
    for (int i = 0; i < packets.size(); i++) {
      byte[] b = packets.get(i).bytes();
      int at = all.writerIndex();
      all.writeBytes(b);
      marker[i] = packets.get(i).marker();
      // Netty releases what it wrote; this wrapper ignores that, so the shared bytes stay for the whole run.
      payloads[i] = Unpooled.unreleasableBuffer(all.slice(at, b.length));
    }
    this.payloadBytes = total;
    this.auFirstPacket = auFirstPacket;
    this.keyframe = keyframe;
    List<Integer> keys = new ArrayList<>();
    for (int i = 0; i < keyframe.length; i++) {
      if (keyframe[i]) {
        keys.add(i);
      }
    }
    this.keyframeAus = keys.stream().mapToInt(Integer::intValue).toArray();
    this.sps = sps;
    this.pps = pps;
    this.fps = fps;
    this.maxPayload = maxPayload;
  }

  /** Reads an Annex-B file and packetizes it for RTP packets of at most {@code mtu} bytes (header included). */
  public static Clip load(Path file, int fps, int mtu) throws IOException {
    return of(Files.readAllBytes(file), fps, mtu);
  }

  public static Clip of(byte[] annexB, int fps, int mtu) {
    List<byte[]> nals = AnnexB.nals(annexB);
    List<AnnexB.AccessUnit> aus = AnnexB.accessUnits(nals);
    if (aus.isEmpty()) {
      throw new IllegalArgumentException("no H.264 access units in the file (expected an Annex-B .h264 stream)");
    }
    if (!aus.get(0).keyframe()) {
      throw new IllegalArgumentException("the file must start with an IDR access unit (it is looped)");
    }
    int maxPayload = mtu - H264Packetizer.RTP_HEADER;
    List<H264Packetizer.Payload> packets = new ArrayList<>();
    int[] first = new int[aus.size() + 1];
    boolean[] key = new boolean[aus.size()];
    for (int i = 0; i < aus.size(); i++) {
      first[i] = packets.size();
      key[i] = aus.get(i).keyframe();
      packets.addAll(H264Packetizer.accessUnit(aus.get(i), maxPayload));
    }
    first[aus.size()] = packets.size();
    byte[] sps = AnnexB.first(nals, 7);
    byte[] pps = AnnexB.first(nals, 8);
    if (sps == null || pps == null) {
      throw new IllegalArgumentException("the file has no SPS/PPS");
    }
    return new Clip(packets, first, key, sps, pps, fps, maxPayload);
  }

  public int accessUnits() {
    return keyframe.length;
  }

  public int packets() {
    return payloads.length;
  }

  public int firstPacket(int au) {
    return auFirstPacket[au];
  }

  /** One past the last packet of {@code au}. */
  public int endPacket(int au) {
    return auFirstPacket[au + 1];
  }

  public boolean keyframe(int au) {
    return keyframe[au];
  }

  /** Access units that hold an IDR: where a camera may start. */
  public int[] keyframeAccessUnits() {
    return keyframeAus.clone();
  }

  int keyframeAu(int i) {
    return keyframeAus[Math.floorMod(i, keyframeAus.length)];
  }

  /** A fresh view of packet {@code i}'s payload (own indexes, shared bytes, not releasable). */
  public ByteBuf payload(int i) {
    return payloads[i].duplicate();
  }

  public int payloadLength(int i) {
    return payloads[i].readableBytes();
  }

  public boolean marker(int i) {
    return marker[i];
  }

  public int fps() {
    return fps;
  }

  public int maxPayload() {
    return maxPayload;
  }

  public double seconds() {
    return (double) accessUnits() / fps;
  }

  /** RTP packets per second and bits per second (RTP header and payload) of one camera sending the clip. */
  public double packetsPerSecond() {
    return packets() / seconds();
  }

  public double rtpBitsPerSecond() {
    return (payloadBytes + (long) H264Packetizer.RTP_HEADER * packets()) * 8 / seconds();
  }

  /** The SDP a publisher ANNOUNCEs: one H.264 track, control {@code trackID=0}, payload type 96. */
  public String sdp(String host, String name) {
    Base64.Encoder b64 = Base64.getEncoder();
    return "v=0\r\n"
        + "o=- 0 0 IN IP4 " + host + "\r\n"
        + "s=" + name + "\r\n"
        + "c=IN IP4 " + host + "\r\n"
        + "t=0 0\r\n"
        + "m=video 0 RTP/AVP 96\r\n"
        + "a=rtpmap:96 H264/90000\r\n"
        + "a=fmtp:96 packetization-mode=1;profile-level-id=" + H264Packetizer.profileLevelId(sps)
        + ";sprop-parameter-sets=" + b64.encodeToString(sps) + "," + b64.encodeToString(pps) + "\r\n"
        + "a=control:trackID=0\r\n";
  }

  public String describe() {
    return String.format(Locale.ROOT, "%d frames (%.1f s at %d fps, %d keyframes), %d RTP packets, %.0f kbit/s RTP, "
            + "%.0f packets/s", accessUnits(), seconds(), fps, keyframeAus.length, packets(), rtpBitsPerSecond() / 1000,
        packetsPerSecond());
  }
}
