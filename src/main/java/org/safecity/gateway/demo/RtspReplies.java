package org.safecity.gateway.demo;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The camera's side of an RTSP connection with TCP-interleaved media (the load tests' {@code RtspClientDecoder},
 * on Vert.x buffers): splits what the server sends into responses (status line, headers, Content-Length body)
 * and skips the {@code $}-framed packets (the server's RTCP receiver reports, which a camera may ignore).
 */
final class RtspReplies {

  /** An RTSP response; a request from the server has status -1. */
  record Reply(int status, String reason, Map<String, String> headers, String body) {
    /** A header by its lower-case name, or null. */
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    int cseq() {
      String c = header("cseq");
      try {
        return c == null ? -1 : Integer.parseInt(c.trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    /** The session id (before any {@code ;timeout=}), or null. */
    String session() {
      String s = header("session");
      return s == null ? null : s.split(";", 2)[0].trim();
    }

    /** The first interleaved channel the server's Transport names, or {@code fallback}. */
    int interleavedChannel(int fallback) {
      String t = header("transport");
      if (t == null) {
        return fallback;
      }
      for (String part : t.split(";")) {
        String p = part.trim().toLowerCase(Locale.ROOT);
        if (p.startsWith("interleaved=")) {
          try {
            return Integer.parseInt(p.substring(12).split("-", 2)[0].trim());
          } catch (NumberFormatException e) {
            return fallback;
          }
        }
      }
      return fallback;
    }
  }

  /** The server broke the protocol: the connection should be closed. */
  static final class BadReply extends RuntimeException {
    BadReply(String message) {
      super(message);
    }
  }

  static final int MAX_HEADER_BYTES = 16_384;
  static final int MAX_BODY_BYTES = 65_536;

  private final Consumer<Reply> replies;
  private Buffer pending = Buffer.buffer();

  RtspReplies(Consumer<Reply> replies) {
    this.replies = replies;
  }

  /** Feeds bytes as they arrive; whole replies go to the consumer, the rest waits for more. */
  void feed(Buffer data) {
    pending.appendBuffer(data);
    int pos = 0;
    int n = pending.length();
    while (pos < n) {
      byte first = pending.getByte(pos);
      if (first == '\r' || first == '\n') {
        pos++;
        continue;
      }
      if (first == '$') {
        if (n - pos < 4) {
          break;
        }
        int length = pending.getUnsignedShort(pos + 2);
        if (n - pos < 4 + length) {
          break;
        }
        pos += 4 + length;
        continue;
      }
      int end = headerEnd(pending, pos, Math.min(n, pos + MAX_HEADER_BYTES));
      if (end < 0) {
        if (n - pos >= MAX_HEADER_BYTES) {
          throw new BadReply("response headers exceed " + MAX_HEADER_BYTES + " bytes");
        }
        break;
      }
      String[] lines = pending.getString(pos, end, StandardCharsets.ISO_8859_1.name()).split("\r\n");
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
              lines[i].substring(colon + 1).trim());
        }
      }
      int body = contentLength(headers.get("content-length"));
      if (n - end < body) {
        break;
      }
      String text = pending.getString(end, end + body, StandardCharsets.UTF_8.name());
      pos = end + body;
      replies.accept(status(lines[0], headers, text));
    }
    pending = pos == n ? Buffer.buffer() : pending.getBuffer(pos, n);
  }

  private static int contentLength(String value) {
    if (value == null) {
      return 0;
    }
    try {
      int body = Integer.parseInt(value.trim());
      if (body < 0 || body > MAX_BODY_BYTES) {
        throw new BadReply("Content-Length out of range: " + value);
      }
      return body;
    } catch (NumberFormatException e) {
      throw new BadReply("bad Content-Length: " + value);
    }
  }

  static Reply status(String line, Map<String, String> headers, String body) {
    // "RTSP/1.0 200 OK"; a request from the server ("GET_PARAMETER rtsp://.. RTSP/1.0") gets status -1.
    if (!line.startsWith("RTSP/")) {
      return new Reply(-1, line, headers, body);
    }
    String[] parts = line.split(" ", 3);
    int status;
    try {
      status = parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
    } catch (NumberFormatException e) {
      status = -1;
    }
    return new Reply(status, parts.length > 2 ? parts[2] : "", headers, body);
  }

  /** Index just past the blank line ending the header block, or -1. */
  private static int headerEnd(Buffer in, int start, int limit) {
    for (int i = start; i + 3 < limit; i++) {
      if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n' && in.getByte(i + 2) == '\r' && in.getByte(i + 3) == '\n') {
        return i + 4;
      }
    }
    return -1;
  }
}
