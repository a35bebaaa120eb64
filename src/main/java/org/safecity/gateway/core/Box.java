package org.safecity.gateway.core;

import java.util.List;
import java.util.Objects;

/**
 * A street box as the registry knows it.
 *
 * @param id             the box id, also its MQTT client id and topic segment
 * @param region         the region it belongs to (visibility and dispatch)
 * @param location       where it is installed
 * @param geofenceMeters how far a GPS fix may stray from {@code location} before the box counts as moved
 * @param cameraIds      the cameras it powers and connects (used to correlate a site outage)
 */
public record Box(String id, String region, GeoPoint location, double geofenceMeters, List<String> cameraIds) {

  public Box {
    requireText(id, "id");
    requireText(region, "region");
    Objects.requireNonNull(location, "location");
    if (!Double.isFinite(geofenceMeters) || geofenceMeters <= 0) {
      throw new IllegalArgumentException("geofenceMeters must be > 0: " + geofenceMeters);
    }
    cameraIds = List.copyOf(Objects.requireNonNull(cameraIds, "cameraIds"));
    if (cameraIds.stream().distinct().count() != cameraIds.size()) {
      throw new IllegalArgumentException("duplicate camera id in box " + id + ": " + cameraIds);
    }
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }
}
