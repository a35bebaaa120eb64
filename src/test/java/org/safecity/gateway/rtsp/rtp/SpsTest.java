package org.safecity.gateway.rtsp.rtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.rtsp.rtp.Rtp.hex;

import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * SPS NAL units produced by real encoders. Each was made with ffmpeg 5.1 (libx264 164, libx265 3.5)
 * by the command in its comment, written as raw Annex B ({@code -f h264} / {@code -f hevc}), and the
 * first SPS cut out at its start codes. The expected sizes and profiles are what {@code ffprobe} reports
 * for the same file. Every command starts {@code ffmpeg -f lavfi -i testsrc=size=WxH:rate=25 -t 1}.
 */
class SpsTest {

  // ... -pix_fmt yuv420p -c:v libx264 -f h264 out.h264
  private static final String H264_720P_HIGH = "6764001facd9405005bb011000000300100000030320f1831960";
  // ... (1920x1080) -pix_fmt yuv420p -c:v libx264 -f h264: coded 1088 lines, cropped by 8
  private static final String H264_1080P_HIGH = "67640028acd940780227e5c044000003000400000300c83c60c658";
  // ... (1920x1080) -pix_fmt yuv420p -c:v libx264 -x264-params interlaced=1 -f h264: field MBs, crop unit 4
  private static final String H264_1080I_HIGH = "67640028acd94078044fde0220000003002000000643e2c5b2c0";
  // ... (1920x1080) -pix_fmt yuv420p10le -c:v libx264 -f h264
  private static final String H264_1080P_HIGH10 = "676e0028a6cd940780227e5c0440000003004000000c83c60c6580";
  // ... (640x360) -pix_fmt yuv420p -c:v libx264 -profile:v main -f h264: 368 coded lines
  private static final String H264_360P_MAIN = "674d401eeca05017fcb808800000030080000019078b16cb";
  // ... (352x288) -pix_fmt yuv420p -c:v libx264 -profile:v baseline -f h264: no cropping
  private static final String H264_CIF_BASELINE = "6742c00dd9016096c044000003000400000300c83c50a920";
  // ... (1280x720) -c:v libx264 -f h264: no -pix_fmt, so RGB testsrc becomes 4:4:4
  private static final String H264_720P_444 = "67f4001f919b280a00b76022000003000200000300641e30632c";
  // ... (321x241) -pix_fmt yuv444p -c:v libx264 -f h264: odd sizes, crop unit 1
  private static final String H264_ODD_444 = "67f4000d919b282a10f0842180880000030008000003019078a14cb0";
  // H264_720P_HIGH with seq_scaling_matrix_present_flag set and lists 0 (16 deltas), 1 (falls back
  // to the default), 6 (64 deltas) inserted before log2_max_frame_num_minus4, re-escaped; ffmpeg
  // -bsf:v trace_headers reads the lists back and ffprobe still reports 1280x720.
  private static final String H264_720P_SCALING_LISTS = "6764001fad840e2932662a5123090884e574431cae886395d10c"
      + "72ba218e574431cae886395d10c72ba218e574431db280a00b760220000003002000000641e30632c0";

  // ... (1280x720) -pix_fmt yuv420p -c:v libx265 -f hevc out.hevc
  private static final String H265_720P_MAIN =
      "42010101600000030090000003000003005da00280802d165959a4932bc05a020000030002000003003210";
  // ... (1920x1080) -pix_fmt yuv420p -c:v libx265 -f hevc
  private static final String H265_1080P_MAIN =
      "420101016000000300900000030000030078a003c08010e596566924caf0168080000003008000000c84";
  // ... (1920x1080) -pix_fmt yuv420p -c:v libx265 -x265-params temporal-layers=1 -f hevc: two
  // sub-layers, so profile_tier_level carries sub-layer flags and reserved bits
  private static final String H265_1080P_SUBLAYERS =
      "4201020160000003009000000300000300780000a003c08010e5965662b349265780b4040000030004000003006420";
  // ... (352x288) -pix_fmt yuv420p -c:v libx265 -f hevc
  private static final String H265_CIF_MAIN =
      "42010101600000030090000003000003003ca00b08048596566924caf0168080000003008000000c84";
  // ... (1366x768) -pix_fmt yuv420p10le -c:v libx265 -f hevc: 1368 coded, conformance window 2
  private static final String H265_1366_MAIN10 =
      "420101022000000300900000030000030078a002ac80301d6d96566924caf0168080000003008000000c84";
  // ... (321x241) -pix_fmt yuv444p -c:v libx265 -f hevc: range extensions profile, SubWidthC 1
  private static final String H265_ODD_444 =
      "4201010408000003009e0800000300003c90014901f38888cb2b349265780b4040000003004000000642";

