package org.safecity.load.rtsp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The client side of an RTSP connection with TCP-interleaved media: splits the server's bytes into responses
 * (status line, headers, Content-Length body) and {@code $}-framed packets. Packets are handed to the listener
 * in place (buffer, index, length), without a slice or an object per packet: a reader takes tens of thousands
 * a second.
 */
public final class RtspClientDecoder extends ByteToMessageDecoder {

  /** An RTSP response (or a request from the server, which the simulator only logs). */
  public record Response(int status, String reason, Map<String, String> headers, String body) {
    /** A header by its lower-case name, or null. */
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public int cseq() {
      String c = header("cseq");
      try {
        return c == null ? -1 : Integer.parseInt(c.trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }
  }

  /** Where decoded units go; called on the channel's event loop. */
  public interface Listener {
    /** A packet on interleaved {@code channel}: {@code length} bytes of {@code buf} from {@code index}. */
    void interleaved(int channel, ByteBuf buf, int index, int length);

    void response(Response response);
  }

  static final int MAX_HEADER_BYTES = 16_384;
  static final int MAX_BODY_BYTES = 65_536;

  private final Listener listener;

  public RtspClientDecoder(Listener listener) {
    this.listener = listener;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.isReadable()) {
      int start = in.readerIndex();
      byte first = in.getByte(start);
      if (first == '\r' || first == '\n') {
        in.skipBytes(1);
        continue;
      }
      if (first == '$') {
        if (in.readableBytes() < 4) {
          return;
        }
        int channel = in.getUnsignedByte(start + 1);
        int length = in.getUnsignedShort(start + 2);
        if (in.readableBytes() < 4 + length) {
          return;
        }
        listener.interleaved(channel, in, start + 4, length);
        in.readerIndex(start + 4 + length);
        continue;
      }
      int end = headerEnd(in, start, Math.min(in.readableBytes(), MAX_HEADER_BYTES));
      if (end < 0) {
        if (in.readableBytes() >= MAX_HEADER_BYTES) {
          throw new DecoderException("response headers exceed " + MAX_HEADER_BYTES + " bytes");
        }
        return;
      }
      String head = in.toString(start, end - start, StandardCharsets.ISO_8859_1);
      Map<String, String> headers = new LinkedHashMap<>();
      String[] lines = head.split("\r\n");
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
              lines[i].substring(colon + 1).trim());
        }
      }
      int body = 0;
      String cl = headers.get("content-length");
      if (cl != null) {
        try {
          body = Integer.parseInt(cl.trim());
        } catch (NumberFormatException e) {
          throw new DecoderException("bad Content-Length: " + cl);
        }
        if (body < 0 || body > MAX_BODY_BYTES) {
          throw new DecoderException("Content-Length out of range: " + cl);
        }
      }
      if (in.readableBytes() < end - start + body) {
        return;
      }
      String text = in.toString(end, body, StandardCharsets.UTF_8);
      in.readerIndex(end + body);
      listener.response(parseStatus(lines[0], headers, text));
    }
  }

  static Response parseStatus(String line, Map<String, String> headers, String body) {
    // "RTSP/1.0 200 OK"; a request from the server ("GET_PARAMETER rtsp://.. RTSP/1.0") gets status -1.
    if (!line.startsWith("RTSP/")) {
      return new Response(-1, line, headers, body);
    }
    String[] parts = line.split(" ", 3);
    int status;
    try {
      status = parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
    } catch (NumberFormatException e) {
      status = -1;
    }
    return new Response(status, parts.length > 2 ? parts[2] : "", headers, body);
  }

  /** Index just past the blank line ending the header block, or -1. */
  private static int headerEnd(ByteBuf in, int start, int limit) {
    for (int i = start; i + 3 < start + limit; i++) {
      if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n' && in.getByte(i + 2) == '\r' && in.getByte(i + 3) == '\n') {
        return i + 4;
      }
    }
    return -1;
  }
}
