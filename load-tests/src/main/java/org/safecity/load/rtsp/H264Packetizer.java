package org.safecity.load.rtsp;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 6184 packetization (packetization-mode=1) of H.264 NAL units: a NAL unit that fits goes as a single NAL
 * unit packet, a larger one as FU-A fragments. The marker bit goes on the last packet of an access unit. STAP-A
 * is not used: SPS and PPS go in packets of their own, as most cameras and ffmpeg send them.
 */
public final class H264Packetizer {

  /** RTP fixed header size (no CSRC, no extension). */
  public static final int RTP_HEADER = 12;
  static final int FU_A = 28;

  /** One RTP payload and whether its packet carries the marker bit. */
  public record Payload(byte[] bytes, boolean marker) {
  }

  private H264Packetizer() {
  }

  /**
   * The payloads of one NAL unit for RTP packets of at most {@code maxPayload} payload bytes: the NAL itself when
   * it fits, else FU-A fragments (indicator = F|NRI of the NAL, type 28; header = S/E bits and the NAL type; the
   * NAL header byte itself is not repeated in the fragments).
   */
  public static List<byte[]> payloads(byte[] nal, int maxPayload) {
    if (maxPayload < 3) {
      throw new IllegalArgumentException("maxPayload must leave room for the FU-A headers and one byte");
    }
    if (nal.length <= maxPayload) {
      return List.of(nal);
    }
    List<byte[]> out = new ArrayList<>();
    byte indicator = (byte) ((nal[0] & 0xe0) | FU_A);
    int type = nal[0] & 0x1f;
    int chunk = maxPayload - 2;
    for (int pos = 1; pos < nal.length; pos += chunk) {
      int len = Math.min(chunk, nal.length - pos);
      byte[] p = new byte[len + 2];
      p[0] = indicator;
      int header = type;
      if (pos == 1) {
        header |= 0x80; // S
      }
      if (pos + len == nal.length) {
        header |= 0x40; // E
      }
      p[1] = (byte) header;
      System.arraycopy(nal, pos, p, 2, len);
      out.add(p);
    }
    return out;
  }

  /** Every payload of one access unit, the last one with the marker bit. */
  public static List<Payload> accessUnit(AnnexB.AccessUnit au, int maxPayload) {
    List<byte[]> all = new ArrayList<>();
    for (byte[] nal : au.nals()) {
      all.addAll(payloads(nal, maxPayload));
    }
    List<Payload> out = new ArrayList<>(all.size());
    for (int i = 0; i < all.size(); i++) {
      out.add(new Payload(all.get(i), i == all.size() - 1));
    }
    return out;
  }

  /** Writes the 12-byte RTP header: version 2, no padding/extension/CSRC. */
  public static void writeHeader(ByteBuf out, boolean marker, int payloadType, int sequence, long timestamp,
                                 long ssrc) {
    out.writeByte(0x80);
    out.writeByte((marker ? 0x80 : 0) | (payloadType & 0x7f));
    out.writeShort(sequence & 0xffff);
    out.writeInt((int) timestamp);
    out.writeInt((int) ssrc);
  }

  /** The same header as a byte array (tests, one-off packets). */
  public static byte[] header(boolean marker, int payloadType, int sequence, long timestamp, long ssrc) {
    byte[] h = new byte[RTP_HEADER];
    h[0] = (byte) 0x80;
    h[1] = (byte) ((marker ? 0x80 : 0) | (payloadType & 0x7f));
    h[2] = (byte) (sequence >>> 8);
    h[3] = (byte) sequence;
    h[4] = (byte) (timestamp >>> 24);
    h[5] = (byte) (timestamp >>> 16);
    h[6] = (byte) (timestamp >>> 8);
    h[7] = (byte) timestamp;
    h[8] = (byte) (ssrc >>> 24);
    h[9] = (byte) (ssrc >>> 16);
    h[10] = (byte) (ssrc >>> 8);
    h[11] = (byte) ssrc;
    return h;
  }

  /** {@code profile-level-id} for the SDP: the three bytes after the SPS header, in hex. */
  public static String profileLevelId(byte[] sps) {
    if (sps == null || sps.length < 4) {
      return "42e01f";
    }
    return String.format("%02x%02x%02x", sps[1] & 0xff, sps[2] & 0xff, sps[3] & 0xff);
  }

  /** Reassembles FU-A fragments into the NAL unit (tests). */
  static byte[] reassemble(List<byte[]> fragments) {
    if (fragments.size() == 1 && (fragments.get(0)[0] & 0x1f) != FU_A) {
      return fragments.get(0);
    }
    byte[] first = fragments.get(0);
    int len = 1;
    for (byte[] f : fragments) {
      len += f.length - 2;
    }
    byte[] nal = new byte[len];
    nal[0] = (byte) ((first[0] & 0xe0) | (first[1] & 0x1f));
    int pos = 1;
    for (byte[] f : fragments) {
      System.arraycopy(f, 2, nal, pos, f.length - 2);
      pos += f.length - 2;
    }
    return Arrays.copyOf(nal, pos);
  }
}