  private static Optional<VideoFormat> h264(String hex) {
    return Sps.h264(hex(hex));
  }

  private static Optional<VideoFormat> h265(String hex) {
    return Sps.h265(hex(hex));
  }

  @Test
  void h264SizesAndProfiles() {
    assertThat(h264(H264_720P_HIGH)).hasValue(new VideoFormat("H264", 1280, 720, "High"));
    assertThat(h264(H264_1080P_HIGH)).hasValue(new VideoFormat("H264", 1920, 1080, "High"));
    assertThat(h264(H264_1080I_HIGH)).hasValue(new VideoFormat("H264", 1920, 1080, "High"));
    assertThat(h264(H264_1080P_HIGH10)).hasValue(new VideoFormat("H264", 1920, 1080, "High 10"));
    assertThat(h264(H264_360P_MAIN)).hasValue(new VideoFormat("H264", 640, 360, "Main"));
    assertThat(h264(H264_CIF_BASELINE)).hasValue(new VideoFormat("H264", 352, 288, "Constrained Baseline"));
    assertThat(h264(H264_720P_444)).hasValue(new VideoFormat("H264", 1280, 720, "High 4:4:4 Predictive"));
    assertThat(h264(H264_ODD_444)).hasValue(new VideoFormat("H264", 321, 241, "High 4:4:4 Predictive"));
    assertThat(h264(H264_720P_SCALING_LISTS)).hasValue(new VideoFormat("H264", 1280, 720, "High"));
  }

  @Test
  void h265SizesAndProfiles() {
    assertThat(h265(H265_720P_MAIN)).hasValue(new VideoFormat("H265", 1280, 720, "Main"));
    assertThat(h265(H265_1080P_MAIN)).hasValue(new VideoFormat("H265", 1920, 1080, "Main"));
    assertThat(h265(H265_1080P_SUBLAYERS)).hasValue(new VideoFormat("H265", 1920, 1080, "Main"));
    assertThat(h265(H265_CIF_MAIN)).hasValue(new VideoFormat("H265", 352, 288, "Main"));
    assertThat(h265(H265_1366_MAIN10)).hasValue(new VideoFormat("H265", 1366, 768, "Main 10"));
    assertThat(h265(H265_ODD_444)).hasValue(new VideoFormat("H265", 321, 241, "Format Range Extensions"));
  }

  @Test
  void wrongCodecOrNalTypeIsEmpty() {
    assertThat(h264(H265_720P_MAIN)).isEmpty();
    assertThat(h265(H264_720P_HIGH)).isEmpty();
    assertThat(h264("68ebe3cb22c0")).isEmpty(); // a PPS
    assertThat(h265("4401c172b46240")).isEmpty(); // a PPS
    assertThat(h264("e764001facd9405005bb01")).isEmpty(); // forbidden_zero_bit
    assertThat(h265("4209" + H265_720P_MAIN.substring(4))).isEmpty(); // nuh_layer_id 1
    assertThat(Sps.h264(null)).isEmpty();
    assertThat(Sps.h265(new byte[0])).isEmpty();
  }

  @Test
  void truncatedSpsIsEmptyOrStillRight() {
    // Only the fields up to the cropping window are read, so a cut in the VUI may still parse.
    for (String sps : new String[] {H264_1080P_HIGH, H264_1080I_HIGH, H264_720P_SCALING_LISTS}) {
      byte[] whole = hex(sps);
      for (int n = 0; n < whole.length; n++) {
        assertThat(Sps.h264(Arrays.copyOf(whole, n))).isIn(Optional.empty(), Sps.h264(whole));
      }
      assertThat(Sps.h264(Arrays.copyOf(whole, 8))).isEmpty();
    }
    for (String sps : new String[] {H265_1366_MAIN10, H265_1080P_SUBLAYERS}) {
      byte[] whole = hex(sps);
      for (int n = 0; n < whole.length; n++) {
        assertThat(Sps.h265(Arrays.copyOf(whole, n))).isIn(Optional.empty(), Sps.h265(whole));
      }
      assertThat(Sps.h265(Arrays.copyOf(whole, 16))).isEmpty();
    }
  }

