package org.safecity.gateway.core;

import java.time.Instant;
import java.util.Objects;

/**
 * A discrete event a box reports on {@code boxes/<id>/events}.
 *
 * @param at     when it happened (device clock)
 * @param type   one of the wire types below; unknown types count only as a sign of life
 * @param detail free text from the device, may be {@code null}
 */
public record DeviceEvent(Instant at, String type, String detail) {

  public static final String DOOR_OPENED = "door-opened";
  public static final String DOOR_CLOSED = "door-closed";
  public static final String TAMPER = "tamper";
  public static final String MAINS_LOST = "mains-lost";
  public static final String MAINS_RESTORED = "mains-restored";
  public static final String BATTERY_LOW = "battery-low";
  public static final String REBOOT = "reboot";
  public static final String CAMERA_PORT_FAULT = "camera-port-fault";
  public static final String CMD_RESULT = "cmd-result";

  public DeviceEvent {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(type, "type");
  }
}
