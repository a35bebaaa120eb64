package org.safecity.gateway.demo;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Properties;

/**
 * The demo's logins and device secrets, made at random on the first demo start and kept in the demo's data
 * directory ({@value #FILE}, readable by its owner only), so a restarted demo has the same logins and its boxes
 * and cameras the same secrets. Nothing is a fixed, published password: a demo left running on a network is not
 * open to whoever read the README.
 *
 * @param seed     device secrets are derived from it (box and camera secrets need not be stored one by one)
 * @param admin    the bootstrap administrator {@code admin}
 * @param operator the command-centre account {@value #OPERATOR}
 * @param crew     the ERV crews' accounts (one password for both crews)
 * @param viewer   the cameras' read secret for user {@value #VIEWER}
 */
record DemoCredentials(String seed, String admin, String operator, String crew, String viewer) {

  static final String FILE = "demo-credentials.properties";
  static final String OPERATOR = "operator";
  static final String VIEWER = "viewer";

  /** Reads the file in {@code dataDir}, or makes and writes one. */
  static DemoCredentials loadOrCreate(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (Files.isRegularFile(file)) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      }
      DemoCredentials c = new DemoCredentials(p.getProperty("seed"), p.getProperty("admin"),
          p.getProperty("operator"), p.getProperty("crew"), p.getProperty("viewer"));
      if (c.seed() == null || c.admin() == null || c.operator() == null || c.crew() == null || c.viewer() == null) {
        throw new IOException(file + " lacks one of seed, admin, operator, crew, viewer (delete the demo's data "
            + "directory to start over)");
      }
      return c;
    }
    DemoCredentials c = new DemoCredentials(random(16), random(12), random(12), random(12), random(12));
    Files.createDirectories(dataDir);
    Path tmp = dataDir.resolve(FILE + ".tmp");
    Properties p = new Properties();
    p.setProperty("seed", c.seed());
    p.setProperty("admin", c.admin());
    p.setProperty("operator", c.operator());
    p.setProperty("crew", c.crew());
    p.setProperty("viewer", c.viewer());
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(w, "SafeCity demo logins and device seed (made at the first demo start)");
    }
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the directory's own permissions apply
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return c;
  }

  /** A device's secret: the first 20 hex digits of SHA-256(seed ":" kind ":" id). */
  String deviceSecret(String kind, String id) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256")
          .digest((seed + ":" + kind + ":" + id).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Letters and digits without look-alikes (no 0/O, 1/l/I), easy to type from a terminal. */
  private static String random(int length) {
    String alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    SecureRandom r = new SecureRandom();
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "DemoCredentials[***]";
  }
}
