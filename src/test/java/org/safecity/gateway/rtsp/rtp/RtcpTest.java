package org.safecity.gateway.rtsp.rtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.rtsp.rtp.Rtp.hex;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RtcpTest {

  private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
  /** SDES chunk after the SSRC: CNAME item (type 1, length 16, "safecity-gateway"), null item, padding. */
  private static final String CNAME = "0110 73616665636974792d67617465776179 0000";
  private static final long NTP_2024 = 0xE9F1_CD70_8000_0000L; // 2024-05-17T12:34:56.5Z

  private static String hexOf(ByteBuf buf) {
    try {
      return ByteBufUtil.hexDump(buf);
    } finally {
      buf.release();
    }
  }

  private static String spaced(String hex) {
    return hex.replace(" ", "");
  }

  @Test
  void receiverReportBytes() {
    SequenceTracker t = new SequenceTracker();
    for (int seq : new int[] {65_530, 65_531, 65_532, 65_534, 65_535, 0, 2, 3}) { // 65533 and 1 lost
      t.update(seq);
    }
    t.arrival(0, 0, 90_000);
    t.arrival(3600, 50_000_000L, 90_000); // 10 ms late: jitter 900 / 16 = 56
    ByteBuf rr = Rtcp.receiverReport(ALLOC, 0x0102_0304L, 0xDEAD_BEEFL, t, 0x1234_5678L, 0x1_8000L);
    assertThat(hexOf(rr)).isEqualTo(spaced(""
        + "81 c9 0007" // V=2, RC=1, RR, 8 words
        + " 01020304" // reporter
        + " deadbeef" // source
        + " 33 000002" // fraction lost 2/10 = 51/256, cumulative lost 2
        + " 00010003" // extended highest: one wrap, then 3
        + " 00000038" // jitter 56
        + " 12345678" // LSR
        + " 00018000" // DLSR 1.5 s
        + " 81 ca 0006 01020304 " + CNAME)); // SDES, one chunk, 7 words
  }

  @Test
  void receiverReportClampsNegativeLossAndRestartsTheInterval() {
    SequenceTracker t = new SequenceTracker();
    t.update(7);
    t.update(7);
    t.update(8);
    ByteBuf first = Rtcp.receiverReport(ALLOC, 1, 2, t, 0, 0);
    assertThat(first.getInt(12)).as("fraction and cumulative lost").isZero();
    assertThat(first.getUnsignedInt(16)).isEqualTo(8);
    first.release();
    t.update(10);
    ByteBuf second = Rtcp.receiverReport(ALLOC, 1, 2, t, 0, 0);
    assertThat(second.getUnsignedByte(12)).isEqualTo((short) 128); // 1 of the 2 expected since the first report
    assertThat(second.getUnsignedMedium(13)).isZero(); // cumulative: 4 expected, 4 received
    second.release();
  }

  @Test
  void senderReportBytes() {
    ByteBuf sr = Rtcp.senderReport(ALLOC, 0xCAFE_BABEL, NTP_2024, 0x1122_3344L, 1000, 0x1_0000_0005L);
    assertThat(hexOf(sr)).isEqualTo(spaced(""
        + "80 c8 0006" // V=2, RC=0, SR, 7 words
        + " cafebabe"
        + " e9f1cd70 80000000" // NTP
        + " 11223344" // RTP timestamp
        + " 000003e8" // packets
        + " 00000005" // octets, modulo 2^32
        + " 81 ca 0006 cafebabe " + CNAME));
  }

  @Test
  void ntpTime() {
    assertThat(Rtcp.ntpTime(Instant.EPOCH)).isEqualTo(0x83AA_7E80_0000_0000L); // 2,208,988,800 s after 1900
    assertThat(Rtcp.ntpTime(Instant.parse("2024-05-17T12:34:56.5Z"))).isEqualTo(NTP_2024);
    assertThat(Rtcp.ntpTime(Instant.parse("2036-02-07T06:28:16Z"))).isZero(); // era 1 begins
    assertThat(Rtcp.ntpTime(Instant.parse("2024-05-17T12:34:56.999999999Z")) & 0xFFFF_FFFFL)
        .isEqualTo(0xFFFF_FFFBL); // the fraction rounds down
    assertThat(Rtcp.middle32(NTP_2024)).isEqualTo(0xCD70_8000L);
  }

  @Test
  void findsTheSenderReportInACompoundPacket() {
    ByteBuf compound = Rtcp.senderReport(ALLOC, 0xCAFE_BABEL, NTP_2024, 0x1122_3344L, 1000, 5);
    assertThat(Rtcp.findSenderReport(compound))
        .hasValue(new Rtcp.SenderInfo(0xCAFE_BABEL, NTP_2024, 0x1122_3344L, 1000, 5));
    assertThat(compound.readerIndex()).isZero();
    compound.release();
  }

  @Test
  void skipsReportBlocksAndOtherPackets() {
    // An SR with one report block, an SDES and an APP packet, behind two bytes the reader has passed.
    ByteBuf compound = Unpooled.wrappedBuffer(hex("ffff"
        + "81 c8 000c 00000009 e9f1cd70 80000000 00000064 00000002 00000400"
        + "   00000001 00000000 00000010 00000000 00000000 00000000"
        + "81 ca 0002 00000009 00000000"
        + "80 cc 0002 00000009 41424344"));
    compound.readerIndex(2);
    assertThat(Rtcp.findSenderReport(compound)).hasValue(new Rtcp.SenderInfo(9, NTP_2024, 100, 2, 1024));
    assertThat(compound.readerIndex()).isEqualTo(2);
  }

  @Test
  void receiverReportHoldsNoSenderInfo() {
    SequenceTracker t = new SequenceTracker();
    t.update(1);
    ByteBuf rr = Rtcp.receiverReport(ALLOC, 1, 2, t, 0, 0);
    assertThat(Rtcp.findSenderReport(rr)).isEmpty();
    rr.release();
  }

  @Test
  void everyTruncationOfACompoundIsRejectedUnlessItEndsOnAPacket() {
    byte[] whole = ByteBufUtil.getBytes(Rtcp.senderReport(ALLOC, 1, NTP_2024, 2, 3, 4));
    for (int n = 0; n <= whole.length; n++) {
      Optional<Rtcp.SenderInfo> found = Rtcp.findSenderReport(Unpooled.wrappedBuffer(whole, 0, n));
      assertThat(found.isPresent()).as("%d of %d bytes", n, whole.length).isEqualTo(n == 28 || n == 56);
    }
  }

  @Test
  void malformedCompoundsAreEmpty() {
    String sr = "80 c8 0006 00000001 e9f1cd70 80000000 00000002 00000003 00000004";
    assertThat(find(sr)).isPresent();
    assertThat(find("40" + sr.substring(2))).as("version 1").isEmpty();
    assertThat(find("80 c8 0007" + sr.substring(10))).as("length past the end").isEmpty();
    assertThat(find(sr + " 81ca")).as("stray bytes after the last packet").isEmpty();
    assertThat(find("81" + sr.substring(2))).as("one report block that is not there").isEmpty();
    assertThat(find("80 c8 0000 00000001")).as("SR without sender info").isEmpty();
    assertThat(find(sr + " a0 cc 0001 00000000")).as("padding count 0").isEmpty();
    assertThat(find(sr + " a0 cc 0001 00000005")).as("padding count past the packet").isEmpty();
    assertThat(find(sr + " a0 cc 0001 00000004")).as("padding of the whole body").isPresent();
    assertThat(find("a0" + sr.substring(2, sr.length() - 2) + "04")).as("padding cuts into sender info").isEmpty();
    assertThat(find("")).isEmpty();
  }

  @Test
  void randomBytesNeverThrow() {
    Random random = new Random(7);
    byte[] valid = ByteBufUtil.getBytes(Rtcp.senderReport(ALLOC, 1, NTP_2024, 2, 3, 4));
    for (int i = 0; i < 50_000; i++) {
      byte[] bytes = valid.clone();
      for (int f = random.nextInt(4); f >= 0; f--) {
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      }
      int from = random.nextInt(8);
      int length = random.nextInt(bytes.length - from + 1);
      Rtcp.findSenderReport(Unpooled.wrappedBuffer(bytes, from, length));
    }
  }

  private static Optional<Rtcp.SenderInfo> find(String hex) {
    return Rtcp.findSenderReport(Unpooled.wrappedBuffer(hex(hex)));
  }
}
