package org.safecity.gateway.rtsp.rtp;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * H.264 over RTP in non-interleaved mode (RFC 6184, packetization-mode 0 or 1): single NAL unit
 * packets (types 1..23), STAP-A (24) and FU-A (28). STAP-B, MTAP and FU-B exist only in interleaved
 * mode, which is not negotiated, so they count as malformed.
 */
public final class H264Depacketizer extends NalDepacketizer {

  static final int IDR = 5;
  static final int SEI = 6;
  static final int SPS = 7;
  static final int PPS = 8;
  static final int STAP_A = 24;
  static final int FU_A = 28;

  public H264Depacketizer(int maxUnitBytes) {
    super(maxUnitBytes);
  }

  @Override
  void payload(ByteBuf packet, int at, int length) {
    int indicator = packet.getUnsignedByte(at);
    if ((indicator & 0x80) != 0) {
      malformed(); // forbidden_zero_bit: the sender marks the NAL unit as damaged
      return;
    }
    switch (indicator & 0x1F) {
      case 0, 30, 31 -> { } // RFC 6184 section 5.4: undefined types are ignored
      case STAP_A -> aggregation(packet, at + 1, length - 1);
      case FU_A -> fuA(packet, at, length, indicator);
      case 25, 26, 27, 29 -> malformed(); // STAP-B, MTAP16, MTAP24, FU-B: interleaved mode only
      default -> {
        if (fragmentInProgress()) {
          malformed(); // FU fragments must be consecutive
        } else {
          addNal(packet, at, length);
        }
      }
    }
  }

  @Override
  boolean aggregatable(ByteBuf packet, int at, int size) {
    int header = packet.getUnsignedByte(at);
    int type = header & 0x1F;
    return (header & 0x80) == 0 && type >= 1 && type <= 23; // single NAL unit types only
  }

  private void fuA(ByteBuf packet, int at, int length, int indicator) {
    if (length < 2) {
      malformed();
      return;
    }
    int fuHeader = packet.getUnsignedByte(at + 1);
    int type = fuHeader & 0x1F;
    fragmentUnit(fuHeader, type, type >= 1 && type <= 23, (indicator & 0xE0) | type, 1, packet, at + 2, length - 2);
  }

  @Override
  int nalType(byte[] nal) {
    return nal.length == 0 ? -1 : nal[0] & 0x1F;
  }

  @Override
  char parameterSetKind(int nalType) {
    return switch (nalType) {
      case SPS -> 'S';
      case PPS -> 'P';
      default -> 0;
    };
  }

  @Override
  boolean startsPicture(List<byte[]> unit) {
    for (byte[] nal : unit) {
      int type = nalType(nal);
      if (type == 1 || type == 2 || type == IDR) {
        // first_mb_in_slice is the slice header's first field; ue(v) 0 is the single bit 1.
        return nal.length > 1 && (nal[1] & 0x80) != 0;
      }
      if (type == 3 || type == 4) {
        return false; // data partitions B/C without their partition A
      }
    }
    return true; // parameter sets or SEI alone
  }

  @Override
  boolean keyframe(List<byte[]> unit) {
    for (byte[] nal : unit) {
      if (nalType(nal) == IDR) {
        return true;
      }
    }
    return false;
  }
}