  @Test
  void cropLargerThanThePictureIsEmpty() {
    // Baseline, one macroblock (16x16), frame_cropping_flag 1 with a left offset in 2-column units.
    String head = "01000010 00000000 00001010" // profile_idc 66, constraints 0, level_idc 10
        + " 1 1 011 010 0" // sps id 0, log2_max_frame_num_minus4 0, poc type 2, 1 ref frame, no gaps
        + " 1 1 1 1 1"; // 1x1 MBs, frame_mbs_only, direct_8x8_inference, frame_cropping
    String tail = " 1 1 1 0 1"; // right, top, bottom offsets 0, no VUI, stop bit
    assertThat(Sps.h264(hex(nal(0x67, head + " 0001000" + tail)))) // left 7: 2 columns remain
        .hasValue(new VideoFormat("H264", 2, 16, "Baseline"));
    assertThat(Sps.h264(hex(nal(0x67, head + " 0001001" + tail)))).isEmpty(); // left 8: none remain
  }

  @Test
  void emulationPreventionBytesAreRemovedBeforeParsing() {
    // 00 00 03 xx drops the 03; a 03 right after a dropped one is data.
    RbspReader r = RbspReader.of(hex("67 000003 03 000003 01"), 1);
    assertThat(r.bits(32)).isEqualTo(0x0000_0300L);
    assertThat(r.bits(16)).isEqualTo(0x0001L);
  }

  @Test
  void expGolombCodes() {
    // a6 42 80 = 1 010 011 00100 00101 0000000
    RbspReader r = RbspReader.of(hex("00 a6 42 80"), 1);
    assertThat(r.ue()).isZero();
    assertThat(r.se()).isEqualTo(1); // codeNum 1
    assertThat(r.se()).isEqualTo(-1); // codeNum 2
    assertThat(r.ue()).isEqualTo(3);
    assertThat(r.ue()).isEqualTo(4);
  }

  @Test
  void randomBytesNeverThrow() {
    Random random = new Random(20_240_601);
    String[] seeds = {H264_720P_HIGH, H264_1080I_HIGH, H264_720P_SCALING_LISTS, H265_1080P_SUBLAYERS, H265_ODD_444};
    for (int i = 0; i < 20_000; i++) {
      byte[] sps = hex(seeds[i % seeds.length]);
      int flips = 1 + random.nextInt(4);
      for (int f = 0; f < flips; f++) {
        int at = 1 + random.nextInt(sps.length - 1);
        sps[at] = (byte) (random.nextBoolean() ? random.nextInt(256) : sps[at] ^ (1 << random.nextInt(8)));
      }
      if (random.nextInt(4) == 0) {
        sps = Arrays.copyOf(sps, random.nextInt(sps.length + 1));
      }
      Optional<VideoFormat> format = i % seeds.length < 3 ? Sps.h264(sps) : Sps.h265(sps);
      format.ifPresent(f -> assertThat(f.width()).isBetween(1, Sps.MAX_DIMENSION));
      format.ifPresent(f -> assertThat(f.height()).isBetween(1, Sps.MAX_DIMENSION));
    }
    byte[] noise = new byte[64];
    for (int i = 0; i < 20_000; i++) {
      random.nextBytes(noise);
      noise[0] = (byte) (i % 2 == 0 ? 0x67 : 0x42);
      if (i % 4 >= 2) {
        noise[1] = 0x01; // H.265 layer 0, TID 1, so the parser goes past the header
      }
      Sps.h264(noise);
      Sps.h265(noise);
    }
  }

  /** A NAL unit as hex from its header byte and its payload as spaced bits, zero-filled to a byte. */
  private static String nal(int header, String spacedBits) {
    String bits = spacedBits.replace(" ", "");
    while (bits.length() % 8 != 0) {
      bits += "0";
    }
    StringBuilder hex = new StringBuilder(String.format("%02x", header));
    for (int i = 0; i < bits.length(); i += 8) {
      hex.append(String.format("%02x", Integer.parseInt(bits.substring(i, i + 8), 2)));
    }
    return hex.toString();
  }
}
