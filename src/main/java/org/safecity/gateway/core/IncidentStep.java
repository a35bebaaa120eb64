package org.safecity.gateway.core;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The steps of the incident workflow and who may take them: command-centre staff take every step; the crew
 * of the dispatched unit may report itself on scene. Steps go forward only; closing is allowed from any open
 * state (a false alarm is closed without dispatch).
 */
public enum IncidentStep {
  ACKNOWLEDGE(Set.of(IncidentState.NEW), IncidentState.ACKNOWLEDGED),
  DISPATCH(Set.of(IncidentState.NEW, IncidentState.ACKNOWLEDGED), IncidentState.DISPATCHED),
  ON_SCENE(Set.of(IncidentState.DISPATCHED), IncidentState.ON_SCENE),
  CLOSE(Set.of(IncidentState.NEW, IncidentState.ACKNOWLEDGED, IncidentState.DISPATCHED, IncidentState.ON_SCENE),
      IncidentState.CLOSED);

  private final Set<IncidentState> from;
  private final IncidentState to;

  IncidentStep(Set<IncidentState> from, IncidentState to) {
    this.from = from;
    this.to = to;
  }

  public IncidentState to() {
    return to;
  }

  /** The wire name, e.g. {@code on-scene}; the event type is {@code incident.<wire>}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Optional<IncidentStep> fromWire(String s) {
    for (IncidentStep st : values()) {
      if (st.wire().equals(s)) {
        return Optional.of(st);
      }
    }
    return Optional.empty();
  }

  /**
   * Why this step cannot be taken now, or empty when it can.
   *
   * @param staff        the actor is command-centre staff (operator, supervisor, admin)
   * @param assignedCrew the actor is the crew of the unit the incident is dispatched to
   */
  public Optional<String> refusal(IncidentState current, boolean staff, boolean assignedCrew) {
    if (!from.contains(current)) {
      return Optional.of("cannot " + wire() + " an incident that is " + current.wire());
    }
    if (staff || (this == ON_SCENE && assignedCrew)) {
      return Optional.empty();
    }
    return Optional.of(this == ON_SCENE ? "only the dispatched unit's crew or the command centre may report on scene"
        : "only the command centre may " + wire() + " an incident");
  }
}
