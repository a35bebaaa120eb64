package org.safecity.gateway.core;

import java.time.Instant;
import java.util.Objects;

/**
 * One GPS fix reported by a box.
 *
 * @param at             when the fix was taken (device clock)
 * @param position       where
 * @param accuracyMeters horizontal accuracy radius as the receiver reports it; {@code null} when not sent
 */
public record GpsFix(Instant at, GeoPoint position, Double accuracyMeters) {

  public GpsFix {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(position, "position");
    if (accuracyMeters != null && (!Double.isFinite(accuracyMeters) || accuracyMeters < 0)) {
      throw new IllegalArgumentException("accuracyMeters must be >= 0: " + accuracyMeters);
    }
  }
}
