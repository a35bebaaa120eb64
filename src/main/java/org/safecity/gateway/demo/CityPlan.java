package org.safecity.gateway.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where the demo city's things are and what they are called: street boxes on a grid of streets around two
 * regional centres of Karachi (the city of the example devices file), cameras two to a box from the first box on,
 * and one ERV unit per region with a patrol route round its region's boxes. The first camera of each region's first
 * box is an enforcement point (a red-light camera): the hotlisted-plate scene plays there. The other cameras loop
 * a test pattern with nothing to recognise, so their sampling is off: with a plate on the hotlist every sampled
 * camera's keyframes would be read for plates, and two dozen test patterns would cost a laptop a core or more. A
 * pure function of the counts and the credentials, so the devices file and the simulators always agree.
 */
final class CityPlan {

  /** The two regions, each with its centre {lat, lon} (as in the load tests' fleet). */
  static final List<Region> REGIONS = List.of(
      new Region("south", 's', 24.8135, 67.0302),
      new Region("east", 'e', 24.9056, 67.1380));

  /** Boxes stand this far apart on the region's street grid (about 600 m), four to a row. */
  static final double GRID_DEGREES = 0.0055;
  static final int GRID_COLUMNS = 4;
  static final int GEOFENCE_METERS = 50;
  /**
   * The enforcement cameras' rule. No time window: a demo runs at any hour, and the plate scene should show its
   * e-challan whenever it plays.
   */
  static final String ENFORCEMENT_RULE = "red-light";

  record Region(String name, char letter, double lat, double lon) {
  }

  record BoxPlan(String id, String region, double lat, double lon, List<String> cameras, String secret) {
  }

  record CameraPlan(String id, String box, String region, double lat, double lon, String publishSecret,
                    boolean enforcement) {
  }

  /** An ERV unit, the crew account that drives it, and its patrol route ({lat, lon} corners, looped). */
  record UnitPlan(String id, String crew, String region, List<double[]> route) {
  }

  final List<BoxPlan> boxes;
  final List<CameraPlan> cameras;
  final List<UnitPlan> units;
  private final String viewerSecret;

