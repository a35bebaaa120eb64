package org.safecity.gateway.core;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something that happened and must be recorded: a device event, an alarm, an incident step, a recognition hit.
 *
 * @param type   dotted kind, e.g. {@code box.telemetry}, {@code alarm.raised}
 * @param source what it is about or where it came from, e.g. {@code box-001}
 * @param region the region it belongs to ({@code null} when none), used for per-region visibility
 * @param at     when it happened (device clock where trusted, else arrival)
 * @param body   JSON-friendly details: strings, numbers, booleans, nested maps and lists
 */
public record NewEvent(String type, String source, String region, Instant at, Map<String, Object> body) {
  public NewEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(at, "at");
    body = body == null ? Map.of() : body;
  }
}
