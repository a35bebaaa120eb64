package org.safecity.gateway.core;

import java.util.Locale;

/** Why an MQTT connection of a box ended, as the edge observed it. */
public enum DisconnectCause {
  /** The box sent DISCONNECT: an operator-known shutdown. */
  CLEAN,
  /** The broker published the box's last will. */
  WILL,
  /** Nothing arrived for 1.5 x the keepalive. */
  KEEPALIVE_EXPIRED,
  /** The TCP connection closed without DISCONNECT. */
  SOCKET_CLOSED,
  /** A newer connection with the same client id replaced this one. */
  TAKEN_OVER,
  /**
   * The gateway node that held the connection was lost and the box did not reconnect to another node within the
   * reconnect grace.
   */
  NODE_LOST;

  /** The form used in event details, e.g. {@code keepalive-expired}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
