package org.safecity.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The payloads must match the device contract exactly: the gateway rejects unknown fields. */
class PayloadsTest {

  private static final Pattern TS = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
  private static final long NOON = Instant.parse("2026-11-24T10:00:00Z").toEpochMilli();

  @Test
  void telemetryHasExactlyTheContractFields() {
    JsonObject t = new JsonObject(Payloads.telemetry(true, 97.54, 13.1, 34.2, false, false, NOON, 123));
    assertEquals(Set.of("mainsPower", "batteryPercent", "batteryVolts", "temperatureC", "door", "tamper", "ts", "seq"),
        t.fieldNames());
    assertEquals(true, t.getBoolean("mainsPower"));
    assertEquals(97.5, t.getDouble("batteryPercent"));
    assertEquals("closed", t.getString("door"));
    assertEquals(false, t.getBoolean("tamper"));
    assertEquals("2026-11-24T10:00:00Z", t.getString("ts"));
    assertInstanceOf(Number.class, t.getValue("seq"));
    assertEquals(123L, t.getLong("seq"));
  }

  @Test
  void simulatedBoxStaysInRangeForTwoDaysOfOutagesAndDoors() {
    SplittableRandom rng = new SplittableRandom(7);
    SimBox box = new SimBox("box-000001", "s", 1, Fleet.home("south", 1), 90, 1000);
    // Very eventful boxes: a door and a mains loss every few minutes.
    SimBox.Behaviour busy = new SimBox.Behaviour(500, 300);
    long seq = 1000;
    boolean sawOpen = false;
    boolean sawBattery = false;
    for (long now = NOON; now < NOON + 2 * 86_400_000L; now += 5_000) {
      box.step(now, rng, busy);
      JsonObject t = new JsonObject(box.telemetry(now, rng));
      double pct = t.getDouble("batteryPercent");
      assertTrue(pct >= 0 && pct <= 100, "batteryPercent " + pct);
      assertTrue(Set.of("open", "closed").contains(t.getString("door")));
      assertTrue(TS.matcher(t.getString("ts")).matches(), t.getString("ts"));
      double temp = t.getDouble("temperatureC");
      assertTrue(temp > 15 && temp < 40, "temperatureC " + temp);
      double volts = t.getDouble("batteryVolts");
      assertTrue(volts >= 11.8 && volts <= 13.8, "batteryVolts " + volts);
      assertEquals(++seq, t.getLong("seq"), "seq increases by one per message");
      sawOpen |= t.getString("door").equals("open");
      sawBattery |= !t.getBoolean("mainsPower");
    }
    assertTrue(sawOpen && sawBattery, "the busy box opened its door and lost mains at least once");
  }

  @Test
  void gpsEventsCommandResultsAndStatus() {
    JsonObject g = new JsonObject(Payloads.gps(24.8135, 67.0302, 5, NOON));
    assertEquals(Set.of("lat", "lon", "accuracyMeters", "ts"), g.fieldNames());
    assertEquals(24.8135, g.getDouble("lat"));
    assertEquals(5, g.getInteger("accuracyMeters"));

    for (String type : Payloads.EVENT_TYPES) {
      if (type.equals("cmd-result")) {
        assertThrows(IllegalArgumentException.class, () -> Payloads.event(type, NOON, null));
        continue;
      }
      JsonObject e = new JsonObject(Payloads.event(type, NOON, "said \"hi\"\n"));
      assertEquals(Set.of("type", "ts", "detail"), e.fieldNames());
      assertEquals(type, e.getString("type"));
      assertEquals("said \"hi\"\n", e.getString("detail"));
    }
    assertEquals(Set.of("type", "ts"), new JsonObject(Payloads.event("reboot", NOON, null)).fieldNames());
    assertThrows(IllegalArgumentException.class, () -> Payloads.event("exploded", NOON, null));

    JsonObject r = new JsonObject(Payloads.cmdResult("c-42", false, NOON));
    assertEquals(Set.of("type", "ts", "commandId", "status"), r.fieldNames());
    assertEquals("cmd-result", r.getString("type"));
    assertEquals("failed", r.getString("status"));
    assertEquals("ok", new JsonObject(Payloads.cmdResult("c-1", true, NOON)).getString("status"));

    assertEquals(new JsonObject().put("online", true), new JsonObject(Payloads.status(true)));
    assertEquals(new JsonObject().put("online", false), new JsonObject(Payloads.status(false)));
    assertEquals("boxes/box-000001/telemetry", Payloads.topic("box-000001", "telemetry"));
  }

  @Test
  void numbersArePlainDecimals() {
    assertEquals("0.0001", fixed(0.0001, 4));
    assertEquals("-0.5", fixed(-0.46, 1));
    assertEquals("0.0", fixed(-0.04, 1));
    assertEquals("100.0", fixed(99.96, 1));
    assertEquals("67.030200", fixed(67.0302, 6));
    assertEquals("13", fixed(12.5, 0));
    assertThrows(IllegalArgumentException.class, () -> fixed(Double.NaN, 1));
    assertThrows(IllegalArgumentException.class,
        () -> Payloads.telemetry(true, 100.5, 13, 30, false, false, NOON, 1));
    assertFalse(Payloads.telemetry(true, 1e-9, 13, 30, false, false, NOON, 1).contains("E"));
  }

  private static String fixed(double v, int decimals) {
    StringBuilder sb = new StringBuilder();
    Payloads.fixed(sb, v, decimals);
    return sb.toString();
  }
}
