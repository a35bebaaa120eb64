package org.safecity.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.Sampling;
import org.safecity.gateway.devices.DevicesFile;

/** The demo's devices file is one the gateway reads, and the city in it is the one the simulators play. */
class CityPlanTest {
  @TempDir
  Path dir;

  @Test
  void theDevicesFileIsValidAndSpreadOverTwoRegions() throws Exception {
    DemoCredentials credentials = DemoCredentials.loadOrCreate(dir);
    CityPlan plan = new CityPlan(24, 24, credentials);
    DevicesFile.Devices devices = DevicesFile.parse(plan.devicesYaml(), "devices.yaml");
    assertThat(devices.boxes()).hasSize(24);
    assertThat(devices.cameras()).hasSize(24);
    Map<String, Long> perRegion = devices.boxes().stream()
        .collect(Collectors.groupingBy(b -> b.box().region(), Collectors.counting()));
    assertThat(perRegion).containsOnly(Map.entry("south", 12L), Map.entry("east", 12L));
    // Two cameras on each of the first twelve boxes, so both regions have some.
    assertThat(devices.boxes().get(0).box().cameraIds()).containsExactly("cam-s01-1", "cam-s01-2");
    assertThat(devices.boxes().get(1).box().cameraIds()).containsExactly("cam-e01-1", "cam-e01-2");
    assertThat(devices.boxes().get(12).box().cameraIds()).isEmpty();
    var cam = devices.cameras().get(0).camera();
    assertThat(cam.publishUser()).contains("cam-s01-1");
    assertThat(cam.readUser()).contains("viewer");
    assertThat(devices.cameras().get(0).publishSecret()).isPresent();
    // One red-light camera per region, at its first box: where the hotlisted-plate scene plays. Always on.
    Map<String, String> enforcement = devices.cameras().stream().filter(c -> c.camera().enforcement().isPresent())
        .collect(Collectors.toMap(c -> c.camera().id(), c -> c.camera().enforcement().get().rule()));
    assertThat(enforcement).containsOnly(Map.entry("cam-s01-1", "red-light"), Map.entry("cam-e01-1", "red-light"));
    assertThat(devices.cameras().get(0).camera().enforcement().get().window()).isEmpty();
    // The test-pattern cameras have nothing to recognise: not sampled at all.
    assertThat(devices.cameras().stream().filter(c -> c.camera().sampling().isPresent()).map(c -> c.camera().id()))
        .hasSize(22).doesNotContain("cam-s01-1", "cam-e01-1");
    assertThat(devices.cameras().get(1).camera().sampling()).contains(Sampling.OFF);
    assertThat(plan.enforcementCameras()).containsExactly(Map.entry("box-s01", "cam-s01-1"), Map.entry("box-e01", "cam-e01-1"));
    // Every box stands on its own corner: none inside another's geofence.
    for (var a : devices.boxes()) {
      for (var b : devices.boxes()) {
        if (a != b) {
          GeoPoint p = a.box().location();
          GeoPoint q = b.box().location();
          assertThat(CityPlan.meters(p.lat(), p.lon(), q.lat(), q.lon())).isGreaterThan(500);
        }
      }
    }
  }

  @Test
  void credentialsAreMadeOnceAndKeptPrivate() throws Exception {
    DemoCredentials first = DemoCredentials.loadOrCreate(dir);
    DemoCredentials again = DemoCredentials.loadOrCreate(dir);
    assertThat(again).isEqualTo(first);
    assertThat(first.admin()).hasSize(12).isNotEqualTo(first.operator());
    // A set: compared as one (its toString order is not fixed).
    assertThat(Files.getPosixFilePermissions(dir.resolve(DemoCredentials.FILE)))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(first.deviceSecret("box", "box-s01")).hasSize(20).isEqualTo(again.deviceSecret("box", "box-s01"))
        .isNotEqualTo(first.deviceSecret("box", "box-s02"));
    assertThat(first.toString()).doesNotContain(first.admin());
  }

  @Test
  void theDemoKeepsItsStateApartFromANormalRun() throws Exception {
    DemoCity.prepare(DemoOptions.parse("--boxes", "2", "--cameras", "1"), Map.of("SAFECITY_DATA_DIR",
        dir.resolve("data").toString(), "SAFECITY_STORE_URL", "postgresql://u:p@db.invalid:5432/prod"));
    Path demo = dir.resolve("data-demo");
    assertThat(demo.resolve(DemoCredentials.FILE)).exists();
    assertThat(demo.resolve("devices.yaml")).exists();
    assertThat(dir.resolve("data")).doesNotExist();
    assertThat(DevicesFile.read(demo.resolve("devices.yaml")).cameras()).hasSize(1);
    assertThat(Optional.of(DemoCity.loopbackIfWildcard("0.0.0.0"))).contains("127.0.0.1");
  }
}
