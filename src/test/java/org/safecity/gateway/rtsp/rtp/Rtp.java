package org.safecity.gateway.rtsp.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import java.util.List;

/** Builds RTP packets by hand for the tests: PT 96, SSRC 0x11223344, no CSRC, extension or padding. */
final class Rtp {

  static final int PT = 96;
  static final long SSRC = 0x1122_3344L;

  private Rtp() {
  }

  /** Bytes from hex, spaces allowed for readability. */
  static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex.replace(" ", ""));
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  static ByteBuf packet(int seq, long timestamp, boolean marker, byte[] payload) {
    ByteBuf buf = Unpooled.buffer(12 + payload.length);
    buf.writeByte(0x80);
    buf.writeByte((marker ? 0x80 : 0) | PT);
    buf.writeShort(seq);
    buf.writeInt((int) timestamp);
    buf.writeInt((int) SSRC);
    buf.writeBytes(payload);
    return buf;
  }

  /** Parses the packet's header and pushes it, as the server does. */
  static List<AccessUnit> push(Depacketizer d, int seq, long timestamp, boolean marker, String payloadHex) {
    return push(d, packet(seq, timestamp, marker, hex(payloadHex)));
  }

  static List<AccessUnit> push(Depacketizer d, ByteBuf packet) {
    try {
      return d.push(RtpHeader.parse(packet), packet);
    } catch (RtpFormatException e) {
      throw new AssertionError("test built an invalid packet", e);
    }
  }

  /** The NAL units of an access unit as hex, for readable assertions. */
  static List<String> nalsHex(AccessUnit unit) {
    return unit.nalUnits().stream().map(Rtp::hex).toList();
  }
}
