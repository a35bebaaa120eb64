package org.safecity.gateway.devices;

import java.util.Objects;

/**
 * A secret as written in the devices file: plain text (hashed on load) or an existing bcrypt hash (kept).
 * {@link #toString()} never shows it, so a record holding one can be logged safely.
 */
public final class Secret {
  private final String value;
  private final boolean hash;

  private Secret(String value, boolean hash) {
    this.value = value;
    this.hash = hash;
  }

  /**
   * @throws IllegalArgumentException with a message that does not repeat the value
   */
  static Secret of(String value) {
    Objects.requireNonNull(value, "value");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("expected a non-empty secret");
    }
    if (Bcrypt.isHash(value)) {
      return new Secret(value, true);
    }
    if (value.startsWith("$2")) {
      // Almost certainly a mangled hash; hashing it as a password would lock the device out without a hint.
      throw new IllegalArgumentException("looks like a bcrypt hash but is not one: expected $2a$, $2b$ or $2y$, "
          + "a two-digit cost 04..31, $, then 53 characters of [./A-Za-z0-9]");
    }
    if (!Bcrypt.fits(value)) {
      throw new IllegalArgumentException("expected at most " + Bcrypt.MAX_SECRET_BYTES
          + " bytes (UTF-8), the most bcrypt can check");
    }
    return new Secret(value, false);
  }

  /** True when the file held a bcrypt hash rather than the secret itself. */
  public boolean isHash() {
    return hash;
  }

  /** The plain secret or the hash, as written. Package-private: only the registry's hashing reads it. */
  String value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && s.hash == hash && s.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return hash ? "Secret[bcrypt hash]" : "Secret[plain, redacted]";
  }
}
