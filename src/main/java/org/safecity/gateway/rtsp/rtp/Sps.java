package org.safecity.gateway.rtsp.rtp;

import java.util.Optional;

/**
 * Reads the picture size and profile from a sequence parameter set: H.264 section 7.3.2.1.1, H.265
 * section 7.3.2.2. Only the fields up to the cropping window are parsed; VUI and the rest are not
 * needed for a size.
 */
public final class Sps {

  /** Far above what any level allows (neither codec's level 6.2 goes past about 16,900 pixels a side). */
  static final int MAX_DIMENSION = 65_535;

  private Sps() {
  }

  /** The format an H.264 SPS NAL unit (type 7, header byte included) describes; empty if it is not one. */
  public static Optional<VideoFormat> h264(byte[] spsNal) {
    if (spsNal == null || spsNal.length < 4 || (spsNal[0] & 0x9F) != H264Depacketizer.SPS) {
      return Optional.empty();
    }
    try {
      return parseH264(RbspReader.of(spsNal, 1));
    } catch (RbspReader.Malformed e) {
      return Optional.empty();
    }
  }

  /** The format an H.265 SPS NAL unit (type 33, 2-byte header included) describes; empty if it is not one. */
  public static Optional<VideoFormat> h265(byte[] spsNal) {
    if (spsNal == null || spsNal.length < 3 || (spsNal[0] & 0x80) != 0
        || ((spsNal[0] >>> 1) & 0x3F) != H265Depacketizer.SPS) {
      return Optional.empty();
    }
    if ((spsNal[0] & 1) != 0 || (spsNal[1] & 0xF8) != 0) {
      return Optional.empty(); // nuh_layer_id > 0: a multi-layer SPS, whose syntax differs (F.7.3.2.2)
    }
    try {
      return parseH265(RbspReader.of(spsNal, 2));
    } catch (RbspReader.Malformed e) {
      return Optional.empty();
    }
  }

  private static Optional<VideoFormat> parseH264(RbspReader r) {
    int profileIdc = (int) r.bits(8);
    int constraints = (int) r.bits(8);
    r.skip(8); // level_idc
    r.ue(31); // seq_parameter_set_id
    int chromaFormatIdc = 1; // 4:2:0 unless a high profile says otherwise
    boolean separateColourPlanes = false;
    if (hasChromaFormat(profileIdc)) {
      chromaFormatIdc = r.ue(3);
      if (chromaFormatIdc == 3) {
        separateColourPlanes = r.flag();
      }
      r.ue(6); // bit_depth_luma_minus8
      r.ue(6); // bit_depth_chroma_minus8
      r.skip(1); // qpprime_y_zero_transform_bypass_flag
      if (r.flag()) { // seq_scaling_matrix_present_flag
        int lists = chromaFormatIdc == 3 ? 12 : 8;
        for (int i = 0; i < lists; i++) {
          if (r.flag()) {
            skipScalingList(r, i < 6 ? 16 : 64);
          }
        }
      }
    }
    r.ue(12); // log2_max_frame_num_minus4
    int pocType = r.ue(2);
    if (pocType == 0) {
      r.ue(12); // log2_max_pic_order_cnt_lsb_minus4
    } else if (pocType == 1) {
      r.skip(1); // delta_pic_order_always_zero_flag
      r.se(); // offset_for_non_ref_pic
      r.se(); // offset_for_top_to_bottom_field
      int cycle = r.ue(255);
      for (int i = 0; i < cycle; i++) {
        r.se(); // offset_for_ref_frame
      }
    }
    r.ue(); // max_num_ref_frames
    r.skip(1); // gaps_in_frame_num_value_allowed_flag
    long widthMbs = r.ue() + 1;
    long heightMapUnits = r.ue() + 1;
    boolean frameMbsOnly = r.flag();
    if (!frameMbsOnly) {
      r.skip(1); // mb_adaptive_frame_field_flag
    }
    r.skip(1); // direct_8x8_inference_flag
    long width = widthMbs * 16;
    long height = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16; // map units are field MBs when interlaced
    if (r.flag()) { // frame_cropping_flag
      // Table 6-1 and equations 7-19..7-22: offsets count chroma samples, field lines doubled.
      int chromaArrayType = separateColourPlanes ? 0 : chromaFormatIdc;
      long cropUnitX = chromaArrayType == 1 || chromaArrayType == 2 ? 2 : 1;
      long cropUnitY = (chromaArrayType == 1 ? 2 : 1) * (frameMbsOnly ? 1 : 2);
      width -= cropUnitX * (r.ue() + r.ue());
      height -= cropUnitY * (r.ue() + r.ue());
    }
    return format("H264", width, height, h264Profile(profileIdc, constraints));
  }

