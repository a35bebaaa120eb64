package org.safecity.gateway.core;

import java.time.Instant;
import java.util.Objects;

/**
 * One decoded telemetry message from a box.
 *
 * @param at             when the box sampled it (device clock)
 * @param mainsPower     whether mains power is present
 * @param batteryPercent battery state of charge, 0..100
 * @param batteryVolts   battery voltage, optional on the wire ({@code null} when absent)
 * @param temperatureC   cabinet temperature, optional on the wire
 * @param doorOpen       whether the cabinet door is open
 * @param tamper         whether the tamper switch is tripped
 */
public record Telemetry(Instant at, boolean mainsPower, double batteryPercent, Double batteryVolts,
                        Double temperatureC, boolean doorOpen, boolean tamper) {

  public Telemetry {
    Objects.requireNonNull(at, "at");
    if (!Double.isFinite(batteryPercent) || batteryPercent < 0 || batteryPercent > 100) {
      throw new IllegalArgumentException("batteryPercent out of range: " + batteryPercent);
    }
    if (batteryVolts != null && !Double.isFinite(batteryVolts)) {
      throw new IllegalArgumentException("batteryVolts not finite");
    }
    if (temperatureC != null && !Double.isFinite(temperatureC)) {
      throw new IllegalArgumentException("temperatureC not finite");
    }
  }
}
