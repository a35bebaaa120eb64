package org.safecity.gateway.core;

import java.time.Instant;
import java.util.Objects;

/**
 * The active alarm with {@code key} ended.
 *
 * @param key    the key it was raised with
 * @param at     when (gateway clock)
 * @param reason why, for the operator, e.g. {@code door closed} or {@code absorbed by theft-suspected}
 */
public record AlarmCleared(String key, Instant at, String reason) implements AlarmChange {

  public AlarmCleared {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(reason, "reason");
  }
}
