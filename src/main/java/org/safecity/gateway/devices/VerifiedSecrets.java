package org.safecity.gateway.devices;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Remembers which secret last verified against each principal's current hash, as an HMAC-SHA256 under a key
 * that exists only in this process, so a reconnecting device does not pay for bcrypt again and the memory
 * never holds a secret or anything that can be checked offline. An entry counts only while its principal's
 * hash is unchanged, so a new secret in the devices file invalidates it. One entry per principal bounds the
 * size by the number of devices.
 */
final class VerifiedSecrets {
  private record Entry(byte[] mac, String hash) {
  }

  private final SecretKeySpec key;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  VerifiedSecrets() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    key = new SecretKeySpec(k, "HmacSHA256");
  }

  /** True when {@code secret} is known to verify against {@code hash} for this principal. */
  boolean known(String principal, String secret, String hash) {
    Entry e = entries.get(principal);
    return e != null && e.hash().equals(hash) && MessageDigest.isEqual(e.mac(), mac(principal, secret));
  }

  /** Call only after bcrypt said {@code secret} matches {@code hash}. */
  void remember(String principal, String secret, String hash) {
    entries.put(principal, new Entry(mac(principal, secret), hash));
  }

  /** Drops entries of principals that are gone or whose hash changed. */
  void retain(Map<String, String> hashes) {
    entries.entrySet().removeIf(e -> !e.getValue().hash().equals(hashes.get(e.getKey())));
  }

  int size() {
    return entries.size();
  }

  private byte[] mac(String principal, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update(principal.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0); // principals never contain NUL, so (principal, secret) pairs cannot collide
      return mac.doFinal(secret.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
    }
  }
}
