package org.safecity.gateway.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An emergency response vehicle as dispatch sees it.
 *
 * @param position its last reported position, with when
 */
public record ErvUnit(String id, String region, String status, Optional<GeoPoint> position, Optional<Instant> positionAt) {
  public static final String AVAILABLE = "available";

  public ErvUnit {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(status, "status");
  }

  /** A proposed unit and how far it is. */
  public record Proposal(ErvUnit unit, double meters) {
  }

  /**
   * The nearest available unit of the incident's region whose position is fresher than {@code maxAge}; other
   * regions' units only when the region has none (a crew from next door beats no crew).
   */
  public static Optional<Proposal> nearest(GeoPoint incident, String region, List<ErvUnit> units, Instant now,
      Duration maxAge) {
    Comparator<Proposal> byDistance = Comparator.comparingDouble(Proposal::meters);
    List<Proposal> candidates = units.stream()
        .filter(u -> u.status().equals(AVAILABLE) && u.position().isPresent() && u.positionAt().isPresent())
        .filter(u -> !u.positionAt().get().isBefore(now.minus(maxAge)))
        .map(u -> new Proposal(u, u.position().get().metersTo(incident)))
        .toList();
    Optional<Proposal> own = candidates.stream().filter(p -> p.unit().region().equals(region)).min(byDistance);
    return own.isPresent() ? own : candidates.stream().min(byDistance);
  }
}
