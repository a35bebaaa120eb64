package org.safecity.gateway.devices;

import java.util.Optional;

/** The two ways into a camera's stream over RTSP, each with its own credentials in the devices file. */
public enum CameraAccess {
  /** The camera (or an encoder) pushing its stream: ANNOUNCE/RECORD. */
  PUBLISH,
  /** An operator, agency or crew watching it: DESCRIBE/PLAY. */
  READ;

  Optional<String> user(CameraEntry camera) {
    return this == PUBLISH ? camera.publishUser() : camera.readUser();
  }

  String principal(String cameraId) {
    return this == PUBLISH ? DeviceStore.cameraPublishPrincipal(cameraId) : DeviceStore.cameraReadPrincipal(cameraId);
  }
}
