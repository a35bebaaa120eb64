package org.safecity.gateway.core;

/**
 * A WGS-84 position in decimal degrees.
 *
 * @param lat latitude, -90..90
 * @param lon longitude, -180..180
 */
public record GeoPoint(double lat, double lon) {

  /** Mean Earth radius (IUGG R1); the error of a sphere is far below GPS error at geofence scale. */
  public static final double EARTH_RADIUS_METERS = 6_371_008.8;

  public GeoPoint {
    if (!Double.isFinite(lat) || lat < -90 || lat > 90) {
      throw new IllegalArgumentException("latitude out of range: " + lat);
    }
    if (!Double.isFinite(lon) || lon < -180 || lon > 180) {
      throw new IllegalArgumentException("longitude out of range: " + lon);
    }
  }

  /** Great-circle distance by the haversine formula, which stays accurate for the short distances of a geofence. */
  public double metersTo(GeoPoint other) {
    double phi1 = Math.toRadians(lat);
    double phi2 = Math.toRadians(other.lat);
    double dPhi = phi2 - phi1;
    double dLambda = Math.toRadians(other.lon - lon);
    double h = Math.pow(Math.sin(dPhi / 2), 2)
        + Math.cos(phi1) * Math.cos(phi2) * Math.pow(Math.sin(dLambda / 2), 2);
    // min() guards asin against rounding just above 1 for antipodal points.
    return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
  }
}
