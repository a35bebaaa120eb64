package org.safecity.gateway.bus;

/** Event-bus addresses. Messages are JSON so they stay readable and node-agnostic on a clustered bus. */
public final class Addresses {
  private Addresses() {
  }

  /** Every committed event-log entry, published in id order after its commit ({@link EventMessages}). */
  public static final String EVENTS = "safecity.events";

  /**
   * "Box X has commands waiting" ({@code {"boxId": ...}}), published to every node; the node holding that box's
   * MQTT connection delivers them.
   */
  public static final String BOX_COMMANDS = "safecity.box.commands";
}