  private static Optional<VideoFormat> parseH265(RbspReader r) {
    r.skip(4); // sps_video_parameter_set_id
    int maxSubLayersMinus1 = (int) r.bits(3);
    if (maxSubLayersMinus1 > 6) {
      throw new RbspReader.Malformed();
    }
    r.skip(1); // sps_temporal_id_nesting_flag
    // profile_tier_level(1, sps_max_sub_layers_minus1), section 7.3.3
    r.skip(2 + 1); // general_profile_space, general_tier_flag
    int profileIdc = (int) r.bits(5);
    long compatibility = r.bits(32);
    r.skip(4 + 43 + 1 + 8); // source flags, constraint flags, inbld/reserved, general_level_idc
    boolean[] profilePresent = new boolean[maxSubLayersMinus1];
    boolean[] levelPresent = new boolean[maxSubLayersMinus1];
    for (int i = 0; i < maxSubLayersMinus1; i++) {
      profilePresent[i] = r.flag();
      levelPresent[i] = r.flag();
    }
    if (maxSubLayersMinus1 > 0) {
      r.skip(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits up to eight sub-layers
    }
    for (int i = 0; i < maxSubLayersMinus1; i++) {
      r.skip((profilePresent[i] ? 88 : 0) + (levelPresent[i] ? 8 : 0));
    }
    r.ue(15); // sps_seq_parameter_set_id
    int chromaFormatIdc = r.ue(3);
    boolean separateColourPlanes = chromaFormatIdc == 3 && r.flag();
    long width = r.ue();
    long height = r.ue();
    if (r.flag()) { // conformance_window_flag
      // Table 6-1: offsets count chroma samples; 1 when there is no subsampled chroma array.
      int chromaArrayType = separateColourPlanes ? 0 : chromaFormatIdc;
      long subWidthC = chromaArrayType == 1 || chromaArrayType == 2 ? 2 : 1;
      long subHeightC = chromaArrayType == 1 ? 2 : 1;
      width -= subWidthC * (r.ue() + r.ue());
      height -= subHeightC * (r.ue() + r.ue());
    }
    return format("H265", width, height, h265Profile(profileIdc, compatibility));
  }

  /** Profiles whose SPS carries chroma_format_idc, bit depths and scaling lists (section 7.3.2.1.1). */
  private static boolean hasChromaFormat(int profileIdc) {
    return switch (profileIdc) {
      case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135 -> true;
      default -> false;
    };
  }

  /** scaling_list() of section 7.3.2.1.1.1: only consumes it, the values do not matter here. */
  private static void skipScalingList(RbspReader r, int size) {
    int last = 8;
    int next = 8;
    for (int j = 0; j < size && next != 0; j++) {
      long delta = r.se();
      if (delta < -128 || delta > 127) {
        throw new RbspReader.Malformed();
      }
      next = (int) ((last + delta + 256) % 256);
      last = next == 0 ? last : next;
    }
  }

  private static Optional<VideoFormat> format(String codec, long width, long height, String profile) {
    if (width < 1 || height < 1 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
      return Optional.empty(); // crop wider than the picture, or sizes no level allows
    }
    return Optional.of(new VideoFormat(codec, (int) width, (int) height, profile));
  }

  private static String h264Profile(int profileIdc, int constraints) {
    boolean set1 = (constraints & 0x40) != 0;
    boolean set3 = (constraints & 0x10) != 0;
    return switch (profileIdc) {
      case 66 -> set1 ? "Constrained Baseline" : "Baseline";
      case 77 -> "Main";
      case 88 -> "Extended";
      case 100 -> "High";
      case 110 -> set3 ? "High 10 Intra" : "High 10";
      case 122 -> set3 ? "High 4:2:2 Intra" : "High 4:2:2";
      case 244 -> set3 ? "High 4:4:4 Intra" : "High 4:4:4 Predictive";
      case 44 -> "CAVLC 4:4:4 Intra";
      default -> Integer.toString(profileIdc);
    };
  }

  private static String h265Profile(int profileIdc, long compatibility) {
    int profile = profileIdc;
    if (profile == 0) {
      // Some encoders leave general_profile_idc 0 and only set the compatibility flag (7.4.4).
      for (int j = 1; j < 32 && profile == 0; j++) {
        if ((compatibility & (1L << (31 - j))) != 0) {
          profile = j;
        }
      }
    }
    return switch (profile) {
      case 1 -> "Main";
      case 2 -> "Main 10";
      case 3 -> "Main Still Picture";
      case 4 -> "Format Range Extensions";
      case 5 -> "High Throughput";
      case 9 -> "Screen Content Coding";
      default -> Integer.toString(profileIdc);
    };
  }
}
