package org.safecity.gateway.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * How long a box on battery is expected to last, from the trend of its recent battery readings.
 *
 * @param at             when this estimate was made (gateway clock)
 * @param emptyAt        when the battery is projected to reach 0 % (gateway clock)
 * @param percentPerHour the discharge rate, positive while discharging
 * @param batteryPercent the state of charge the trend gives for the latest reading
 * @param samples        how many readings the trend is fitted to
 */
public record BatteryEstimate(Instant at, Instant emptyAt, double percentPerHour, double batteryPercent,
                              int samples) {

  public BatteryEstimate {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(emptyAt, "emptyAt");
  }

  /** Minutes left as of {@link #at()}. */
  public double minutesLeft() {
    return minutesLeftAt(at);
  }

  /** Minutes left as of {@code now}, never negative. */
  public double minutesLeftAt(Instant now) {
    return Math.max(0, Duration.between(now, emptyAt).toMillis() / 60_000.0);
  }

  /** The same projection seen from {@code now}: the battery keeps running down between readings. */
  BatteryEstimate asOf(Instant now) {
    return new BatteryEstimate(now, emptyAt, percentPerHour, batteryPercent, samples);
  }
}
