package org.safecity.gateway.core;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * An alarm to open. The store assigns its id; {@code key} correlates it with its later clear.
 *
 * @param key      stable correlation key, e.g. {@code link:box-001}
 * @param kind     one of {@link AlarmKinds}
 * @param severity how urgent
 * @param boxId    the box it concerns
 * @param region   the box's region
 * @param at       when it was raised (gateway clock)
 * @param summary  one line for an operator
 * @param details  JSON-friendly facts
 */
public record AlarmRaised(String key, String kind, Severity severity, String boxId, String region, Instant at,
                          String summary, Map<String, Object> details) implements AlarmChange {

  public AlarmRaised {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(boxId, "boxId");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(summary, "summary");
    details = JsonDetails.copy(details);
  }
}
