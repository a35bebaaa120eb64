package org.safecity.gateway.rtsp.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * The RTCP packets a relay sends (RFC 3550 sections 6.4 and 6.5) and the one it reads: the sender
 * report that ties a camera's RTP timestamps to wall-clock time. Every packet built here is a
 * compound packet ending in an SDES CNAME, as section 6.1 requires.
 */
public final class Rtcp {

  /** The CNAME of every packet the gateway sends. */
  public static final String CNAME = "safecity-gateway";

  static final int SR = 200;
  static final int RR = 201;
  static final int SDES = 202;
  static final int SR_LENGTH = 28; // header, SSRC, sender info
  static final int RR_LENGTH = 32; // header, SSRC, one report block
  static final int REPORT_BLOCK_LENGTH = 24;
  private static final int CNAME_ITEM = 1;
  private static final byte[] CNAME_BYTES = CNAME.getBytes(StandardCharsets.US_ASCII);
  /** Header, SSRC, CNAME item, then a null item padded to a 32-bit boundary. */
  static final int SDES_LENGTH = (4 + 4 + 2 + CNAME_BYTES.length + 1 + 3) / 4 * 4;
  private static final long NTP_UNIX_EPOCH_SECONDS = 2_208_988_800L; // 1900-01-01 to 1970-01-01

  /**
   * The sender information of an SR.
   *
   * @param ntpTime wall clock at {@code rtpTimestamp}, 64-bit NTP format (unsigned, in a long)
   */
  public record SenderInfo(long ssrc, long ntpTime, long rtpTimestamp, long packetCount, long octetCount) {
  }

  private Rtcp() {
  }

  /**
   * A receiver report on one source, then SDES. Reads the tracker's fraction lost, which starts its
   * next reporting interval.
   *
   * @param lastSrNtpMiddle32            LSR: {@link #middle32} of the last SR's NTP time, 0 if none yet
   * @param delaySinceLastSrUnits1_65536 DLSR: time since that SR arrived, in 1/65536 s, 0 if none yet
   */
  public static ByteBuf receiverReport(ByteBufAllocator alloc, long reporterSsrc, long sourceSsrc,
      SequenceTracker t, long lastSrNtpMiddle32, long delaySinceLastSrUnits1_65536) {
    int fraction = t.fractionLostSinceLastReport();
    // The field is signed 24-bit; negative loss (duplicates) is reported as 0, since some senders
    // read the field unsigned and would see sixteen million lost.
    long lost = Math.max(0, Math.min(0x7F_FFFF, t.lost()));
    ByteBuf out = alloc.buffer(RR_LENGTH + SDES_LENGTH);
    header(out, 1, RR, RR_LENGTH);
    out.writeInt((int) reporterSsrc);
    out.writeInt((int) sourceSsrc);
    out.writeInt(fraction << 24 | (int) lost);
    out.writeInt((int) t.extendedHighest());
    out.writeInt((int) Math.min(0xFFFF_FFFFL, t.jitter()));
    out.writeInt((int) lastSrNtpMiddle32);
    out.writeInt((int) Math.min(0xFFFF_FFFFL, Math.max(0, delaySinceLastSrUnits1_65536)));
    sdes(out, reporterSsrc);
    return out;
  }

  /**
   * A sender report without report blocks (the gateway receives nothing from those it sends to), then
   * SDES.
   *
   * @param ntpTime64 wall clock at {@code rtpTimestamp}, see {@link #ntpTime}
   */
  public static ByteBuf senderReport(ByteBufAllocator alloc, long ssrc, long ntpTime64, long rtpTimestamp,
      long packetCount, long octetCount) {
    ByteBuf out = alloc.buffer(SR_LENGTH + SDES_LENGTH);
    header(out, 0, SR, SR_LENGTH);
    out.writeInt((int) ssrc);
    out.writeLong(ntpTime64);
    out.writeInt((int) rtpTimestamp);
    out.writeInt((int) packetCount); // both counts wrap modulo 2^32, as section 6.4.1 says
    out.writeInt((int) octetCount);
    sdes(out, ssrc);
    return out;
  }

  /** 64-bit NTP timestamp: seconds since 1900 in the upper half, binary fraction in the lower. */
  public static long ntpTime(Instant instant) {
    long seconds = instant.getEpochSecond() + NTP_UNIX_EPOCH_SECONDS;
    long fraction = ((long) instant.getNano() << 32) / 1_000_000_000L;
    return (seconds << 32) | fraction; // seconds wrap in 2036 into NTP era 1, as on the wire
  }

  /** The middle 32 bits of an NTP timestamp, as LSR carries it. */
  public static long middle32(long ntpTime) {
    return (ntpTime >>> 16) & 0xFFFF_FFFFL;
  }

  /**
   * The first sender report in a compound packet (readable bytes; indexes do not move). Empty when
   * there is none or when any packet's header is invalid: a wrong version, a length running past the
   * end or not filling it exactly, bad padding, or an SR too short for its report blocks.
   */
  public static Optional<SenderInfo> findSenderReport(ByteBuf compound) {
    int at = compound.readerIndex();
    int end = compound.writerIndex();
    if (at >= end) {
      return Optional.empty();
    }
    SenderInfo found = null;
    while (at < end) {
      if (end - at < 4) {
        return Optional.empty();
      }
      int first = compound.getUnsignedByte(at);
      int type = compound.getUnsignedByte(at + 1);
      int length = (compound.getUnsignedShort(at + 2) + 1) * 4;
      if (first >>> 6 != 2 || length > end - at) {
        return Optional.empty();
      }
      int content = length;
      if ((first & 0x20) != 0) {
        int pad = compound.getUnsignedByte(at + length - 1);
        if (pad == 0 || pad > length - 4) {
          return Optional.empty();
        }
        content -= pad;
      }
      if (type == SR) {
        if (content < SR_LENGTH + REPORT_BLOCK_LENGTH * (first & 0x1F)) {
          return Optional.empty();
        }
        if (found == null) {
          found = new SenderInfo(compound.getUnsignedInt(at + 4), compound.getLong(at + 8),
              compound.getUnsignedInt(at + 16), compound.getUnsignedInt(at + 20), compound.getUnsignedInt(at + 24));
        }
      }
      at += length;
    }
    return Optional.ofNullable(found);
  }

  /** V=2, no padding, count, type and the length in 32-bit words minus one. */
  private static void header(ByteBuf out, int count, int type, int bytes) {
    out.writeByte(0x80 | count);
    out.writeByte(type);
    out.writeShort(bytes / 4 - 1);
  }

  private static void sdes(ByteBuf out, long ssrc) {
    int start = out.writerIndex();
    header(out, 1, SDES, SDES_LENGTH);
    out.writeInt((int) ssrc);
    out.writeByte(CNAME_ITEM);
    out.writeByte(CNAME_BYTES.length);
    out.writeBytes(CNAME_BYTES);
    out.writeZero(SDES_LENGTH - (out.writerIndex() - start)); // the null item ending the chunk, and padding
  }
}
