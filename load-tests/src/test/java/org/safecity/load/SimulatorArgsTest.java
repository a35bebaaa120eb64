package org.safecity.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatorArgsTest {

  @Test
  void theDocumentedCommandLine() {
    SimulatorArgs a = SimulatorArgs.parse(("--host 127.0.0.1 --port 1883 --boxes 4750 --first-index 9501 --id-prefix box-"
        + " --secret s3cret --telemetry-every 5s --qos 1 --connect-rate 500/s --duration 2m --keepalive 30"
        + " --scenario incidents --region east").split(" "));
    assertEquals("127.0.0.1", a.host());
    assertEquals(1883, a.port());
    assertEquals(4750, a.boxes());
    assertEquals(9501, a.firstIndex());
    assertEquals(Duration.ofSeconds(5), a.telemetryEvery());
    assertEquals(500, a.connectRate());
    assertEquals(Duration.ofMinutes(2), a.duration());
    assertEquals(30, a.keepalive());
    assertEquals(SimulatorArgs.Scenario.INCIDENTS, a.scenario());
    assertEquals("east", a.region());
    assertEquals("s3cret", a.secret().orElseThrow());
  }

  @Test
  void defaultsAndValueForms() {
    SimulatorArgs a = SimulatorArgs.parse(new String[0]);
    assertEquals(SimulatorArgs.Scenario.TELEMETRY, a.scenario());
    assertEquals(100, a.boxes());
    assertTrue(a.cleanSession());
    assertTrue(a.seqStart() == 0, "seq starts at 0 like a booted box; ts tells reruns apart");
    SimulatorArgs b = SimulatorArgs.parse(new String[] {"--connect-rate=max", "--duration", "0", "--warmup", "250ms",
        "--clean-session", "false", "--verbose"});
    assertEquals(0, b.connectRate());
    assertTrue(b.duration().isZero());
    assertEquals(Duration.ofMillis(250), b.warmup());
    assertFalse(b.cleanSession());
    assertTrue(b.verbose());
  }

  @Test
  void mistakesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> SimulatorArgs.parse(new String[] {"--boxes"}));
    assertThrows(IllegalArgumentException.class, () -> SimulatorArgs.parse(new String[] {"--boxs", "10"}));
    assertThrows(IllegalArgumentException.class, () -> SimulatorArgs.parse(new String[] {"--boxes", "0"}));
    assertThrows(IllegalArgumentException.class, () -> SimulatorArgs.parse(new String[] {"--duration", "5 s"}));
    assertThrows(IllegalArgumentException.class, () -> SimulatorArgs.parse(new String[] {"--connect-rate", "fast"}));
    assertThrows(IllegalArgumentException.class, () -> SimulatorArgs.parse(new String[] {"--scenario", "party"}));
    assertThrows(IllegalArgumentException.class, () -> SimulatorArgs.parse(new String[] {"--region", "mars"}));
    assertThrows(IllegalArgumentException.class, () -> SimulatorArgs.parse(new String[] {"--qos", "3"}));
    assertThrows(IllegalArgumentException.class, () -> SimulatorArgs.parse(new String[] {"--port", "1", "--port", "2"}));
    assertThrows(IllegalArgumentException.class,
        () -> SimulatorArgs.parse(new String[] {"--secret", "a", "--secrets-file", "x"}));
    assertThrows(IllegalArgumentException.class,
        () -> SimulatorArgs.parse(new String[] {"--scenario", "throughput", "--duration", "5s", "--warmup", "5s"}));
    assertThrows(SimulatorArgs.HelpRequested.class, () -> SimulatorArgs.parse(new String[] {"--help"}));
  }

  @Test
  void secretsComeFromTheFlagTheFileOrTheSeed(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("secrets.txt");
    Files.writeString(f, "# id secret\nbox-000001 alpha\nbox-000002: \"beta\"\nbox-000003,gamma\n\n");
    assertEquals(Map.of("box-000001", "alpha", "box-000002", "beta", "box-000003", "gamma"),
        SimulatorArgs.readSecrets(f));
    SimulatorArgs.SecretSource fromFile = SimulatorArgs.parse(new String[] {"--secrets-file", f.toString()}).secrets();
    assertEquals("beta", fromFile.secretOf("box-000002"));
    assertThrows(IllegalArgumentException.class, () -> fromFile.secretOf("box-000004"));

    assertEquals("same", SimulatorArgs.parse(new String[] {"--secret", "same"}).secrets().secretOf("box-9"));
    SimulatorArgs.SecretSource seeded = SimulatorArgs.parse(new String[] {"--secret-seed", "x"}).secrets();
    assertEquals(Fleet.derivedSecret("x", "box-000001"), seeded.secretOf("box-000001"));
    assertEquals(20, seeded.secretOf("box-000001").length());
    assertFalse(seeded.secretOf("box-000001").equals(seeded.secretOf("box-000002")));
  }
}
