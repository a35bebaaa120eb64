package org.safecity.gateway.rtsp.rtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.safecity.gateway.rtsp.rtp.Rtp.hex;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class RtpHeaderTest {

  private static ByteBuf buf(String hex) {
    return Unpooled.wrappedBuffer(hex(hex));
  }

  private static RtpHeader parse(String hex) throws RtpFormatException {
    return RtpHeader.parse(buf(hex));
  }

  @Test
  void fixedHeaderFields() throws RtpFormatException {
    // V=2 P=0 X=0 CC=0 | M=0 PT=96 | seq 0x1234 | ts 123456 | ssrc 0xdeadbeef | 3 payload bytes
    RtpHeader h = parse("80 60 1234 0001e240 deadbeef aabbcc");
    assertThat(h).isEqualTo(new RtpHeader(96, false, 0x1234, 123_456, 0xDEAD_BEEFL, 12, 3));
  }

  @Test
  void markerMaximalPayloadTypeAndUnsignedFields() throws RtpFormatException {
    RtpHeader h = parse("80 ff ffff ffffffff ffffffff");
    assertThat(h).isEqualTo(new RtpHeader(127, true, 65_535, 0xFFFF_FFFFL, 0xFFFF_FFFFL, 12, 0));
  }

  @Test
  void csrcListIsSkipped() throws RtpFormatException {
    RtpHeader h = parse("82 60 0001 00000002 00000003 11111111 22222222 aa");
    assertThat(h.payloadOffset()).isEqualTo(20);
    assertThat(h.payloadLength()).isEqualTo(1);
  }

  @Test
  void headerExtensionIsSkipped() throws RtpFormatException {
    // X=1: profile 0xBEDE, length 2 words (one-byte extension elements), then payload "cafe".
    RtpHeader h = parse("90 60 0001 00000002 00000003 bede0002 10ff0000 22334400 cafe");
    assertThat(h.payloadOffset()).isEqualTo(24);
    assertThat(h.payloadLength()).isEqualTo(2);
  }

  @Test
  void paddingIsRemovedFromThePayload() throws RtpFormatException {
    // P=1: the last byte counts the padding bytes, itself included.
    RtpHeader h = parse("a0 60 0001 00000002 00000003 c0ffee 000003");
    assertThat(h.payloadOffset()).isEqualTo(12);
    assertThat(h.payloadLength()).isEqualTo(3);
    assertThat(parse("a0 60 0001 00000002 00000003 01").payloadLength()).isZero();
  }

  @Test
  void csrcExtensionAndPaddingTogether() throws RtpFormatException {
    RtpHeader h = parse("b1 e0 fffe 00000002 00000003 44444444 abcd0001 55555555 0102 0202");
    assertThat(h).isEqualTo(new RtpHeader(96, true, 0xFFFE, 2, 3, 24, 2));
  }

  @Test
  void offsetIsAbsoluteAndIndexesDoNotMove() throws RtpFormatException {
    ByteBuf buf = buf("ffffffff 80 60 0001 00000002 00000003 aabb");
    buf.readerIndex(4);
    RtpHeader h = RtpHeader.parse(buf);
    assertThat(h.payloadOffset()).isEqualTo(16);
    assertThat(h.payloadLength()).isEqualTo(2);
    assertThat(buf.readerIndex()).isEqualTo(4);
    assertThat(buf.writerIndex()).isEqualTo(18);
    assertThat(buf.getByte(h.payloadOffset())).isEqualTo((byte) 0xAA);
  }

  @Test
  void shorterThanTheFixedHeader() {
    assertThatThrownBy(() -> parse("80 60 0001 00000002 000000"))
        .isInstanceOf(RtpFormatException.class)
        .hasMessage("RTP packet of 11 bytes, shorter than the 12-byte fixed header");
    assertThatThrownBy(() -> parse(""))
        .hasMessage("RTP packet of 0 bytes, shorter than the 12-byte fixed header");
  }

  @Test
  void wrongVersion() {
    assertThatThrownBy(() -> parse("40 60 0001 00000002 00000003")).hasMessage("RTP version 1, expected 2");
    assertThatThrownBy(() -> parse("00 60 0001 00000002 00000003")).hasMessage("RTP version 0, expected 2");
    assertThatThrownBy(() -> parse("c0 60 0001 00000002 00000003")).hasMessage("RTP version 3, expected 2");
  }

  @Test
  void csrcCountPastTheEnd() {
    assertThatThrownBy(() -> parse("8f 60 0001 00000002 00000003 11111111 22222222"))
        .hasMessage("CSRC count 15 needs a 72-byte header, packet has 20 bytes");
  }

  @Test
  void extensionHeaderMissing() {
    assertThatThrownBy(() -> parse("90 60 0001 00000002 00000003 bede00"))
        .hasMessage("header extension flag set but only 3 bytes follow the CSRC list, fewer than its 4-byte header");
  }

  @Test
  void extensionLongerThanThePacket() {
    assertThatThrownBy(() -> parse("90 60 0001 00000002 00000003 bede0003 00000000 00000000"))
        .hasMessage("header extension of 3 words needs a 28-byte header, packet has 24 bytes");
  }

  @Test
  void paddingFlagWithoutPayload() {
    assertThatThrownBy(() -> parse("a0 60 0001 00000002 00000003"))
        .hasMessage("padding flag set but no byte follows the header to hold the padding count");
  }

  @Test
  void paddingCountZero() {
    assertThatThrownBy(() -> parse("a0 60 0001 00000002 00000003 aabb00"))
        .hasMessage("padding count 0; with the padding flag set it must be at least 1");
  }

  @Test
  void paddingCountLargerThanThePayload() {
    assertThatThrownBy(() -> parse("a0 60 0001 00000002 00000003 aabb04"))
        .hasMessage("padding count 4 exceeds the 3 bytes after the header");
    // Padding may not eat into the extension either.
    assertThatThrownBy(() -> parse("b0 60 0001 00000002 00000003 bede0000 0103"))
        .hasMessage("padding count 3 exceeds the 2 bytes after the header");
  }

  @Test
  void recordRejectsOutOfRangeFields() {
    assertThatThrownBy(() -> new RtpHeader(128, false, 0, 0, 0, 12, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RtpHeader(96, false, 65_536, 0, 0, 12, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RtpHeader(96, false, 0, 1L << 32, 0, 12, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RtpHeader(96, false, 0, 0, -1, 12, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RtpHeader(96, false, 0, 0, 0, 12, -1)).isInstanceOf(IllegalArgumentException.class);
  }
}
