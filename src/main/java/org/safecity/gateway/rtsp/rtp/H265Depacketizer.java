package org.safecity.gateway.rtsp.rtp;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * H.265 over RTP (RFC 7798) without decoding-order numbers (sprop-max-don-diff 0, so no DONL/DOND
 * fields): single NAL unit packets, aggregation packets (48) and fragmentation units (49). PACI
 * packets (50) and the other unspecified types are ignored.
 */
public final class H265Depacketizer extends NalDepacketizer {

  static final int IRAP_FIRST = 16; // BLA_W_LP
  static final int IRAP_LAST = 21; // CRA_NUT
  static final int VPS = 32;
  static final int SPS = 33;
  static final int PPS = 34;
  static final int AP = 48;
  static final int FU = 49;

  public H265Depacketizer(int maxUnitBytes) {
    super(maxUnitBytes);
  }

  @Override
  void payload(ByteBuf packet, int at, int length) {
    if (length < 2 || !headerValid(packet, at)) {
      malformed();
      return;
    }
    int type = (packet.getUnsignedByte(at) >>> 1) & 0x3F;
    if (type == AP) {
      aggregation(packet, at + 2, length - 2);
    } else if (type == FU) {
      fu(packet, at, length);
    } else if (type > FU) {
      return; // PACI (50) and unspecified types: RFC 7798 lets receivers ignore them
    } else if (fragmentInProgress()) {
      malformed(); // FU fragments must be consecutive
    } else {
      addNal(packet, at, length);
    }
  }

  /** forbidden_zero_bit clear and nuh_temporal_id_plus1 non-zero. */
  private static boolean headerValid(ByteBuf packet, int at) {
    return (packet.getUnsignedByte(at) & 0x80) == 0 && (packet.getUnsignedByte(at + 1) & 0x07) != 0;
  }

  @Override
  boolean aggregatable(ByteBuf packet, int at, int size) {
    return size >= 2 && headerValid(packet, at) && ((packet.getUnsignedByte(at) >>> 1) & 0x3F) < AP;
  }

  private void fu(ByteBuf packet, int at, int length) {
    if (length < 3) {
      malformed();
      return;
    }
    int fuHeader = packet.getUnsignedByte(at + 2);
    int type = fuHeader & 0x3F;
    // The rebuilt header keeps the PayloadHdr's F bit, layer id and temporal id, with the FU header's type.
    int nalHeader = ((packet.getUnsignedByte(at) & 0x81) | (type << 1)) << 8 | packet.getUnsignedByte(at + 1);
    fragmentUnit(fuHeader, type, type < AP, nalHeader, 2, packet, at + 3, length - 3);
  }

  @Override
  int nalType(byte[] nal) {
    return nal.length < 2 ? -1 : (nal[0] >>> 1) & 0x3F;
  }

  @Override
  char parameterSetKind(int nalType) {
    return switch (nalType) {
      case VPS -> 'V';
      case SPS -> 'S';
      case PPS -> 'P';
      default -> 0;
    };
  }

  @Override
  boolean startsPicture(List<byte[]> unit) {
    for (byte[] nal : unit) {
      int type = nalType(nal);
      if (type >= 0 && type <= 31) {
        // VCL: first_slice_segment_in_pic_flag is the first bit after the NAL unit header.
        return nal.length > 2 && (nal[2] & 0x80) != 0;
      }
    }
    return true; // parameter sets or SEI alone
  }

  @Override
  boolean keyframe(List<byte[]> unit) {
    for (byte[] nal : unit) {
      int type = nalType(nal);
      if (type >= IRAP_FIRST && type <= IRAP_LAST) {
        return true;
      }
    }
    return false;
  }
}
