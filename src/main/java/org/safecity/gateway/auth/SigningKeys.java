package org.safecity.gateway.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Optional;

/**
 * The token-signing key pair as PEM text: from the configured files, or generated once into
 * {@code <data.dir>/keys} so a fresh gateway needs no set-up and keeps accepting its tokens across restarts.
 */
public record SigningKeys(String algorithm, String privatePem, String publicPem, String origin) {

  /** Blocking (file I/O, key generation): call at start-up, off the event loops. */
  public static SigningKeys load(String algorithm, Optional<Path> privateFile, Optional<Path> publicFile, Path dataDir)
      throws IOException {
    if (privateFile.isPresent()) {
      return new SigningKeys(algorithm, Files.readString(privateFile.get()), Files.readString(publicFile.orElseThrow()),
          privateFile.get().toString());
    }
    Path dir = dataDir.resolve("keys");
    String base = algorithm.toLowerCase(java.util.Locale.ROOT);
    Path priv = dir.resolve("jwt-" + base + "-private.pem");
    Path pub = dir.resolve("jwt-" + base + "-public.pem");
    if (Files.isReadable(priv) && Files.isReadable(pub)) {
      return new SigningKeys(algorithm, Files.readString(priv), Files.readString(pub), priv.toString());
    }
    Files.createDirectories(dir);
    KeyPair pair = generate(algorithm);
    String privatePem = pem("PRIVATE KEY", pair.getPrivate().getEncoded());
    String publicPem = pem("PUBLIC KEY", pair.getPublic().getEncoded());
    Path tmp = dir.resolve(priv.getFileName() + ".tmp");
    Files.writeString(tmp, privatePem, StandardCharsets.US_ASCII);
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system: the data dir's own permissions have to do
    }
    Files.writeString(pub, publicPem, StandardCharsets.US_ASCII);
    Files.move(tmp, priv, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return new SigningKeys(algorithm, privatePem, publicPem, priv + " (generated)");
  }

  static KeyPair generate(String algorithm) {
    try {
      if (algorithm.equals("ES256")) {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
      }
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a " + algorithm + " key pair", e);
    }
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  @Override
  public String toString() {
    return "SigningKeys[" + algorithm + ", " + origin + "]";
  }
}
