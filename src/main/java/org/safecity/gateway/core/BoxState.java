package org.safecity.gateway.core;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * An immutable snapshot of one box's health.
 *
 * @param box           the registry entry
 * @param connected     whether at least one MQTT connection of the box is open
 * @param lastSeen      the last sign of life (connect or any message), gateway clock; {@code null} if never
 * @param conditions    the active conditions; at most one of them is a link condition
 * @param lastTelemetry the newest telemetry, or {@code null}
 * @param lastPosition  the newest GPS fix, or {@code null}
 * @param battery       the battery estimate while on battery and one can be made, else {@code null}
 * @param camerasDown   its cameras the camera side reports down
 * @param activeAlarms  the alarm keys it holds active, with their kinds
 */
public record BoxState(Box box, boolean connected, Instant lastSeen, Set<BoxCondition> conditions,
                       Telemetry lastTelemetry, GpsFix lastPosition, BatteryEstimate battery,
                       Set<String> camerasDown, Map<String, String> activeAlarms) {

  public BoxState {
    Objects.requireNonNull(box, "box");
    conditions = conditions.isEmpty()
        ? Set.of()
        : Collections.unmodifiableSet(EnumSet.copyOf(conditions));
    camerasDown = Collections.unmodifiableSet(new TreeSet<>(camerasDown));
    activeAlarms = Collections.unmodifiableMap(new LinkedHashMap<>(activeAlarms));
  }

  public String id() {
    return box.id();
  }

  public String region() {
    return box.region();
  }

  /** ONLINE, SILENT or OFFLINE; {@code null} while not yet known (registered, not heard from, within the bound). */
  public BoxCondition link() {
    return BoxCondition.linkOf(conditions);
  }

  public boolean has(BoxCondition condition) {
    return conditions.contains(condition);
  }
}
