package org.safecity.gateway.rtsp;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.auth.Tokens;
import org.safecity.gateway.devices.CameraAccess;
import org.safecity.gateway.devices.DeviceRegistry;

/**
 * RTSP Basic and Digest authentication (RFC 7617, RFC 2617 with MD5 as cameras and ffmpeg speak it) against a
 * camera's publish or read credentials. Nonces are stateless: a timestamp and an HMAC of it under a key made
 * at start, so any instance on any event loop can check them and an old one is answered {@code stale=true}.
 */
public final class RtspAuth {
  /** How long a Digest nonce is accepted; clients re-authenticate transparently on stale=true. */
  static final Duration NONCE_LIFETIME = Duration.ofMinutes(5);

  /** The outcome of one check. */
  public enum Result { OK, MISSING, WRONG, STALE, FORBIDDEN }

  private final DeviceRegistry registry;
  private final Tokens tokens;
  private final Clock clock;
  private final byte[] key = new byte[32];

  /** @param tokens API token checker: a reader may log in with its API token instead of the camera's read credentials */
  public RtspAuth(DeviceRegistry registry, Tokens tokens, Clock clock) {
    this.registry = registry;
    this.tokens = tokens;
    this.clock = clock;
    new SecureRandom().nextBytes(key);
  }

  /**
   * A reader's API token, from {@code ?token=} or as the Basic password (players have nowhere else to put it):
   * staff read every camera, an ERV crew its region's, an agency those of its regions when granted
   * {@code video:read}.
   */
  public Future<Result> checkToken(String token, String cameraId) {
    String region = registry.camera(cameraId).map(c -> c.region()).orElse(null);
    return tokens.verify(token)
        .map(p -> p.seesRegion(region) && (p.role().isStaff() || p.role() == Role.ERV_CREW || p.scopes().contains(Principal.VIDEO_READ))
            ? Result.OK : Result.FORBIDDEN)
        .otherwise(Result.WRONG);
  }

  /** True when {@code s} has the shape of a JWT (three base64url parts). */
  static boolean looksLikeToken(String s) {
    return s != null && s.matches("[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}");
  }

  /** The WWW-Authenticate values offered for this camera: Digest first when it can work, Basic always. */
  public List<String> challenges(String cameraId, CameraAccess access, boolean stale) {
    List<String> out = new ArrayList<>();
    if (registry.digestAvailable(cameraId, access)) {
      out.add("Digest realm=\"" + DeviceRegistry.DIGEST_REALM + "\", nonce=\"" + nonce() + "\", algorithm=MD5"
          + (stale ? ", stale=true" : ""));
    }
    out.add("Basic realm=\"" + DeviceRegistry.DIGEST_REALM + "\"");
    return out;
  }

  /** Checks an Authorization header sent with {@code method} for {@code cameraId}. */
  public Future<Result> check(String authorization, String method, String cameraId, CameraAccess access) {
    if (authorization == null || authorization.isBlank()) {
      return Future.succeededFuture(Result.MISSING);
    }
    String a = authorization.trim();
    int sp = a.indexOf(' ');
    String scheme = (sp < 0 ? a : a.substring(0, sp)).toLowerCase(Locale.ROOT);
    String rest = sp < 0 ? "" : a.substring(sp + 1).trim();
    if (scheme.equals("basic")) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(rest), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Future.succeededFuture(Result.WRONG);
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        return Future.succeededFuture(Result.WRONG);
      }
      if (access == CameraAccess.READ && looksLikeToken(decoded.substring(colon + 1))) {
        return checkToken(decoded.substring(colon + 1), cameraId);
      }
      return registry.authenticateCamera(cameraId, access, decoded.substring(0, colon), decoded.substring(colon + 1))
          .map(ok -> ok ? Result.OK : Result.WRONG);
    }
    if (scheme.equals("digest")) {
      return Future.succeededFuture(digest(parseParams(rest), method, cameraId, access));
    }
    return Future.succeededFuture(Result.WRONG);
  }

  private Result digest(Map<String, String> p, String method, String cameraId, CameraAccess access) {
    String user = p.get("username");
    String nonce = p.get("nonce");
    String uri = p.get("uri");
    String response = p.get("response");
    if (user == null || nonce == null || uri == null || response == null
        || !DeviceRegistry.DIGEST_REALM.equals(p.get("realm"))) {
      return Result.WRONG;
    }
    Optional<String> ha1 = registry.cameraDigest(cameraId, access, user);
    if (ha1.isEmpty()) {
      return Result.WRONG;
    }
    String expected = digestResponse(ha1.get(), nonce, method, uri, p.get("qop"), p.getOrDefault("nc", ""),
        p.getOrDefault("cnonce", ""));
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        response.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
      return Result.WRONG;
    }
    return switch (nonceState(nonce)) {
      case 0 -> Result.OK;
      case 1 -> Result.STALE;
      default -> Result.WRONG;
    };
  }

  /** RFC 2617 3.2.2.1 request-digest, MD5, with or without qop=auth. */
  static String digestResponse(String ha1, String nonce, String method, String uri, String qop, String nc, String cnonce) {
    String ha2 = md5(method + ":" + uri);
    return qop == null
        ? md5(ha1 + ":" + nonce + ":" + ha2)
        : md5(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2);
  }

  String nonce() {
    String ts = Long.toHexString(clock.millis());
    return ts + "." + mac(ts);
  }

  /** 0 fresh, 1 ours but expired, 2 not ours. */
  private int nonceState(String nonce) {
    int dot = nonce.indexOf('.');
    if (dot <= 0) {
      return 2;
    }
    String ts = nonce.substring(0, dot);
    if (!MessageDigest.isEqual(mac(ts).getBytes(StandardCharsets.US_ASCII),
        nonce.substring(dot + 1).getBytes(StandardCharsets.US_ASCII))) {
      return 2;
    }
    long issued;
    try {
      issued = Long.parseLong(ts, 16);
    } catch (NumberFormatException e) {
      return 2;
    }
    return clock.millis() - issued > NONCE_LIFETIME.toMillis() ? 1 : 0;
  }

  private String mac(String data) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      return HexFormat.of().formatHex(m.doFinal(data.getBytes(StandardCharsets.US_ASCII)), 0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has HmacSHA256", e);
    }
  }

  static String md5(String s) {
    return DeviceRegistry.md5Hex(s);
  }

  /** {@code name="quoted", name=token, ...} as in RFC 7235 auth-params; quoted commas stay in their value. */
  static Map<String, String> parseParams(String s) {
    Map<String, String> out = new HashMap<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      while (i < n && (s.charAt(i) == ',' || s.charAt(i) == ' ')) {
        i++;
      }
      int eq = s.indexOf('=', i);
      if (eq < 0) {
        break;
      }
      String name = s.substring(i, eq).trim().toLowerCase(Locale.ROOT);
      i = eq + 1;
      StringBuilder v = new StringBuilder();
      if (i < n && s.charAt(i) == '"') {
        i++;
        while (i < n && s.charAt(i) != '"') {
          if (s.charAt(i) == '\\' && i + 1 < n) {
            i++;
          }
          v.append(s.charAt(i++));
        }
        i++;
      } else {
        while (i < n && s.charAt(i) != ',') {
          v.append(s.charAt(i++));
        }
      }
      out.putIfAbsent(name, v.toString().trim());
    }
    return out;
  }
}
