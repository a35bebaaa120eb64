package org.safecity.gateway.rtsp.rtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.safecity.gateway.rtsp.rtp.Rtp.hex;
import static org.safecity.gateway.rtsp.rtp.Rtp.nalsHex;
import static org.safecity.gateway.rtsp.rtp.Rtp.push;

import io.netty.buffer.ByteBuf;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-built RFC 6184 packets. Slice NAL units start their payload with 0x8x when they are the first
 * slice of a picture (first_mb_in_slice 0 is the single bit 1) and with 0x0x when they are not.
 */
class H264DepacketizerTest {

  private static final String SPS = "6742c01e da0280bf";
  private static final String PPS = "68ce3c80";
  private static final String IDR = "65888400aa";
  private static final String P_SLICE = "419a0102";

  private final H264Depacketizer d = new H264Depacketizer(8 << 20);

  @Test
  void singleNalUnitWithMarkerIsOneKeyframe() {
    List<AccessUnit> out = push(d, 1, 3000, true, IDR);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).rtpTimestamp()).isEqualTo(3000);
    assertThat(nalsHex(out.get(0))).containsExactly("65888400aa");
    assertThat(out.get(0).keyframe()).isTrue();
    assertThat(out.get(0).size()).isEqualTo(5);
  }

  @Test
  void nonIdrSliceIsNotAKeyframe() {
    AccessUnit unit = push(d, 1, 3000, true, P_SLICE).get(0);
    assertThat(unit.keyframe()).isFalse();
  }

  @Test
  void stapASplitsIntoItsNalUnitsAndCapturesParameterSets() {
    // STAP-A header 0x78 (NRI 3, type 24), then 16-bit size + NAL unit, three times.
    List<AccessUnit> out = push(d, 7, 90_000, true, "78 0008" + SPS + " 0004" + PPS + " 0005" + IDR);
    assertThat(out).hasSize(1);
    assertThat(nalsHex(out.get(0))).containsExactly("6742c01eda0280bf", "68ce3c80", "65888400aa");
    assertThat(out.get(0).keyframe()).isTrue();
    assertThat(d.sps()).hasValueSatisfying(sps -> assertThat(hex(sps)).isEqualTo("6742c01eda0280bf"));
    assertThat(d.pps()).hasValueSatisfying(pps -> assertThat(hex(pps)).isEqualTo("68ce3c80"));
    assertThat(d.vps()).isEmpty();
  }

  @Test
  void fuAStartMiddleEndRebuildsTheNalUnit() {
    // FU indicator 0x7c: F 0, NRI 3 (from the NAL header 0x65), type 28. FU header S/E bits + type 5.
    assertThat(push(d, 100, 3000, false, "7c 85 888400")).isEmpty();
    assertThat(push(d, 101, 3000, false, "7c 05 1122")).isEmpty();
    List<AccessUnit> out = push(d, 102, 3000, true, "7c 45 3344");
    assertThat(out).hasSize(1);
    assertThat(nalsHex(out.get(0))).containsExactly("658884001122" + "3344");
    assertThat(out.get(0).keyframe()).isTrue();
  }

  @Test
  void fragmentedSpsIsCapturedToo() {
    push(d, 1, 0, false, "7c 87 42c0");
    push(d, 2, 0, false, "7c 47 1eda");
    assertThat(d.sps()).hasValueSatisfying(sps -> assertThat(hex(sps)).isEqualTo("6742c01eda"));
  }

  @Test
  void timestampChangeEndsAUnitWithoutMarker() {
    assertThat(push(d, 1, 3000, false, SPS)).isEmpty();
    assertThat(push(d, 2, 3000, false, IDR)).isEmpty();
    List<AccessUnit> out = push(d, 3, 6600, false, P_SLICE);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).rtpTimestamp()).isEqualTo(3000);
    assertThat(nalsHex(out.get(0))).containsExactly("6742c01eda0280bf", "65888400aa");
    assertThat(nalsHex(push(d, 4, 10_200, false, P_SLICE).get(0))).containsExactly("419a0102");
  }

  @Test
  void oneTimestampChangeAndAMarkerCloseTwoUnitsAtOnce() {
    push(d, 1, 3000, false, IDR);
    List<AccessUnit> out = push(d, 2, 6600, true, P_SLICE);
    assertThat(out).extracting(AccessUnit::rtpTimestamp).containsExactly(3000L, 6600L);
  }

  @Test
  void multiSliceUnitKeepsSliceOrder() {
    push(d, 1, 3000, false, "41 9a 01");
    push(d, 2, 3000, false, "41 1a 02"); // first_mb_in_slice != 0: the second slice
    AccessUnit unit = push(d, 3, 3000, true, "41 0e 03").get(0);
    assertThat(nalsHex(unit)).containsExactly("419a01", "411a02", "410e03");
  }

  @Test
  void gapInTheMiddleOfAnFuDiscardsThatUnitAndTheNextIsEmitted() {
    push(d, 10, 3000, false, "7c 85 888400");
    push(d, 11, 3000, false, "7c 05 1122");
    // 12 is lost; 13 ends the FU and would rebuild a NAL unit with a hole in it.
    assertThat(push(d, 13, 3000, true, "7c 45 3344")).isEmpty();
    List<AccessUnit> next = push(d, 14, 6600, true, P_SLICE);
    assertThat(next).hasSize(1);
    assertThat(nalsHex(next.get(0))).containsExactly("419a0102");
    assertThat(d.discardedUnits()).isEqualTo(1);
    assertThat(d.malformedPackets()).isZero();
  }

  @Test
  void gapThatMayHaveHeldTheNextUnitsStartDiscardsItToo() {
    push(d, 1, 3000, true, IDR);
    // 2 (say, a STAP-A with SPS/PPS at 6600) is lost: the slice in 3 may be all that is left of its unit.
    assertThat(push(d, 3, 6600, true, P_SLICE)).isEmpty();
    assertThat(push(d, 4, 10_200, true, P_SLICE)).hasSize(1);
    assertThat(d.discardedUnits()).isEqualTo(1);
  }

  @Test
  void lostMarkerPacketDiscardsBothUnitsAroundTheGap() {
    push(d, 1, 3000, false, IDR);
    // 2, the end of the unit at 3000, is lost; 3 belongs to the unit at 6600, whose start may be lost too.
    assertThat(push(d, 3, 6600, false, P_SLICE)).isEmpty();
    assertThat(push(d, 4, 6600, true, "41 1a 02")).isEmpty();
    assertThat(nalsHex(push(d, 5, 10_200, true, P_SLICE).get(0))).containsExactly("419a0102");
    assertThat(d.discardedUnits()).isEqualTo(2);
  }

  @Test
  void fuWithoutItsStartIsDiscardedUntilTheNextUnit() {
    assertThat(push(d, 1, 3000, false, "7c 05 1122")).isEmpty();
    assertThat(push(d, 2, 3000, true, "7c 45 3344")).isEmpty();
    assertThat(push(d, 3, 6600, true, IDR)).hasSize(1);
    assertThat(d.malformedPackets()).isEqualTo(1);
    assertThat(d.discardedUnits()).isEqualTo(1);
  }

  @Test
  void fuStartBeforeThePreviousFuEndedIsMalformed() {
    push(d, 1, 3000, false, "7c 85 8811");
    push(d, 2, 3000, false, "7c 85 8822");
    assertThat(push(d, 3, 3000, true, "7c 45 33")).isEmpty();
    assertThat(d.malformedPackets()).isEqualTo(1);
  }

  @Test
  void unitEndingInsideAnFuIsDiscarded() {
    push(d, 1, 3000, false, "7c 85 8811");
    assertThat(push(d, 2, 3000, true, "7c 05 22")).isEmpty(); // marker, but no E bit
    assertThat(d.discardedUnits()).isEqualTo(1);
    assertThat(d.malformedPackets()).isEqualTo(1);
    assertThat(push(d, 3, 6600, true, P_SLICE)).hasSize(1);
  }

  @Test
  void singleNalBetweenFragmentsIsMalformed() {
    push(d, 1, 3000, false, "7c 85 8811");
    push(d, 2, 3000, false, P_SLICE);
    assertThat(push(d, 3, 3000, true, "7c 45 33")).isEmpty();
    assertThat(d.malformedPackets()).isEqualTo(1);
  }

  @Test
  void unitTooLargeIsDiscardedAndTheNextFits() {
    H264Depacketizer small = new H264Depacketizer(16);
    push(small, 1, 3000, false, "7c 85 8801020304050607");
    push(small, 2, 3000, false, "7c 05 08090a0b0c0d0e0f"); // 17 bytes with the rebuilt header
    assertThat(push(small, 3, 3000, true, "7c 45 10")).isEmpty();
    assertThat(small.discardedUnits()).isEqualTo(1);
    assertThat(small.heldBytes()).isZero();
    List<AccessUnit> next = push(small, 4, 6600, true, "41 9a0102030405060708090a0b0c0d0e"); // exactly 16
    assertThat(next).hasSize(1);
    assertThat(next.get(0).size()).isEqualTo(16);
  }

  @Test
  void lateAndDuplicatePacketsAreIgnoredAndCounted() {
    push(d, 5, 3000, false, SPS);
    push(d, 5, 3000, false, SPS); // duplicate
    push(d, 4, 3000, false, PPS); // older than 5
    List<AccessUnit> out = push(d, 6, 3000, true, IDR);
    assertThat(nalsHex(out.get(0))).containsExactly("6742c01eda0280bf", "65888400aa");
    assertThat(d.latePackets()).isEqualTo(2);
    assertThat(d.discardedUnits()).isZero();
  }

  @Test
  void sequenceWrapsInsideAnFu() {
    push(d, 65_534, 3000, false, "7c 85 88");
    push(d, 65_535, 3000, false, "7c 05 01");
    List<AccessUnit> out = push(d, 0, 3000, true, "7c 45 02");
    assertThat(nalsHex(out.get(0))).containsExactly("65880102");
  }

  @Test
  void unitMissingItsFirstSliceIsDiscarded() {
    // The stream is joined mid-picture: the first slice seen has first_mb_in_slice != 0.
    assertThat(push(d, 1, 3000, true, "41 1a 02")).isEmpty();
    assertThat(d.discardedUnits()).isEqualTo(1);
    assertThat(push(d, 2, 6600, true, P_SLICE)).hasSize(1);
  }

  @Test
  void unitOfParameterSetsAloneIsEmitted() {
    // Some cameras send SPS and PPS with a timestamp of their own.
    AccessUnit unit = push(d, 1, 3000, true, "78 0008" + SPS + " 0004" + PPS).get(0);
    assertThat(unit.nalUnits()).hasSize(2);
    assertThat(unit.keyframe()).isFalse();
  }

  @Test
  void interleavedModePacketTypesAreMalformed() {
    int seq = 1;
    for (String payload : List.of("79 0001 0004" + PPS, "7a 0001 0002", "7b 0001 0002", "7d 85 0001 88")) {
      assertThat(push(d, seq, 3000L * seq, true, payload)).isEmpty();
      seq++;
    }
    assertThat(d.malformedPackets()).isEqualTo(4);
    assertThat(d.discardedUnits()).isEqualTo(4);
  }

  @Test
  void badAggregationsAreMalformed() {
    List<String> bad = List.of(
        "78",                       // no NAL unit at all
        "78 0005 68ce3c80",         // size runs past the end
        "78 0004 68ce3c80 00",      // one stray byte after the last unit
        "78 0000 0004 68ce3c80",    // empty NAL unit
        "78 0002 7c85",             // an FU inside a STAP-A
        "78 0004 e8ce3c80",         // forbidden_zero_bit in an aggregated unit
        "7c 85",                    // FU start without data is allowed, but ...
        "7c c5 88",                 // ... S and E together is not
        "7c 9c 88",                 // FU of type 28 itself
        "7c",                       // FU indicator without FU header
        "e5 888400");               // forbidden_zero_bit on the packet's NAL header
    int seq = 1;
    for (String payload : bad) {
      push(d, seq, 3000L * seq, true, payload);
      seq++;
    }
    // "7c 85" is a valid start that the marker cuts short: malformed too, as an unfinished FU.
    assertThat(d.malformedPackets()).isEqualTo(bad.size());
    assertThat(d.latePackets()).isZero();
  }

  @Test
  void undefinedTypesAndEmptyPayloadsAreIgnored() {
    push(d, 1, 3000, false, "00 1122"); // type 0
    push(d, 2, 3000, false, "1e 1122"); // type 30
    push(d, 3, 3000, false, ""); // empty payload, e.g. only padding
    AccessUnit unit = push(d, 4, 3000, true, IDR).get(0);
    assertThat(nalsHex(unit)).containsExactly("65888400aa");
    assertThat(d.malformedPackets()).isZero();
  }

  @Test
  void seededParameterSetsAreReplacedByInBandOnes() {
    d.parameterSets(List.of(hex("6742c01e"), hex("68ce3c80"), hex("06 0501"), new byte[0]));
    assertThat(d.sps().map(Rtp::hex)).hasValue("6742c01e");
    assertThat(d.pps().map(Rtp::hex)).hasValue("68ce3c80");
    push(d, 1, 3000, true, "78 0008" + SPS + " 0005" + IDR);
    assertThat(d.sps().map(Rtp::hex)).hasValue("6742c01eda0280bf");
    assertThat(d.pps().map(Rtp::hex)).hasValue("68ce3c80");
  }

  @Test
  void returnedParameterSetsAreCopies() {
    push(d, 1, 3000, true, SPS);
    d.sps().orElseThrow()[0] = 0;
    assertThat(d.sps().map(Rtp::hex)).hasValue("6742c01eda0280bf");
  }

  @Test
  void headerThatDoesNotDescribeThePacketIsACallerBug() {
    ByteBuf packet = Rtp.packet(1, 3000, true, hex(IDR));
    RtpHeader foreign = new RtpHeader(96, true, 1, 3000, Rtp.SSRC, 12, 500);
    assertThatThrownBy(() -> d.push(foreign, packet)).isInstanceOf(IllegalArgumentException.class);
  }
}