  CityPlan(int boxCount, int cameraCount, DemoCredentials credentials) {
    this.viewerSecret = credentials.viewer();
    List<List<String>> camerasOf = new ArrayList<>();
    for (int i = 0; i < boxCount; i++) {
      camerasOf.add(new ArrayList<>());
    }
    List<CameraPlan> cams = new ArrayList<>();
    List<double[]> homes = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < boxCount; i++) {
      Region r = REGIONS.get(i % REGIONS.size());
      int k = i / REGIONS.size(); // index within the region
      ids.add(String.format(Locale.ROOT, "box-%c%02d", r.letter(), k + 1));
      homes.add(gridPoint(r, k, boxCount / REGIONS.size() + 1));
    }
    for (int c = 0; c < cameraCount; c++) {
      int b = c / 2;
      String boxId = ids.get(b);
      String id = "cam-" + boxId.substring(4) + "-" + (c % 2 + 1);
      double[] home = homes.get(b);
      // A few metres from the box, on the pole it powers.
      double lat = round6(home[0] + (c % 2 == 0 ? 0.00012 : -0.00012));
      double lon = round6(home[1] + 0.00008);
      boolean enforcement = c % 2 == 0 && b < REGIONS.size(); // a region's first box's first camera
      cams.add(new CameraPlan(id, boxId, REGIONS.get(b % REGIONS.size()).name(), lat, lon,
          credentials.deviceSecret("camera", id), enforcement));
      camerasOf.get(b).add(id);
    }
    List<BoxPlan> bx = new ArrayList<>();
    for (int i = 0; i < boxCount; i++) {
      bx.add(new BoxPlan(ids.get(i), REGIONS.get(i % REGIONS.size()).name(), homes.get(i)[0], homes.get(i)[1],
          List.copyOf(camerasOf.get(i)), credentials.deviceSecret("box", ids.get(i))));
    }
    this.boxes = List.copyOf(bx);
    this.cameras = List.copyOf(cams);
    List<UnitPlan> us = new ArrayList<>();
    for (Region r : REGIONS) {
      us.add(new UnitPlan("erv-" + r.name() + "-1", "crew-" + r.name() + "-1", r.name(),
          route(r, boxCount / REGIONS.size() + 1)));
    }
    this.units = List.copyOf(us);
  }

  /** Box {@code k} of a region: rows of {@value #GRID_COLUMNS} centred on the region's centre. */
  static double[] gridPoint(Region r, int k, int perRegion) {
    int rows = (perRegion + GRID_COLUMNS - 1) / GRID_COLUMNS;
    int row = k / GRID_COLUMNS;
    int col = k % GRID_COLUMNS;
    double lat = r.lat() + (row - (rows - 1) / 2.0) * GRID_DEGREES;
    double lon = r.lon() + (col - (GRID_COLUMNS - 1) / 2.0) * GRID_DEGREES;
    return new double[] {round6(lat), round6(lon)};
  }

  /** A loop just outside the region's grid of boxes: the streets round the district. */
  static List<double[]> route(Region r, int perRegion) {
    int rows = Math.max(1, (perRegion + GRID_COLUMNS - 1) / GRID_COLUMNS);
    double halfLat = ((rows - 1) / 2.0 + 0.5) * GRID_DEGREES;
    double halfLon = ((GRID_COLUMNS - 1) / 2.0 + 0.5) * GRID_DEGREES;
    return List.of(
        new double[] {r.lat() - halfLat, r.lon() - halfLon},
        new double[] {r.lat() - halfLat, r.lon() + halfLon},
        new double[] {r.lat() + halfLat, r.lon() + halfLon},
        new double[] {r.lat(), r.lon()},
        new double[] {r.lat() + halfLat, r.lon() - halfLon});
  }

  /** The gateway's devices file for this city (see gateway-config/devices.example.yaml); secrets in plain text. */
  String devicesYaml() {
    StringBuilder sb = new StringBuilder(256 * (boxes.size() + cameras.size()));
    sb.append("# The SafeCity demo city, written by `safecity-gateway.jar demo` at every demo start.\n")
        .append("# Secrets are derived from the seed in demo-credentials.properties next to this file.\n")
        .append("boxes:\n");
    for (BoxPlan b : boxes) {
      sb.append("  - id: ").append(b.id()).append('\n')
          .append("    secret: \"").append(b.secret()).append("\"\n")
          .append("    region: ").append(b.region()).append('\n')
          .append("    location: { lat: ").append(b.lat()).append(", lon: ").append(b.lon()).append(" }\n")
          .append("    geofenceMeters: ").append(GEOFENCE_METERS).append('\n')
          .append("    cameras: [").append(String.join(", ", b.cameras())).append("]\n");
    }
    sb.append(cameras.isEmpty() ? "cameras: []\n" : "cameras:\n");
    for (CameraPlan c : cameras) {
      sb.append("  - id: ").append(c.id()).append('\n')
          .append("    region: ").append(c.region()).append('\n')
          .append("    box: ").append(c.box()).append('\n')
          .append("    location: { lat: ").append(c.lat()).append(", lon: ").append(c.lon()).append(" }\n")
          .append("    publishUser: ").append(c.id()).append('\n')
          .append("    publishSecret: \"").append(c.publishSecret()).append("\"\n")
          .append("    readUser: ").append(DemoCredentials.VIEWER).append('\n')
          .append("    readSecret: \"").append(viewerSecret).append("\"\n");
      if (c.enforcement()) {
        sb.append("    enforcement: ").append(ENFORCEMENT_RULE).append('\n');
      } else {
        sb.append("    sample: off\n");
      }
    }
    return sb.toString();
  }

  /** The enforcement cameras (the plate scene's), by their box. */
  Map<String, String> enforcementCameras() {
    Map<String, String> out = new LinkedHashMap<>();
    cameras.stream().filter(CameraPlan::enforcement).forEach(c -> out.put(c.box(), c.id()));
    return out;
  }

  /** The point {@code meters} from (lat, lon) at {@code bearingRad} (flat earth: fine for a few km). */
  static double[] offset(double lat, double lon, double meters, double bearingRad) {
    double dLat = meters * Math.cos(bearingRad) / 111_320.0;
    double dLon = meters * Math.sin(bearingRad) / (111_320.0 * Math.cos(Math.toRadians(lat)));
    return new double[] {lat + dLat, lon + dLon};
  }

  /** Distance in metres (flat earth, as {@link #offset}). */
  static double meters(double lat1, double lon1, double lat2, double lon2) {
    double dy = (lat2 - lat1) * 111_320.0;
    double dx = (lon2 - lon1) * 111_320.0 * Math.cos(Math.toRadians((lat1 + lat2) / 2));
    return Math.hypot(dx, dy);
  }

  static double round6(double v) {
    return Math.round(v * 1e6) / 1e6;
  }
}
