package org.safecity.gateway.core;

/** The alarm kinds the health model raises, as written to the event log. */
public final class AlarmKinds {

  public static final String BOX_SILENT = "box-silent";
  public static final String BOX_OFFLINE = "box-offline";
  /** A box's link is lost and at least the policy's quorum of its cameras is down: one cause, one alarm. */
  public static final String POWER_OR_LINK_LOST = "power-or-link-lost";
  /** Door opened, then moved, then offline within the theft window. */
  public static final String THEFT_SUSPECTED = "theft-suspected";
  public static final String DOOR_OPEN = "door-open";
  public static final String TAMPER = "tamper";
  public static final String ON_BATTERY = "on-battery";
  public static final String BATTERY_CRITICAL = "battery-critical";
  public static final String BOX_MOVED = "box-moved";
  public static final String CAMERA_DOWN = "camera-down";
  /** A whole gateway node left the cluster without stopping cleanly ({@link NodeLoss}). */
  public static final String GATEWAY_NODE_LOST = "gateway-node-lost";

  private AlarmKinds() {
  }
}
