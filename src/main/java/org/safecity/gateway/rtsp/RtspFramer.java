package org.safecity.gateway.rtsp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Splits one RTSP connection's bytes into whole units before any parsing: {@code $}-framed interleaved packets
 * become {@link InterleavedFrame}s, and each RTSP message (start line, headers, Content-Length body) is passed
 * on as one buffer to Netty's {@code RtspDecoder}. Framing here, rather than inside the decoder, is what lets
 * binary RTP sit between text messages, and it bounds memory: a header block beyond {@code maxHeaderBytes} or
 * a body beyond {@code maxBodyBytes} is refused before it is buffered.
 *
 * <p>After a {@link FramingError} the rest of the connection's input is discarded: the handler answers and
 * closes.
 */
public final class RtspFramer extends ByteToMessageDecoder {
  private final int maxHeaderBytes;
  private final int maxBodyBytes;
  private boolean failed;

  public RtspFramer(int maxHeaderBytes, int maxBodyBytes) {
    this.maxHeaderBytes = maxHeaderBytes;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (!failed) {
      // Stray line ends between messages are legal filler.
      while (in.isReadable() && (in.getByte(in.readerIndex()) == '\r' || in.getByte(in.readerIndex()) == '\n')) {
        in.skipBytes(1);
      }
      if (!in.isReadable()) {
        return;
      }
      int start = in.readerIndex();
      byte first = in.getByte(start);
      if (first == '$') {
        if (in.readableBytes() < 4) {
          return;
        }
        int channel = in.getUnsignedByte(start + 1);
        int length = in.getUnsignedShort(start + 2);
        if (in.readableBytes() < 4 + length) {
          return;
        }
        in.skipBytes(4);
        out.add(new InterleavedFrame(channel, in.readRetainedSlice(length)));
        continue;
      }
      if (first < 'A' || first > 'Z') {
        fail(in, out, 400, "expected an RTSP request line or a $-framed packet, got byte 0x"
            + Integer.toHexString(first & 0xff));
        return;
      }
      int headerEnd = headerEnd(in, start, Math.min(in.readableBytes(), maxHeaderBytes));
      if (headerEnd < 0) {
        if (in.readableBytes() >= maxHeaderBytes) {
          fail(in, out, 431, "request line and headers exceed " + maxHeaderBytes + " bytes");
        }
        return;
      }
      int headerLength = headerEnd - start;
      long body = contentLength(in.toString(start, headerLength, StandardCharsets.ISO_8859_1));
      if (body < 0) {
        fail(in, out, 400, body == -2 ? "conflicting Content-Length headers" : "Content-Length is not a number");
        return;
      }
      if (body > maxBodyBytes) {
        fail(in, out, 413, "body of " + body + " bytes exceeds " + maxBodyBytes);
        return;
      }
      if (in.readableBytes() < headerLength + body) {
        return;
      }
      out.add(in.readRetainedSlice(headerLength + (int) body));
    }
    in.skipBytes(in.readableBytes());
  }

  private void fail(ByteBuf in, List<Object> out, int status, String reason) {
    failed = true;
    in.skipBytes(in.readableBytes());
    out.add(new FramingError(status, reason));
  }

  /** Index just past the blank line ending the headers (CRLFCRLF, or bare LFLF), or -1 within {@code limit}. */
  private static int headerEnd(ByteBuf in, int start, int limit) {
    int end = start + limit;
    for (int i = start; i < end; i++) {
      if (in.getByte(i) != '\n') {
        continue;
      }
      if (i + 1 < end && in.getByte(i + 1) == '\n') {
        return i + 2;
      }
      if (i + 2 < end && in.getByte(i + 1) == '\r' && in.getByte(i + 2) == '\n') {
        return i + 3;
      }
    }
    return -1;
  }

  /** The body length the headers declare: 0 when absent, -1 when malformed, -2 when given twice, differently. */
  static long contentLength(String headers) {
    long found = -3;
    for (String line : headers.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon <= 0 || !line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
        continue;
      }
      String v = line.substring(colon + 1).trim();
      if (v.isEmpty() || v.length() > 9 || !v.chars().allMatch(Character::isDigit)) {
        return -1;
      }
      long n = Long.parseLong(v);
      if (found != -3 && found != n) {
        return -2;
      }
      found = n;
    }
    return found == -3 ? 0 : found;
  }
}
