package org.safecity.gateway.rtsp;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A camera's {@code source:} URL, split into what the pull client needs. The credentials in its userinfo are
 * kept apart from the URL sent to the camera and from the one shown in logs; our own {@code transport=udp|tcp}
 * query parameter is taken out, as the camera would not know it.
 *
 * @param host       the camera's host name or address (IPv6 without brackets)
 * @param port       the RTSP port, 554 when the URL names none
 * @param requestUrl the URL for DESCRIBE: no userinfo, no {@code transport} parameter
 * @param redacted   the URL for logs: no userinfo and no query (a query may hold a token)
 * @param user       the URL's user, percent-decoded, if any
 * @param password   the URL's password, percent-decoded, if any
 * @param udp        RTP over UDP was asked for ({@code ?transport=udp}); TCP-interleaved otherwise
 */
record PullUrl(String host, int port, String requestUrl, String redacted, Optional<String> user,
               Optional<String> password, boolean udp) {

  /** @throws IllegalArgumentException saying what is wrong, without repeating the URL (it may hold a password) */
  static PullUrl parse(String source) {
    URI uri;
    try {
      uri = new URI(source.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("the source is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("rtsp")) {
      throw new IllegalArgumentException(scheme.equals("rtsps") ? "rtsps:// sources are not supported yet"
          : "the source is not an rtsp:// URL");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("the source URL has no host");
    }
    String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
    int port = uri.getPort() < 0 ? 554 : uri.getPort();
    Optional<String> user = Optional.empty();
    Optional<String> password = Optional.empty();
    String info = uri.getRawUserInfo();
    if (info != null) {
      int colon = info.indexOf(':');
      user = Optional.of(decode(colon < 0 ? info : info.substring(0, colon)));
      password = colon < 0 ? Optional.empty() : Optional.of(decode(info.substring(colon + 1)));
    }
    boolean udp = false;
    List<String> kept = new ArrayList<>();
    if (uri.getRawQuery() != null) {
      for (String p : uri.getRawQuery().split("&")) {
        String name = p.split("=", 2)[0];
        if (name.equalsIgnoreCase("transport")) {
          udp = p.substring(name.length()).equalsIgnoreCase("=udp");
        } else if (!p.isEmpty()) {
          kept.add(p);
        }
      }
    }
    String authority = "rtsp://" + (host.contains(":") ? "[" + host + "]" : host) + (uri.getPort() < 0 ? "" : ":" + port);
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String request = authority + path + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    return new PullUrl(host, port, request, authority + path, user, password, udp);
  }

  boolean hasCredentials() {
    return user.isPresent();
  }

  /** Percent-decoding as RFC 3986 means it: unlike form decoding, '+' stays a plus. */
  private static String decode(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0
          && Character.digit(s.charAt(i + 2), 16) >= 0) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Credentials stay out of every string form of this record. */
  @Override
  public String toString() {
    return redacted;
  }
}
