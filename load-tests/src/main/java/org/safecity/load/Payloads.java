package org.safecity.load;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The device contract's JSON payloads, written by hand into a {@link StringBuilder}: the gateway validates
 * them with {@code additionalProperties: false}, so the field names here are the contract, and writing
 * them directly (no object mapper) keeps thousands of boxes cheap to simulate.
 */
final class Payloads {

  /** The event types the contract allows on {@code boxes/<id>/events}. */
  static final java.util.List<String> EVENT_TYPES = java.util.List.of("door-opened", "door-closed", "tamper",
      "mains-lost", "mains-restored", "battery-low", "reboot", "camera-port-fault", "cmd-result");

  private Payloads() {
  }

  static String topic(String boxId, String leaf) {
    return "boxes/" + boxId + "/" + leaf;
  }

  /** {@code 2026-11-24T10:00:00Z}: whole seconds, UTC, as in the contract's examples. */
  static String ts(long epochMillis) {
    return Instant.ofEpochMilli(epochMillis).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static String telemetry(boolean mainsPower, double batteryPercent, double batteryVolts, double temperatureC,
                          boolean doorOpen, boolean tamper, long epochMillis, long seq) {
    if (!(batteryPercent >= 0 && batteryPercent <= 100)) {
      throw new IllegalArgumentException("batteryPercent out of 0..100: " + batteryPercent);
    }
    StringBuilder sb = new StringBuilder(160);
    sb.append("{\"mainsPower\":").append(mainsPower);
    sb.append(",\"batteryPercent\":");
    fixed(sb, batteryPercent, 1);
    sb.append(",\"batteryVolts\":");
    fixed(sb, batteryVolts, 2);
    sb.append(",\"temperatureC\":");
    fixed(sb, temperatureC, 1);
    sb.append(",\"door\":\"").append(doorOpen ? "open" : "closed").append('"');
    sb.append(",\"tamper\":").append(tamper);
    sb.append(",\"ts\":\"").append(ts(epochMillis)).append('"');
    sb.append(",\"seq\":").append(seq).append('}');
    return sb.toString();
  }

  static String gps(double lat, double lon, int accuracyMeters, long epochMillis) {
    StringBuilder sb = new StringBuilder(96);
    sb.append("{\"lat\":");
    fixed(sb, lat, 6);
    sb.append(",\"lon\":");
    fixed(sb, lon, 6);
    sb.append(",\"accuracyMeters\":").append(accuracyMeters);
    sb.append(",\"ts\":\"").append(ts(epochMillis)).append("\"}");
    return sb.toString();
  }

  /** An event of any type but {@code cmd-result}; {@code detail} may be null (it is optional). */
  static String event(String type, long epochMillis, String detail) {
    if (!EVENT_TYPES.contains(type) || type.equals("cmd-result")) {
      throw new IllegalArgumentException("not a plain event type: " + type);
    }
    StringBuilder sb = new StringBuilder(96);
    sb.append("{\"type\":\"").append(type).append('"');
    sb.append(",\"ts\":\"").append(ts(epochMillis)).append('"');
    if (detail != null) {
      sb.append(",\"detail\":");
      string(sb, detail);
    }
    return sb.append('}').toString();
  }

  /** The answer to a command: {@code status} is {@code ok} or {@code failed}. */
  static String cmdResult(String commandId, boolean ok, long epochMillis) {
    StringBuilder sb = new StringBuilder(96);
    sb.append("{\"type\":\"cmd-result\",\"ts\":\"").append(ts(epochMillis)).append('"');
    sb.append(",\"commandId\":");
    string(sb, commandId);
    sb.append(",\"status\":\"").append(ok ? "ok" : "failed").append("\"}");
    return sb.toString();
  }

  static String status(boolean online) {
    return online ? "{\"online\":true}" : "{\"online\":false}";
  }

  /** Plain decimal notation with exactly {@code decimals} digits (never {@code 1.0E-4}). */
  static void fixed(StringBuilder sb, double value, int decimals) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("not a finite number: " + value);
    }
    long scale = 1;
    for (int i = 0; i < decimals; i++) {
      scale *= 10;
    }
    long scaled = Math.round(Math.abs(value) * scale);
    if (value < 0 && scaled != 0) {
      sb.append('-');
    }
    sb.append(scaled / scale);
    if (decimals > 0) {
      sb.append('.');
      String frac = Long.toString(scaled % scale);
      for (int i = frac.length(); i < decimals; i++) {
        sb.append('0');
      }
      sb.append(frac);
    }
  }

  /** A JSON string literal with the escapes JSON requires. */
  static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
