package org.safecity.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetAndDevicesTest {

  @Test
  void idsHomesAndMoves() {
    assertEquals("box-000001", Fleet.boxId("box-", 1));
    assertEquals("box-1234567", Fleet.boxId("box-", 1_234_567));
    double[] c = Fleet.regionCentre("south");
    for (int i = 1; i < 2000; i++) {
      double[] h = Fleet.home("south", i);
      assertTrue(Math.abs(h[0] - c[0]) <= Fleet.SPREAD_DEGREES / 2 && Math.abs(h[1] - c[1]) <= Fleet.SPREAD_DEGREES / 2);
      assertEquals(Fleet.round6(h[0]), h[0]);
    }
    double[] h = Fleet.home("east", 42);
    double[] moved = Fleet.offset(h[0], h[1], 200, 1.0);
    assertEquals(200, Fleet.distanceMeters(h[0], h[1], moved[0], moved[1]), 1.0);
    SimBox box = new SimBox("box-000042", "s", 42, h, 90, 0);
    box.moveFromHome(200, 2.0);
    assertEquals(200, Fleet.distanceMeters(box.homeLat, box.homeLon, box.lat, box.lon), 1.0);
  }

  @Test
  void devicesFileHasTheGatewayShape(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("devices.yaml");
    DevicesFile.write(f, id -> "s3\"cret", 50, new DevicesFile.Range("box-", 1, 2, "south"),
        new DevicesFile.Range("box-", 10, 1, "east"));
    List<String> lines = Files.readAllLines(f);
    double[] home = Fleet.home("south", 1);
    assertEquals(List.of(
        "boxes:",
        "  - id: box-000001",
        "    secret: \"s3\\\"cret\"",
        "    region: south",
        String.format(java.util.Locale.ROOT, "    location: { lat: %.6f, lon: %.6f }", home[0], home[1]),
        "    geofenceMeters: 50",
        "    cameras: []"), lines.subList(1, 8));
    assertTrue(lines.contains("  - id: box-000010"));
    assertTrue(lines.contains("    region: east"));
    assertEquals(3, lines.stream().filter(l -> l.startsWith("  - id: ")).count());
    assertEquals("cameras: []", lines.get(lines.size() - 1));
  }
}
