package org.safecity.gateway.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 6184 packetization (packetization-mode=1) of H.264 NAL units, as in the load tests' camera simulator: a NAL
 * unit that fits goes as a single NAL unit packet, a larger one as FU-A fragments; the marker bit goes on the last
 * packet of an access unit. SPS and PPS go in packets of their own, as most cameras and ffmpeg send them.
 */
final class H264Packetizer {

  /** RTP fixed header size (no CSRC, no extension). */
  static final int RTP_HEADER = 12;
  static final int FU_A = 28;

  /** One RTP payload and whether its packet carries the marker bit. */
  record Payload(byte[] bytes, boolean marker) {
  }

  private H264Packetizer() {
  }

  /** The payloads of one NAL unit for packets of at most {@code maxPayload} payload bytes. */
  static List<byte[]> payloads(byte[] nal, int maxPayload) {
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
  static List<Payload> accessUnit(AnnexB.AccessUnit au, int maxPayload) {
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

  /** {@code profile-level-id} for the SDP: the three bytes after the SPS header, in hex. */
  static String profileLevelId(byte[] sps) {
    if (sps == null || sps.length < 4) {
      return "42e01f";
    }
    return String.format("%02x%02x%02x", sps[1] & 0xff, sps[2] & 0xff, sps[3] & 0xff);
  }
}
