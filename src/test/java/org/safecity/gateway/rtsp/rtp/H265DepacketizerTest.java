package org.safecity.gateway.rtsp.rtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.rtsp.rtp.Rtp.hex;
import static org.safecity.gateway.rtsp.rtp.Rtp.nalsHex;
import static org.safecity.gateway.rtsp.rtp.Rtp.push;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-built RFC 7798 packets. NAL unit headers are two bytes: type in bits 1..6 of the first,
 * nuh_temporal_id_plus1 in the low 3 bits of the second. A slice's first payload bit is
 * first_slice_segment_in_pic_flag.
 */
class H265DepacketizerTest {

  private static final String VPS = "4001 0c01ffff";
  private static final String SPS = "4201 0101";
  private static final String PPS = "4401 c172";
  private static final String IDR = "2601 af0910"; // IDR_W_RADL, type 19
  private static final String TRAIL = "0201 d044"; // TRAIL_R, type 1

  private final H265Depacketizer d = new H265Depacketizer(8 << 20);

  @Test
  void singleNalUnitIrapIsAKeyframe() {
    AccessUnit unit = push(d, 1, 3000, true, IDR).get(0);
    assertThat(nalsHex(unit)).containsExactly("2601af0910");
    assertThat(unit.keyframe()).isTrue();
  }

  @Test
  void everyIrapTypeIsAKeyframeAndOthersAreNot() {
    int seq = 1;
    for (int type = 0; type <= 21; type++) {
      String nal = String.format("%02x01 80", type << 1);
      AccessUnit unit = push(d, seq, 3000L * seq, true, nal).get(0);
      seq++;
      assertThat(unit.keyframe()).as("type %d", type).isEqualTo(type >= 16);
    }
  }

  @Test
  void aggregationPacketSplitsAndCapturesAllThreeParameterSets() {
    // AP header 0x6001 (type 48, TID 1), then 16-bit size + NAL unit, without DONL fields.
    AccessUnit unit =
        push(d, 1, 3000, true, "6001 0006" + VPS + " 0004" + SPS + " 0004" + PPS + " 0005" + IDR).get(0);
    assertThat(nalsHex(unit)).containsExactly("40010c01ffff", "42010101", "4401c172", "2601af0910");
    assertThat(unit.keyframe()).isTrue();
    assertThat(d.vps().map(Rtp::hex)).hasValue("40010c01ffff");
    assertThat(d.sps().map(Rtp::hex)).hasValue("42010101");
    assertThat(d.pps().map(Rtp::hex)).hasValue("4401c172");
  }

  @Test
  void fragmentationUnitRebuildsTheHeaderWithLayerAndTemporalId() {
    // Payload header 0x6202: type 49, TID 2. FU header: S/E bits + type 19.
    assertThat(push(d, 1, 3000, false, "6202 93 af01")).isEmpty();
    assertThat(push(d, 2, 3000, false, "6202 13 0203")).isEmpty();
    AccessUnit unit = push(d, 3, 3000, true, "6202 53 04").get(0);
    assertThat(nalsHex(unit)).containsExactly("2602af01020304");
    assertThat(unit.keyframe()).isTrue();
  }

  @Test
  void craAfterParameterSetsInOneUnitByTimestamp() {
    push(d, 1, 3000, false, VPS);
    push(d, 2, 3000, false, SPS);
    push(d, 3, 3000, false, PPS);
    push(d, 4, 3000, false, "2a01 80"); // CRA_NUT, type 21
    AccessUnit unit = push(d, 5, 6600, false, TRAIL).get(0);
    assertThat(unit.nalUnits()).hasSize(4);
    assertThat(unit.keyframe()).isTrue();
  }

  @Test
  void gapInTheMiddleOfAnFuDiscardsThatUnitAndTheNextIsEmitted() {
    push(d, 1, 3000, false, "6201 93 af01");
    // 2 is lost
    assertThat(push(d, 3, 3000, true, "6201 53 04")).isEmpty();
    assertThat(nalsHex(push(d, 4, 6600, true, TRAIL).get(0))).containsExactly("0201d044");
    assertThat(d.discardedUnits()).isEqualTo(1);
  }

  @Test
  void fuWithoutItsStartIsDiscardedUntilTheNextUnit() {
    assertThat(push(d, 1, 3000, false, "6201 13 01")).isEmpty();
    assertThat(push(d, 2, 3000, true, "6201 53 02")).isEmpty();
    assertThat(push(d, 3, 6600, true, TRAIL)).hasSize(1);
    assertThat(d.malformedPackets()).isEqualTo(1);
  }

  @Test
  void unitTooLargeIsDiscarded() {
    H265Depacketizer small = new H265Depacketizer(8);
    assertThat(push(small, 1, 3000, true, "6001 0004" + SPS + " 0005" + IDR)).isEmpty(); // 9 bytes
    assertThat(small.discardedUnits()).isEqualTo(1);
    assertThat(push(small, 2, 6600, true, "6001 0004" + SPS + " 0004" + "0201 d044")).hasSize(1);
  }

  @Test
  void unitMissingItsFirstSliceSegmentIsDiscarded() {
    assertThat(push(d, 1, 3000, true, "0201 44")).isEmpty(); // first_slice_segment_in_pic_flag 0
    assertThat(d.discardedUnits()).isEqualTo(1);
  }

  @Test
  void paciAndUnspecifiedTypesAreIgnored() {
    push(d, 1, 3000, false, "6401 0000 1122"); // PACI, type 50
    push(d, 2, 3000, false, "7e01 33"); // type 63
    AccessUnit unit = push(d, 3, 3000, true, IDR).get(0);
    assertThat(nalsHex(unit)).containsExactly("2601af0910");
    assertThat(d.malformedPackets()).isZero();
  }

  @Test
  void malformedPayloads() {
    List<String> bad = List.of(
        "26",                       // one byte: no room for the NAL unit header
        "2600 af",                  // nuh_temporal_id_plus1 0
        "a601 af",                  // forbidden_zero_bit
        "6001",                     // AP without units
        "6001 0001 26",             // aggregated unit shorter than its header
        "6001 0004 42010101 00",    // stray byte
        "6001 0003 620193",         // an FU inside an AP
        "6201 d3 00",               // FU with S and E
        "6201 b1 00",               // FU of type 49 itself
        "6201");                    // FU without FU header
    int seq = 1;
    for (String payload : bad) {
      assertThat(push(d, seq, 3000L * seq, true, payload)).as(payload).isEmpty();
      seq++;
    }
    assertThat(d.malformedPackets()).isEqualTo(bad.size());
  }

  @Test
  void lateAndDuplicatePacketsAreIgnored() {
    push(d, 10, 3000, false, VPS);
    push(d, 10, 3000, false, VPS);
    push(d, 9, 3000, false, SPS);
    AccessUnit unit = push(d, 11, 3000, true, IDR).get(0);
    assertThat(unit.nalUnits()).hasSize(2);
    assertThat(d.latePackets()).isEqualTo(2);
  }

  @Test
  void seededParameterSets() {
    d.parameterSets(List.of(hex(VPS), hex(SPS), hex(PPS), hex("4e01 05"), hex("40")));
    assertThat(d.vps().map(Rtp::hex)).hasValue("40010c01ffff");
    assertThat(d.sps().map(Rtp::hex)).hasValue("42010101");
    assertThat(d.pps().map(Rtp::hex)).hasValue("4401c172");
  }
}
