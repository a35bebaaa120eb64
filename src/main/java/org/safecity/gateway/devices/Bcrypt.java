package org.safecity.gateway.devices;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** The bcrypt primitives the registry uses. Slow on purpose: call only from worker threads. */
final class Bcrypt {
  /** {@code $2a$}, {@code $2b$} or {@code $2y$}, a two-digit cost 04..31, then 22 characters of salt and 31 of hash. */
  static final Pattern HASH = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");
  /** bcrypt reads at most 72 bytes; longer secrets would be silently truncated by other implementations. */
  static final int MAX_SECRET_BYTES = 72;
  static final int MIN_COST = 4;
  static final int MAX_COST = 31;

  private Bcrypt() {
  }

  static boolean isHash(String value) {
    return value != null && HASH.matcher(value).matches();
  }

  static boolean fits(String secret) {
    return secret.getBytes(StandardCharsets.UTF_8).length <= MAX_SECRET_BYTES;
  }

  /** A new salted hash; {@code $2b$} is the current OpenBSD version and what other tools expect. */
  static String hash(String secret, int cost) {
    return BCrypt.with(BCrypt.Version.VERSION_2B).hashToString(cost, secret.toCharArray());
  }

  /** False for a wrong secret, a secret bcrypt cannot take, or a malformed hash; never throws. */
  static boolean verify(String secret, String hash) {
    if (!fits(secret) || !isHash(hash)) {
      return false;
    }
    return BCrypt.verifyer().verify(secret.toCharArray(), hash.toCharArray()).verified;
  }
}
