package org.safecity.gateway.core;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * What one box's health state must carry from one gateway node to the next when the box's connection moves: its
 * conditions and link, the times the correlations (theft, site loss) and the alarms' details need, and its active
 * alarms (so the new owner neither raises them again nor forgets to clear them). The battery trend is not carried:
 * the new owner starts it again from the next readings.
 */
public record BoxMemento(Set<BoxCondition> conditions, DisconnectCause offlineCause, Instant lastSeen, Instant linkSince,
                         Instant doorOpenedAt, Instant tamperSince, Instant movedAt, Instant onBatterySince,
                         Instant theftSince, Instant siteLossSince, Map<String, Instant> camerasDown,
                         Map<String, String> activeAlarms, GpsFix lastPosition, Instant lastPositionAt,
                         String batteryCriticalTrigger) {

  public BoxMemento {
    conditions = conditions.isEmpty() ? Set.of() : Set.copyOf(conditions);
    camerasDown = Map.copyOf(camerasDown);
    activeAlarms = Map.copyOf(activeAlarms);
  }
}
