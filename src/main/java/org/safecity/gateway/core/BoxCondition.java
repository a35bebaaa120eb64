package org.safecity.gateway.core;

import java.util.Collection;

/**
 * What can be true of a box at one time; several at once (e.g. ON_BATTERY and DOOR_OPEN).
 * ONLINE, SILENT and OFFLINE are the link dimension: at most one of them is active, and none
 * until the box has been heard from or the silence bound has passed since it was registered.
 */
public enum BoxCondition {
  /** Connected and heard from within the silence bound. */
  ONLINE,
  /** Connected, but no message for {@link HealthPolicy#boxSilentAfter()}. */
  SILENT,
  /** No MQTT connection (will, keepalive, socket closed, clean shutdown) or never heard from. */
  OFFLINE,
  /** Mains power lost; running on its battery. */
  ON_BATTERY,
  /** Cabinet door open. */
  DOOR_OPEN,
  /** Tamper switch tripped. */
  TAMPER,
  /** A GPS fix placed it outside its geofence. */
  MOVED;

  /** Whether this condition belongs to the link dimension. */
  public boolean isLink() {
    return this == ONLINE || this == SILENT || this == OFFLINE;
  }

  /** The link condition among {@code conditions}, or {@code null} when none is set yet. */
  public static BoxCondition linkOf(Collection<BoxCondition> conditions) {
    for (BoxCondition c : conditions) {
      if (c.isLink()) {
        return c;
      }
    }
    return null;
  }
}
