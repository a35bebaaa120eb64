package org.safecity.gateway.devices;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.safecity.gateway.core.Box;

/**
 * One immutable version of the registry, as handed to change listeners.
 *
 * @param version increases by one on every successful load of this process (not shared between nodes)
 * @param boxes   by id, in id order
 * @param cameras by id, in id order
 */
public record Snapshot(int version, Map<String, Box> boxes, Map<String, CameraEntry> cameras) {
  public Snapshot {
    boxes = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(boxes, "boxes")));
    cameras = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(cameras, "cameras")));
  }
}
