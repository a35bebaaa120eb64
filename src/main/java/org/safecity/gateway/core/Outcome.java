package org.safecity.gateway.core;

import java.time.Instant;

/** Something the health model produced that the edge must write to the event log: an event or an alarm change. */
public sealed interface Outcome permits HealthEvent, AlarmChange {

  /** When it was detected (gateway clock). */
  Instant at();
}
