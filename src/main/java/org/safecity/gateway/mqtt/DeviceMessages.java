package org.safecity.gateway.mqtt;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import org.safecity.gateway.core.Box;
import org.safecity.gateway.core.DeviceEvent;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.GpsFix;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.core.Telemetry;

/**
 * Translates a validated device payload into what the core and the log understand. Only payloads that
 * passed {@link PayloadValidator} reach here, so required fields are present and in range.
 */
final class DeviceMessages {
  private DeviceMessages() {
  }

  /** The event-log entry for a box's message: {@code box.telemetry}, {@code box.gps}, {@code box.event}, {@code box.status}. */
  static NewEvent logEntry(Box box, TopicKind kind, JsonObject payload, Instant received) {
    String type = switch (kind) {
      case TELEMETRY -> "box.telemetry";
      case GPS -> "box.gps";
      case EVENTS -> "box.event";
      case STATUS -> "box.status";
      case CMD -> throw new IllegalArgumentException("cmd is gateway-to-box");
    };
    return new NewEvent(type, box.id(), box.region(), received, payload.getMap());
  }

  /**
   * Key under which a resend of the same message is recognised: the box's own sequence number plus its
   * clock (a box that reboots and restarts {@code seq} sends new timestamps). No {@code seq}, no key: such a
   * message is at-least-once, as MQTT QoS 1 promises.
   */
  static String dedupKey(Box box, TopicKind kind, JsonObject payload) {
    Object seq = payload.getValue("seq");
    if (seq == null) {
      return null;
    }
    Object ts = payload.getValue("ts");
    return box.id() + "/" + kind.suffix() + "/" + seq + (ts == null ? "" : "/" + ts);
  }

  static Telemetry telemetry(JsonObject p, Instant received) {
    return new Telemetry(deviceTime(p, received), p.getBoolean("mainsPower"), p.getDouble("batteryPercent"),
        p.getDouble("batteryVolts"), p.getDouble("temperatureC"), "open".equals(p.getString("door")),
        p.getBoolean("tamper"));
  }

  static GpsFix gps(JsonObject p, Instant received) {
    return new GpsFix(deviceTime(p, received), new GeoPoint(p.getDouble("lat"), p.getDouble("lon")),
        p.getDouble("accuracyMeters"));
  }

  static DeviceEvent event(JsonObject p, Instant received) {
    String detail = p.getString("detail");
    if (detail == null && p.getString("commandId") != null) {
      detail = p.getString("commandId") + ":" + p.getString("status");
    }
    return new DeviceEvent(deviceTime(p, received), p.getString("type"), detail);
  }

  /** The box's clock when it sent one, else arrival; the core decides how far to trust it. */
  static Instant deviceTime(JsonObject p, Instant received) {
    String ts = p.getString("ts");
    if (ts == null) {
      return received;
    }
    try {
      return OffsetDateTime.parse(ts).toInstant();
    } catch (DateTimeParseException e) {
      return received;
    }
  }
}
