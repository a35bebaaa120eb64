package org.safecity.gateway.rtsp.rtp;

import io.netty.buffer.ByteBuf;

/**
 * The header of one RTP packet (RFC 3550 section 5.1) and where its payload lies.
 *
 * @param sequence      16-bit sequence number, 0..65535
 * @param timestamp     RTP timestamp, unsigned 32-bit
 * @param ssrc          synchronization source, unsigned 32-bit
 * @param payloadOffset absolute index of the first payload byte in the buffer the header was parsed from
 * @param payloadLength payload bytes: after the CSRC list and header extension, without padding
 */
public record RtpHeader(
    int payloadType, boolean marker, int sequence, long timestamp, long ssrc, int payloadOffset, int payloadLength) {

  static final int FIXED_LENGTH = 12;

  public RtpHeader {
    if (payloadType < 0 || payloadType > 127) {
      throw new IllegalArgumentException("payload type " + payloadType + " outside 0..127");
    }
    if (sequence < 0 || sequence > 0xFFFF) {
      throw new IllegalArgumentException("sequence " + sequence + " outside 0..65535");
    }
    if (timestamp < 0 || timestamp > 0xFFFF_FFFFL || ssrc < 0 || ssrc > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("timestamp and ssrc are unsigned 32-bit: " + timestamp + ", " + ssrc);
    }
    if (payloadOffset < 0 || payloadLength < 0) {
      throw new IllegalArgumentException("payload " + payloadOffset + "+" + payloadLength + " is negative");
    }
  }

  /**
   * Parses the packet that starts at {@code packet.readerIndex()} and ends at its writer index. Neither
   * index moves and nothing is copied: the payload is read from the same buffer afterwards.
   */
  public static RtpHeader parse(ByteBuf packet) throws RtpFormatException {
    int start = packet.readerIndex();
    int length = packet.readableBytes();
    if (length < FIXED_LENGTH) {
      throw new RtpFormatException("RTP packet of " + length + " bytes, shorter than the 12-byte fixed header");
    }
    int first = packet.getUnsignedByte(start);
    int version = first >>> 6;
    if (version != 2) {
      throw new RtpFormatException("RTP version " + version + ", expected 2");
    }
    boolean padding = (first & 0x20) != 0;
    boolean extension = (first & 0x10) != 0;
    int csrcCount = first & 0x0F;
    int second = packet.getUnsignedByte(start + 1);

    int headerLength = FIXED_LENGTH + 4 * csrcCount;
    if (headerLength > length) {
      throw new RtpFormatException(
          "CSRC count " + csrcCount + " needs a " + headerLength + "-byte header, packet has " + length + " bytes");
    }
    if (extension) {
      if (headerLength + 4 > length) {
        throw new RtpFormatException("header extension flag set but only " + (length - headerLength)
            + " bytes follow the CSRC list, fewer than its 4-byte header");
      }
      int words = packet.getUnsignedShort(start + headerLength + 2);
      headerLength += 4 + 4 * words;
      if (headerLength > length) {
        throw new RtpFormatException("header extension of " + words + " words needs a " + headerLength
            + "-byte header, packet has " + length + " bytes");
      }
    }
    int payloadLength = length - headerLength;
    if (padding) {
      if (payloadLength == 0) {
        throw new RtpFormatException("padding flag set but no byte follows the header to hold the padding count");
      }
      int pad = packet.getUnsignedByte(start + length - 1);
      if (pad == 0) {
        throw new RtpFormatException("padding count 0; with the padding flag set it must be at least 1");
      }
      if (pad > payloadLength) {
        throw new RtpFormatException(
            "padding count " + pad + " exceeds the " + payloadLength + " bytes after the header");
      }
      payloadLength -= pad;
    }
    return new RtpHeader(second & 0x7F, (second & 0x80) != 0, packet.getUnsignedShort(start + 2),
        packet.getUnsignedInt(start + 4), packet.getUnsignedInt(start + 8), start + headerLength, payloadLength);
  }
}
