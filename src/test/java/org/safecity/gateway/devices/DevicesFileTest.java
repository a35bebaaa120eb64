package org.safecity.gateway.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.config.ConfigException;
import org.safecity.gateway.core.Box;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.devices.DevicesFile.Devices;

class DevicesFileTest {
  static final String FILE = "devices.yaml";
  static final String BASE = """
      boxes:
        - id: box-001
          secret: "s1"
          region: south
          location: { lat: 24.8135, lon: 67.0302 }
          geofenceMeters: 50
          cameras: [cam-001]
        - id: box-002
          secret: "s2"
          region: east
          location: { lat: 24.9, lon: 67.1 }
          cameras: [cam-002]
      cameras:
        - id: cam-001
          region: south
          box: box-001
          location: { lat: 24.8136, lon: 67.0301 }
        - id: cam-002
          region: east
          box: box-002
          location: { lat: 24.9001, lon: 67.1001 }
      """;

  @TempDir
  Path dir;

  static String edit(String from, String to) {
    assertThat(BASE).contains(from);
    return BASE.replace(from, to);
  }

  static String error(String yaml) {
    try {
      DevicesFile.parse(yaml, FILE);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).startsWith("devices file " + FILE);
      return e.getMessage();
    }
    throw new AssertionError("no error for:\n" + yaml);
  }

  @Test
  void theShippedExampleParses() {
    Devices d = DevicesFile.read(Path.of("gateway-config/devices.example.yaml"));
    assertThat(d.boxes()).hasSize(4);
    assertThat(d.cameras()).hasSize(8);
    assertThat(d.boxes()).extracting(b -> b.box().region()).containsExactly("south", "south", "east", "east");
    assertThat(d.boxes()).allSatisfy(b -> assertThat(b.box().cameraIds()).hasSize(2));
    Box first = d.boxes().get(0).box();
    assertThat(first).isEqualTo(new Box("box-001", "south", new GeoPoint(24.8135, 67.0302), 50, java.util.List.of("cam-001", "cam-002")));
    assertThat(d.boxes().get(0).secret().isHash()).isFalse();
    assertThat(d.boxes().get(2).box().geofenceMeters()).isEqualTo(DevicesFile.DEFAULT_GEOFENCE_METERS);
    assertThat(d.boxes().get(3).secret().isHash()).isTrue();
    var cam3 = d.cameras().get(2);
    assertThat(cam3.camera().publishUser()).contains("cam-003");
    assertThat(cam3.publishSecret()).isPresent();
    var cam5 = d.cameras().get(4);
    assertThat(cam5.camera().source()).contains("rtsp://10.20.3.15:554/Streaming/Channels/101");
    assertThat(cam5.camera().readUser()).contains("viewer");
    assertThat(cam5.readSecret()).isPresent();
    assertThat(d.cameras().get(1).camera().enforcement().map(e -> e.wire())).contains("red-light@07:00-22:00");
    assertThat(d.cameras().get(1).camera().sampling()).contains(org.safecity.gateway.core.Sampling.fps(4));
    assertThat(d.cameras().get(3).camera().enforcement().map(e -> e.wire())).contains("no-entry");
    // Every camera is within its box's geofence: the example is self-consistent.
    for (var c : d.cameras()) {
      Box b = d.boxes().stream().map(x -> x.box()).filter(x -> x.id().equals(c.camera().boxId())).findFirst().orElseThrow();
      assertThat(c.camera().location().metersTo(b.location())).isLessThan(b.geofenceMeters());
      assertThat(c.camera().region()).isEqualTo(b.region());
    }
  }

  @Test
  void theBaseOfTheseTestsParses() {
    Devices d = DevicesFile.parse(BASE, FILE);
    assertThat(d.boxes()).extracting(b -> b.box().id()).containsExactly("box-001", "box-002");
    assertThat(d.cameras().get(0).camera().publishUser()).isEmpty();
  }

  @Test
  void unknownKeysAreNamedWithTheKnownOnes() {
    assertThat(error(edit("    geofenceMeters: 50", "    geofence: 50")))
        .contains("boxes[0] (box-001): unknown key geofence; known keys: id, secret, region, location, geofenceMeters, cameras");
    assertThat(error(BASE + "routers: []\n")).contains("top level: unknown key routers; known keys: boxes, cameras");
    assertThat(error(edit("    box: box-002\n", "    box: box-002\n    ptz: true\n")))
        .contains("cameras[1] (cam-002): unknown key ptz; known keys: id, region, box, location, publishUser");
    assertThat(error(edit("{ lat: 24.9, lon: 67.1 }", "{ lat: 24.9, lng: 67.1 }")))
        .contains("boxes[1] (box-002), key location: unknown key lng; known keys: lat, lon")
        .contains("boxes[1] (box-002), key location.lon: missing; expected a longitude in -180..180");
  }

  @Test
  void missingIdRegionAndLocation() {
    assertThat(error(edit("  - id: box-002\n    secret: \"s2\"", "  - secret: \"s2\"")))
        .contains("boxes[1], key id: missing; expected the box id (1..64 characters of A-Z a-z 0-9 . _ -)");
    assertThat(error(edit("    region: east\n    location: { lat: 24.9, lon: 67.1 }\n", "    location: { lat: 24.9, lon: 67.1 }\n")))
        .isEqualTo("devices file devices.yaml: boxes[1] (box-002), key region: missing; expected the region name, e.g. south "
            + "(1..64 characters of A-Z a-z 0-9 . _ -)");
    assertThat(error(edit("    location: { lat: 24.9001, lon: 67.1001 }\n", "")))
        .contains("cameras[1] (cam-002), key location: missing; expected { lat: <-90..90>, lon: <-180..180> }");
    assertThat(error(edit("    location: { lat: 24.9001, lon: 67.1001 }", "    location: [24.9, 67.1]")))
        .contains("cameras[1] (cam-002), key location: expected { lat: <-90..90>, lon: <-180..180> }, got a list");
  }

  @Test
  void idsMustBeShortAndPlain() {
    assertThat(error(edit("  - id: box-002\n", "  - id: box 002\n").replace("[cam-002]", "[]").replace("box: box-002", "box: box-001")))
        .contains("boxes[1] (box 002), key id: expected the box id (1..64 characters of A-Z a-z 0-9 . _ -), got \"box 002\"");
    String longId = "b".repeat(65);
    assertThat(error(edit("id: cam-001", "id: " + longId))).contains("cameras[0] (" + "b".repeat(64) + "...), key id");
    assertThat(error(edit("id: box-001", "id: 001")))
        .contains("boxes[0] (1), key id: expected the box id (1..64 characters of A-Z a-z 0-9 . _ -), got 1 "
            + "(put it in quotes to keep it as text)");
    assertThat(error(edit("    region: east\n    location: { lat: 24.9, lon", "    region: \"east/2\"\n    location: { lat: 24.9, lon")))
        .contains("boxes[1] (box-002), key region: expected the region name");
  }

  @Test
  void duplicateIds() {
    assertThat(error(edit("  - id: box-002", "  - id: box-001").replace("box: box-002", "box: box-001")))
        .contains("boxes[1] (box-001), key id: box-001 is already used by boxes[0] (box-001)");
    assertThat(error(edit("  - id: cam-002", "  - id: cam-001")))
        .contains("cameras[1] (cam-001), key id: cam-001 is already used by cameras[0] (cam-001)");
  }

  @Test
  void coordinatesInRange() {
    assertThat(error(edit("lat: 24.8135", "lat: 124.8135")))
        .contains("boxes[0] (box-001), key location.lat: expected a latitude in -90..90, got 124.8135");
    assertThat(error(edit("lon: 67.0301", "lon: -181")))
        .contains("cameras[0] (cam-001), key location.lon: expected a longitude in -180..180, got -181");
    assertThat(error(edit("lat: 24.8135", "lat: \"24.8\"")))
        .contains("boxes[0] (box-001), key location.lat: expected a latitude in -90..90, got \"24.8\"");
    assertThat(error(edit("lat: 24.8135", "lat: .nan"))).contains("at line 5").contains(".nan");
  }

  @Test
  void geofenceMustBePositive() {
    assertThat(error(edit("geofenceMeters: 50", "geofenceMeters: 0")))
        .isEqualTo("devices file devices.yaml: boxes[0] (box-001), key geofenceMeters: expected a distance in meters > 0, got 0");
    assertThat(error(edit("geofenceMeters: 50", "geofenceMeters: -5"))).contains("got -5");
    assertThat(error(edit("geofenceMeters: 50", "geofenceMeters: fifty"))).contains("got \"fifty\"");
  }

  @Test
  void cameraOfAnUnknownBox() {
    assertThat(error(edit("    box: box-002", "    box: box-009")))
        .contains("cameras[1] (cam-002), key box: no box box-009 is defined under boxes")
        .contains("boxes[1] (box-002), key cameras: camera cam-002 names box box-009 (cameras[1] (cam-002))");
    assertThat(error(edit("    box: box-002\n", "")))
        .contains("cameras[1] (cam-002), key box: missing; expected the id of the box this camera is connected to");
  }

  @Test
  void boxListingAMissingCameraOrAnotherBoxesCamera() {
    assertThat(error(edit("cameras: [cam-002]", "cameras: [cam-002, cam-404]")))
        .isEqualTo("devices file devices.yaml: boxes[1] (box-002), key cameras: camera cam-404 is not defined under cameras");
    assertThat(error(edit("cameras: [cam-002]", "cameras: [cam-002, cam-001]")))
        .isEqualTo("devices file devices.yaml: boxes[1] (box-002), key cameras: camera cam-001 names box box-001 "
            + "(cameras[0] (cam-001))");
    assertThat(error(edit("cameras: [cam-002]", "cameras: []")))
        .isEqualTo("devices file devices.yaml: cameras[1] (cam-002), key box: boxes[1] (box-002) does not list cam-002 "
            + "in its cameras");
    assertThat(error(edit("cameras: [cam-002]", "cameras: [cam-002, cam-002]")))
        .contains("boxes[1] (box-002), key cameras: cam-002 is listed twice");
    assertThat(error(edit("cameras: [cam-002]", "cameras: cam-002")))
        .contains("boxes[1] (box-002), key cameras: expected a list of camera ids, e.g. [cam-001, cam-002], got \"cam-002\"");
  }

  @Test
  void secretsMustBePresentNonEmptyAndAreNeverRepeated() {
    assertThat(error(edit("secret: \"s1\"", "secret: \"\"")))
        .isEqualTo("devices file devices.yaml: boxes[0] (box-001), key secret: expected a non-empty secret");
    assertThat(error(edit("    secret: \"s1\"\n", "")))
        .contains("boxes[0] (box-001), key secret: missing; expected the box's MQTT password in quotes");
    assertThat(error(edit("secret: \"s1\"", "secret: 987654")))
        .isEqualTo("devices file devices.yaml: boxes[0] (box-001), key secret: expected the secret as a quoted string, "
            + "got a number")
        .doesNotContain("987654");
    assertThat(error(edit("secret: \"s1\"", "secret: \"$2b$10$tooShortToBeAHash\"")))
        .contains("key secret: looks like a bcrypt hash but is not one").doesNotContain("tooShort");
    String tooLong = "x".repeat(73);
    assertThat(error(edit("secret: \"s1\"", "secret: \"" + tooLong + "\"")))
        .contains("key secret: expected at most 72 bytes (UTF-8), the most bcrypt can check").doesNotContain(tooLong);
  }

  @Test
  void aBcryptHashIsAcceptedAsIs() {
    String hash = "$2y$04$abcdefghijklmnopqrstuu5KLk3QVtLKUL2bN1M6nVKlN8tbvNRXu";
    Devices d = DevicesFile.parse(edit("secret: \"s1\"", "secret: \"" + hash + "\""), FILE);
    assertThat(d.boxes().get(0).secret().isHash()).isTrue();
    assertThat(d.boxes().get(0).secret().value()).isEqualTo(hash);
    assertThat(d.boxes().get(1).secret().isHash()).isFalse();
  }

  @Test
  void plainSecretsStayOutOfToString() {
    Devices d = DevicesFile.parse(edit("secret: \"s1\"", "secret: \"hunter2-secret\""), FILE);
    assertThat(d.toString()).doesNotContain("hunter2-secret").contains("redacted");
  }

  @Test
  void cameraCredentialsAndSource() {
    String withCreds = edit("    box: box-001\n", "    box: box-001\n    publishUser: cam1\n    publishSecret: \"pub-secret\"\n"
        + "    readUser: viewer\n    readSecret: \"read-secret\"\n    source: \"rtsp://10.0.0.5:554/ch1\"\n");
    var cam = DevicesFile.parse(withCreds, FILE).cameras().get(0);
    assertThat(cam.camera().publishUser()).contains("cam1");
    assertThat(cam.camera().readUser()).contains("viewer");
    assertThat(cam.camera().source()).contains("rtsp://10.0.0.5:554/ch1");
    assertThat(cam.publishSecret()).map(Secret::isHash).contains(false);
    assertThat(cam.readSecret()).isPresent();

    assertThat(error(edit("    box: box-001\n", "    box: box-001\n    publishUser: cam1\n")))
        .isEqualTo("devices file devices.yaml: cameras[0] (cam-001), key publishSecret: missing; publishUser and "
            + "publishSecret go together");
    assertThat(error(edit("    box: box-001\n", "    box: box-001\n    readSecret: \"x\"\n")))
        .contains("cameras[0] (cam-001), key readUser: missing; readUser and readSecret go together");
    assertThat(error(edit("    box: box-001\n", "    box: box-001\n    readUser: \"a:b\"\n    readSecret: \"x\"\n")))
        .contains("cameras[0] (cam-001), key readUser: expected a user name of 1..64 characters without ':'");
    assertThat(error(edit("    box: box-001\n", "    box: box-001\n    publishUser: u\n    publishSecret: \"\"\n")))
        .contains("cameras[0] (cam-001), key publishSecret: expected a non-empty secret");
    assertThat(error(edit("    box: box-001\n", "    box: box-001\n    source: \"http://user:pw@cam/x\"\n")))
        .isEqualTo("devices file devices.yaml: cameras[0] (cam-001), key source: expected an rtsp:// or rtsps:// URL "
            + "with a host, the stream to pull");
  }

  @Test
  void sourceWithCredentialsIsKeptButNotPrinted() {
    var cam = DevicesFile.parse(edit("    box: box-001\n", "    box: box-001\n    source: \"rtsp://admin:pw123@10.0.0.5/ch1\"\n"),
        FILE).cameras().get(0).camera();
    assertThat(cam.source()).contains("rtsp://admin:pw123@10.0.0.5/ch1");
    assertThat(cam.toString()).doesNotContain("pw123").contains("rtsp://***@10.0.0.5/ch1");
  }

  @Test
  void wholeFileProblems() {
    assertThat(error("")).contains("devices file devices.yaml is empty").contains("boxes: []");
    assertThat(error("# only a comment\n")).contains("is empty");
    assertThat(error("cameras: []\n")).isEqualTo("devices file devices.yaml: key boxes: missing; expected a list of boxes "
        + "(write `boxes: []` for none)");
    assertThat(error("boxes: {}\n")).contains("key boxes: expected a list of boxes, got a mapping");
    assertThat(error("- a\n- b\n")).contains("expected a mapping with the keys boxes and cameras at the top, got a list");
    assertThat(error("boxes: [\n")).contains("devices file devices.yaml is not valid YAML at line");
    assertThat(error(edit("    region: south\n", "    region: south\n    region: east\n")))
        .contains("is not valid YAML at line").contains("Duplicate field 'region'");
    assertThat(error("boxes:\n  - just-a-string\n")).contains("boxes[0]: expected a mapping (id:, secret:, region:, location:, ...), got \"just-a-string\"");
    assertThat(DevicesFile.parse("boxes: []\n", FILE).boxes()).isEmpty();
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    String msg = error(edit("lat: 24.8135", "lat: 99").replace("geofenceMeters: 50", "geofenceMeters: -1")
        .replace("secret: \"s2\"", "secret: \"\""));
    assertThat(msg).startsWith("devices file devices.yaml has 3 problems:\n  - ")
        .contains("boxes[0] (box-001), key location.lat").contains("boxes[0] (box-001), key geofenceMeters")
        .contains("boxes[1] (box-002), key secret");
  }

  @Test
  void fileErrors() throws Exception {
    assertThatThrownBy(() -> DevicesFile.read(dir.resolve("nope.yaml")))
        .isInstanceOf(ConfigException.class).hasMessage("devices file " + dir.resolve("nope.yaml") + " does not exist");
    Path bad = dir.resolve("latin1.yaml");
    Files.write(bad, new byte[] {'b', 'o', 'x', (byte) 0xE9, ':', '\n'});
    assertThatThrownBy(() -> DevicesFile.read(bad)).isInstanceOf(ConfigException.class).hasMessageContaining("not UTF-8");
    Path ok = dir.resolve("ok.yaml");
    Files.writeString(ok, BASE);
    assertThat(DevicesFile.read(ok).boxes()).hasSize(2);
  }

  @Test
  void secretValue() {
    assertThat(Secret.of("s3cr3t-value").isHash()).isFalse();
    assertThat(Optional.of(Secret.of("s3cr3t-value")).toString()).doesNotContain("s3cr3t");
    assertThatThrownBy(() -> Secret.of("$2a$10$x")).hasMessageNotContaining("$2a$10$x");
  }

  @Test
  void enforcementAndSamplingPerCamera() {
    Devices d = DevicesFile.parse(edit("    location: { lat: 24.8136, lon: 67.0301 }\n",
        "    location: { lat: 24.8136, lon: 67.0301 }\n    enforcement: { rule: red-light, window: \"07:00-22:00\" }\n"
            + "    sample: { fps: 2 }\n").replace("    location: { lat: 24.9001, lon: 67.1001 }\n",
        "    location: { lat: 24.9001, lon: 67.1001 }\n    enforcement: no-entry\n    sample: keyframes\n"), FILE);
    var cam1 = d.cameras().get(0).camera();
    assertThat(cam1.enforcement()).contains(new org.safecity.gateway.core.Enforcement("red-light",
        Optional.of(org.safecity.gateway.core.Enforcement.Window.parse("07:00-22:00"))));
    assertThat(cam1.sampling()).contains(org.safecity.gateway.core.Sampling.fps(2));
    var cam2 = d.cameras().get(1).camera();
    assertThat(cam2.enforcement()).contains(new org.safecity.gateway.core.Enforcement("no-entry", Optional.empty()));
    assertThat(cam2.sampling()).contains(org.safecity.gateway.core.Sampling.KEYFRAMES);
    assertThat(DevicesFile.parse(BASE, FILE).cameras().get(0).camera().enforcement()).isEmpty();
    for (String off : List.of("off", "\"off\"")) {
      assertThat(DevicesFile.parse(edit("    location: { lat: 24.8136, lon: 67.0301 }\n",
          "    location: { lat: 24.8136, lon: 67.0301 }\n    sample: " + off + "\n"), FILE).cameras().get(0).camera()
          .sampling()).as(off).contains(org.safecity.gateway.core.Sampling.OFF);
    }
    assertThat(error(edit("    location: { lat: 24.8136, lon: 67.0301 }\n",
        "    location: { lat: 24.8136, lon: 67.0301 }\n    sample: on\n"))).contains("key sample: expected keyframes, off");
  }

  @Test
  void enforcementAndSamplingProblemsAreNamedPrecisely() {
    String at = "    location: { lat: 24.8136, lon: 67.0301 }\n";
    assertThat(error(edit(at, at + "    enforcement: { rule: speeding }\n")))
        .contains("cameras[0] (cam-001), key enforcement.rule: expected one of red-light, no-entry, wrong-way, "
            + "bus-lane, no-parking, got \"speeding\"");
    assertThat(error(edit(at, at + "    enforcement: red\n")))
        .contains("cameras[0] (cam-001), key enforcement: expected one of red-light");
    assertThat(error(edit(at, at + "    enforcement: { window: \"07:00-22:00\" }\n")))
        .contains("cameras[0] (cam-001), key enforcement.rule: missing; expected one of red-light");
    assertThat(error(edit(at, at + "    enforcement: { rule: red-light, window: \"7-22\" }\n")))
        .contains("cameras[0] (cam-001), key enforcement.window: expected a window HH:MM-HH:MM (24-hour, e.g. "
            + "07:00-22:00), got \"7-22\"");
    assertThat(error(edit(at, at + "    enforcement: { rule: red-light, window: \"07:00-24:30\" }\n")))
        .contains("key enforcement.window: expected a window HH:MM-HH:MM with hours 00..23 and minutes 00..59");
    assertThat(error(edit(at, at + "    enforcement: { rule: red-light, window: \"07:00-07:00\" }\n")))
        .contains("key enforcement.window: window 07:00-07:00 is empty; leave window out for always");
    assertThat(error(edit(at, at + "    enforcement: { rule: red-light, from: \"07:00\" }\n")))
        .contains("cameras[0] (cam-001), key enforcement: unknown key from; known keys: rule, window");
    assertThat(error(edit(at, at + "    enforcement: [red-light]\n")))
        .contains("cameras[0] (cam-001), key enforcement: expected { rule: <red-light|no-entry|wrong-way|bus-lane|"
            + "no-parking>, window: \"HH:MM-HH:MM\" } (window left out: always), or just the rule, got a list");
    assertThat(error(edit(at, at + "    sample: { fps: 0 }\n")))
        .contains("cameras[0] (cam-001), key sample.fps: expected frames a second, 1..60, got 0");
    assertThat(error(edit(at, at + "    sample: { fps: 2.5 }\n")))
        .contains("key sample.fps: expected frames a second, 1..60, got 2.5");
    assertThat(error(edit(at, at + "    sample: everything\n")))
        .contains("cameras[0] (cam-001), key sample: expected keyframes, off, or { fps: <1..60> }, got \"everything\"");
    assertThat(error(edit(at, at + "    sample: { rate: 2 }\n")))
        .contains("key sample: unknown key rate; known keys: fps")
        .contains("key sample.fps: missing; expected frames a second, 1..60");
  }
}
