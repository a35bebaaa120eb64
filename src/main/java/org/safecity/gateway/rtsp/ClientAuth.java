package org.safecity.gateway.rtsp;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The pull client's side of RTSP authentication: answers a camera's {@code WWW-Authenticate} challenge with
 * Digest (RFC 2617, MD5 or MD5-sess, with or without {@code qop=auth}) when offered, else Basic. Nothing is sent
 * before the first challenge, so credentials never travel to a camera that does not ask for them.
 */
final class ClientAuth {
  /** What the client does after a 401. */
  enum Outcome {
    /** a new challenge was accepted: send the request again */
    RETRY,
    /** the credentials were already sent for this challenge and refused: they are wrong */
    REFUSED,
    /** no challenge this client can answer (no credentials, or only unknown schemes) */
    UNSUPPORTED
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final String user;
  private final String password;
  private final Supplier<String> cnonces;
  private Map<String, String> digest; // the accepted Digest challenge's parameters
  private boolean basic;
  private int nonceCount;

  ClientAuth(String user, String password) {
    this(user, password, () -> {
      byte[] b = new byte[8];
      RANDOM.nextBytes(b);
      return HexFormat.of().formatHex(b);
    });
  }

  /** With a fixed client-nonce source, for tests against worked examples. */
  ClientAuth(String user, String password, Supplier<String> cnonces) {
    this.user = user;
    this.password = password;
    this.cnonces = cnonces;
  }

  boolean hasAnswered() {
    return digest != null || basic;
  }

  /**
   * Takes in a 401's challenges (every {@code WWW-Authenticate} value). The first challenge, and a Digest one
   * marked {@code stale=true} (our nonce expired, the credentials were right), are worth one more try; any
   * other 401 after credentials were sent means they are wrong.
   */
  Outcome challenged(List<String> challenges) {
    Optional<Map<String, String>> d = challenges.stream().filter(c -> scheme(c).equals("digest"))
        .map(c -> RtspAuth.parseParams(c.trim().substring(6))).filter(p -> p.containsKey("nonce"))
        .filter(p -> algorithm(p) != null).findFirst();
    boolean b = challenges.stream().anyMatch(c -> scheme(c).equals("basic"));
    if (user == null || (d.isEmpty() && !b)) {
      return Outcome.UNSUPPORTED;
    }
    if (d.isPresent()) {
      Map<String, String> p = d.get();
      boolean retry = digest == null || "true".equalsIgnoreCase(p.get("stale"));
      digest = p;
      basic = false;
      nonceCount = 0;
      return retry ? Outcome.RETRY : Outcome.REFUSED;
    }
    if (basic || digest != null) {
      return Outcome.REFUSED;
    }
    basic = true;
    return Outcome.RETRY;
  }

  /** The Authorization value for a request, once a challenge has been accepted. */
  Optional<String> authorization(String method, String uri) {
    if (digest != null) {
      return Optional.of(digestHeader(method, uri));
    }
    if (basic) {
      return Optional.of("Basic " + Base64.getEncoder().encodeToString((user + ":" + (password == null ? "" : password))
          .getBytes(StandardCharsets.UTF_8)));
    }
    return Optional.empty();
  }

  private String digestHeader(String method, String uri) {
    String realm = digest.getOrDefault("realm", "");
    String nonce = digest.get("nonce");
    String algorithm = algorithm(digest);
    boolean qopAuth = qopAuth(digest.get("qop"));
    String cnonce = qopAuth || algorithm.equals("MD5-sess") ? cnonces.get() : null;
    String nc = String.format("%08x", ++nonceCount);
    String ha1 = RtspAuth.md5(user + ":" + realm + ":" + (password == null ? "" : password));
    if (algorithm.equals("MD5-sess")) {
      ha1 = RtspAuth.md5(ha1 + ":" + nonce + ":" + cnonce);
    }
    String response = response(ha1, nonce, qopAuth ? nc : null, cnonce, qopAuth ? "auth" : null, method, uri);
    StringBuilder h = new StringBuilder("Digest username=\"").append(quoted(user)).append("\", realm=\"")
        .append(quoted(realm)).append("\", nonce=\"").append(quoted(nonce)).append("\", uri=\"").append(quoted(uri))
        .append("\", response=\"").append(response).append('"');
    if (digest.containsKey("algorithm")) {
      h.append(", algorithm=").append(algorithm);
    }
    if (digest.containsKey("opaque")) {
      h.append(", opaque=\"").append(quoted(digest.get("opaque"))).append('"');
    }
    if (qopAuth) {
      h.append(", qop=auth, nc=").append(nc).append(", cnonce=\"").append(cnonce).append('"');
    }
    return h.toString();
  }

  /** RFC 2617 3.2.2.1: the request-digest, without qop (RFC 2069 compatible) when {@code qop} is null. */
  static String response(String ha1, String nonce, String nc, String cnonce, String qop, String method, String uri) {
    return RtspAuth.digestResponse(ha1, nonce, method, uri, qop, nc, cnonce);
  }

  private static boolean qopAuth(String qop) {
    if (qop == null) {
      return false;
    }
    for (String q : qop.split(",")) {
      if (q.trim().equalsIgnoreCase("auth")) {
        return true;
      }
    }
    return false;
  }

  /** The challenge's algorithm as we name it, or null for one we cannot compute (SHA-256 and others). */
  private static String algorithm(Map<String, String> p) {
    String a = p.getOrDefault("algorithm", "MD5").trim();
    if (a.equalsIgnoreCase("MD5")) {
      return "MD5";
    }
    return a.equalsIgnoreCase("MD5-sess") ? "MD5-sess" : null;
  }

  private static String scheme(String challenge) {
    String c = challenge.trim();
    int sp = c.indexOf(' ');
    return (sp < 0 ? c : c.substring(0, sp)).toLowerCase(Locale.ROOT);
  }

  private static String quoted(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /** The credentials are never part of a string form. */
  @Override
  public String toString() {
    return "ClientAuth[" + (digest != null ? "digest" : basic ? "basic" : "none") + "]";
  }
}
