package org.safecity.gateway.core;

import java.util.List;
import java.util.Objects;

/**
 * What one call on the health model produced, in the order it must be logged. Per box: its events
 * first, then alarm clears, then alarm raises (so a key cleared and raised again in one call, an
 * escalation, is logged as clear-then-raise).
 */
public record Outcomes(List<Outcome> all) {

  public static final Outcomes NONE = new Outcomes(List.of());

  public Outcomes {
    all = List.copyOf(Objects.requireNonNull(all, "all"));
  }

  public boolean isEmpty() {
    return all.isEmpty();
  }

  public List<HealthEvent> events() {
    return only(HealthEvent.class);
  }

  public List<AlarmRaised> raised() {
    return only(AlarmRaised.class);
  }

  public List<AlarmCleared> cleared() {
    return only(AlarmCleared.class);
  }

  private <T extends Outcome> List<T> only(Class<T> type) {
    return all.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
