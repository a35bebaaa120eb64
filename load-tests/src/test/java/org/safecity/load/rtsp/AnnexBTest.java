package org.safecity.load.rtsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnnexBTest {

  static final byte[] SPS = {0x67, 0x4d, 0x40, 0x1e, (byte) 0xec, 0x05, 0x01};
  static final byte[] PPS = {0x68, (byte) 0xeb, (byte) 0xef, 0x20};
  static final byte[] SEI = {0x06, 0x05, 0x01, 0x02, (byte) 0x80};
  /** IDR slice, first_mb_in_slice = 0 (first bit after the header is 1). */
  static final byte[] IDR_A = {0x65, (byte) 0x88, 0x01, 0x02, 0x03};
  /** A second slice of the same IDR picture: first_mb_in_slice != 0 (leading 0 bit). */
  static final byte[] IDR_B = {0x65, 0x21, 0x11, 0x12};
  static final byte[] P1 = {0x41, (byte) 0x9a, 0x21, 0x22};
  static final byte[] P2 = {0x41, (byte) 0x9a, 0x31, 0x32, 0x00, 0x03, 0x01};
  static final byte[] AUD = {0x09, (byte) 0xf0};

  static byte[] stream(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static final byte[] SC3 = {0, 0, 1};
  static final byte[] SC4 = {0, 0, 0, 1};

  @Test
  void splitsOnThreeAndFourByteStartCodesAndDropsTrailingZeros() {
    byte[] s = stream(new byte[] {0x12, 0x34}, SC4, SPS, SC4, PPS, SC3, IDR_A, new byte[] {0, 0}, SC3, P2);
    List<byte[]> nals = AnnexB.nals(s);
    assertEquals(4, nals.size());
    assertArrayEquals(SPS, nals.get(0));
    assertArrayEquals(PPS, nals.get(1));
    assertArrayEquals(IDR_A, nals.get(2)); // trailing_zero_8bits and the 4-byte start code's zero are not its bytes
    assertArrayEquals(P2, nals.get(3)); // an emulation-prevented 00 00 03 01 inside a NAL is no start code
  }

  @Test
  void groupsIntoAccessUnits() {
    byte[] s = stream(SC4, SPS, SC4, PPS, SC4, SEI, SC3, IDR_A, SC3, IDR_B, SC3, P1, SC4, AUD, SC3, P2, SC3, P1);
    List<AnnexB.AccessUnit> aus = AnnexB.accessUnits(AnnexB.nals(s));
    assertEquals(4, aus.size());
    assertEquals(5, aus.get(0).nals().size(), "SPS, PPS, SEI and both slices of the IDR picture");
    assertTrue(aus.get(0).keyframe());
    assertArrayEquals(IDR_B, aus.get(0).nals().get(4));
    assertEquals(1, aus.get(1).nals().size());
    assertFalse(aus.get(1).keyframe());
    assertEquals(2, aus.get(2).nals().size(), "an AUD starts a unit");
    assertArrayEquals(AUD, aus.get(2).nals().get(0));
    assertEquals(1, aus.get(3).nals().size(), "a slice with first_mb_in_slice 0 starts a unit");
    assertEquals(SPS.length + PPS.length + SEI.length + IDR_A.length + IDR_B.length, aus.get(0).bytes());
  }

  @Test
  void noStartCodeNoUnits() {
    assertTrue(AnnexB.nals(new byte[] {1, 2, 3, 4}).isEmpty());
    assertTrue(AnnexB.accessUnits(List.of()).isEmpty());
  }
}
