package org.safecity.gateway.core;

import java.util.Locale;

/** Where an incident stands: new → acknowledged → dispatched → on-scene → closed. */
public enum IncidentState {
  NEW, ACKNOWLEDGED, DISPATCHED, ON_SCENE, CLOSED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static IncidentState fromWire(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
  }
}
