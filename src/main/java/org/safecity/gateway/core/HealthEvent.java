package org.safecity.gateway.core;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A health transition of a box that must be written to the event log.
 *
 * @param boxId   the box
 * @param region  the box's region
 * @param kind    one of the constants below, e.g. {@code box.offline}
 * @param at      when the gateway detected it (gateway clock; a device time is in the details)
 * @param details JSON-friendly facts: strings, numbers, booleans, nested maps/lists
 */
public record HealthEvent(String boxId, String region, String kind, Instant at, Map<String, Object> details)
    implements Outcome {

  public static final String BOX_ONLINE = "box.online";
  public static final String BOX_SILENT = "box.silent";
  public static final String BOX_OFFLINE = "box.offline";
  public static final String BOX_ON_BATTERY = "box.on-battery";
  public static final String BOX_MAINS_RESTORED = "box.mains-restored";
  public static final String BOX_DOOR_OPEN = "box.door-open";
  public static final String BOX_DOOR_CLOSED = "box.door-closed";
  public static final String BOX_TAMPER = "box.tamper";
  public static final String BOX_TAMPER_CLEARED = "box.tamper-cleared";
  public static final String BOX_MOVED = "box.moved";
  public static final String BOX_RETURNED = "box.returned";
  public static final String BOX_BATTERY_ESTIMATE = "box.battery-estimate";
  public static final String BOX_BATTERY_LOW = "box.battery-low";
  public static final String BOX_REBOOT = "box.reboot";
  public static final String BOX_CAMERA_PORT_FAULT = "box.camera-port-fault";
  public static final String CAMERA_DOWN = "camera.down";
  public static final String CAMERA_UP = "camera.up";

  public HealthEvent {
    Objects.requireNonNull(boxId, "boxId");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(at, "at");
    details = JsonDetails.copy(details);
  }
}
