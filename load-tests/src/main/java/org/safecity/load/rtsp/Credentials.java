package org.safecity.load.rtsp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The benchmark's camera credentials, derived from a seed so the devices file and the simulator agree without
 * sharing state: publishUser = the camera id, publishSecret = first 20 hex of sha256(seed:publish:id); every
 * camera's readers log in as {@value #READ_USER} with first 20 hex of sha256(seed:read).
 */
final class Credentials {
  static final String DEFAULT_SEED = "safecity-bench";
  static final String READ_USER = "viewer";

  private Credentials() {
  }

  static String publishSecret(String seed, String cameraId) {
    return hex(seed + ":publish:" + cameraId);
  }

  static String readSecret(String seed) {
    return hex(seed + ":read");
  }

  static String boxSecret(String seed, String boxId) {
    return hex(seed + ":box:" + boxId);
  }

  private static String hex(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, 20);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
