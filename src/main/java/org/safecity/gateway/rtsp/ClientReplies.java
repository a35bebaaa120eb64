package org.safecity.gateway.rtsp;

import java.util.Locale;
import java.util.Optional;

/** What the pull client reads out of a camera's replies beyond status and body: URLs, timeouts, ports. */
final class ClientReplies {
  private ClientReplies() {
  }

  /**
   * A track or session control resolved against the DESCRIBE reply's base URL. An absolute control is taken
   * as is; "*" or none means the base itself; a relative one is appended below the base, as ffmpeg and
   * GStreamer do (strict RFC 3986 resolution would drop the base's last segment when it lacks a slash, and
   * many cameras send such a base).
   */
  static String resolve(String base, String control) {
    String c = control == null ? "" : control.trim();
    if (c.isEmpty() || c.equals("*")) {
      return base; // as ffmpeg sends it: cameras match the aggregate URL with or without the slash
    }
    if (c.regionMatches(true, 0, "rtsp://", 0, 7) || c.regionMatches(true, 0, "rtsps://", 0, 8)) {
      return c;
    }
    String b = base;
    int q = b.indexOf('?');
    String query = "";
    if (q >= 0) {
      // a query belongs after the whole path: rtsp://h/live?token=x + trackID=1 -> rtsp://h/live/trackID=1?token=x
      query = b.substring(q);
      b = b.substring(0, q);
    }
    return (b.endsWith("/") ? b : b + "/") + (c.startsWith("/") ? c.substring(1) : c) + query;
  }

  /** The session-level {@code a=control} of an SDP (before its first media section), or "" for none. */
  static String sessionControl(String sdp) {
    for (String raw : sdp.split("\r?\n")) {
      String line = raw.strip();
      if (line.startsWith("m=")) {
        break;
      }
      if (line.startsWith("a=control:")) {
        return line.substring(10).trim();
      }
    }
    return "";
  }

  /** {@code timeout=N} of a Session header ({@code id;timeout=N}), when given and sane. */
  static Optional<Integer> sessionTimeout(String sessionHeader) {
    for (String p : sessionHeader.split(";")) {
      String[] kv = p.trim().split("=", 2);
      if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("timeout")) {
        try {
          int s = Integer.parseInt(kv[1].trim());
          return s > 0 && s <= 86_400 ? Optional.of(s) : Optional.empty();
        } catch (NumberFormatException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /** A parameter of the first choice in a Transport header ({@code source}, {@code server_port}, ...). */
  static Optional<String> transportParameter(String transport, String name) {
    String first = transport.split(",", 2)[0];
    for (String p : first.split(";")) {
      String[] kv = p.trim().split("=", 2);
      if (kv[0].trim().toLowerCase(Locale.ROOT).equals(name)) {
        return Optional.of(kv.length == 2 ? kv[1].trim().replace("\"", "") : "");
      }
    }
    return Optional.empty();
  }

  /** {@code server_port=a-b} (or a single {@code a}, meaning a and a+1) of a UDP SETUP reply. */
  static Optional<int[]> serverPorts(String transport) {
    return transportParameter(transport, "server_port").flatMap(v -> {
      try {
        String[] ab = v.split("-", 2);
        int a = Integer.parseInt(ab[0].trim());
        int b = ab.length > 1 ? Integer.parseInt(ab[1].trim()) : a + 1;
        return a > 0 && a < 65536 && b > 0 && b < 65536 ? Optional.of(new int[] {a, b}) : Optional.empty();
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    });
  }
}
