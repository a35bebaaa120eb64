package org.safecity.load;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * Who the simulated boxes are: ids, secrets and home positions are pure functions of (prefix, index,
 * region, seed), so the simulator and the devices file it writes agree without sharing any state, and
 * several simulator processes can split one fleet by index range.
 */
final class Fleet {

  /** Region centres (Karachi: the contract's example box stands at 24.8135, 67.0302 in the south). */
  static final Map<String, double[]> REGIONS = Map.of(
      "south", new double[] {24.8135, 67.0302},
      "east", new double[] {24.9056, 67.1380},
      "north", new double[] {24.9880, 67.0650},
      "west", new double[] {24.9100, 66.9700},
      "central", new double[] {24.8930, 67.0280});

  /** Boxes spread over a square this many degrees wide around their region's centre (about 10 km). */
  static final double SPREAD_DEGREES = 0.09;

  private Fleet() {
  }

  /** {@code box-} + index zero-padded to six digits: {@code box-000001}. */
  static String boxId(String prefix, long index) {
    String n = Long.toString(index);
    StringBuilder sb = new StringBuilder(prefix.length() + Math.max(6, n.length()));
    sb.append(prefix);
    for (int i = n.length(); i < 6; i++) {
      sb.append('0');
    }
    return sb.append(n).toString();
  }

  /**
   * A per-box secret derived from a fleet seed: the first 20 hex digits of SHA-256(seed ":" id). Lets the
   * benchmark give every box its own secret without a secrets file.
   */
  static String derivedSecret(String seed, String boxId) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest = sha.digest((seed + ":" + boxId).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }

  static double[] regionCentre(String region) {
    double[] c = REGIONS.get(region.toLowerCase(Locale.ROOT));
    if (c == null) {
      throw new IllegalArgumentException("unknown region '" + region + "' (known: " + REGIONS.keySet() + ")");
    }
    return c;
  }

  /** Home position {lat, lon} of box {@code index}, rounded to 6 decimals (what the devices file says). */
  static double[] home(String region, long index) {
    double[] c = regionCentre(region);
    long h = mix(index * 0x9E3779B97F4A7C15L + region.hashCode());
    double u1 = (h >>> 11) * 0x1.0p-53;
    double u2 = (mix(h) >>> 11) * 0x1.0p-53;
    return new double[] {round6(c[0] + (u1 - 0.5) * SPREAD_DEGREES), round6(c[1] + (u2 - 0.5) * SPREAD_DEGREES)};
  }

  /** The point {@code meters} away from (lat, lon) at {@code bearingRad} (flat-earth; fine for 200 m). */
  static double[] offset(double lat, double lon, double meters, double bearingRad) {
    double dLat = meters * Math.cos(bearingRad) / 111_320.0;
    double dLon = meters * Math.sin(bearingRad) / (111_320.0 * Math.cos(Math.toRadians(lat)));
    return new double[] {lat + dLat, lon + dLon};
  }

  /** Great-circle distance in meters (haversine). */
  static double distanceMeters(double lat1, double lon1, double lat2, double lon2) {
    double p1 = Math.toRadians(lat1);
    double p2 = Math.toRadians(lat2);
    double dp = p2 - p1;
    double dl = Math.toRadians(lon2 - lon1);
    double a = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  static double round6(double v) {
    return Math.round(v * 1e6) / 1e6;
  }

  /** SplitMix64's finaliser: a good cheap hash of a long. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
