package org.safecity.gateway.rtsp;

import io.vertx.core.Future;
import java.util.Optional;

/** What the RTSP edge asks when a reader wants a camera that is not streaming: can its source be started? */
public interface StreamDemand {
  /** For a gateway without pull sources. */
  StreamDemand NONE = cameraId -> Optional.empty();

  /**
   * Empty when the camera is not started on demand (the reader gets 404 at once); else a future completing, on
   * the caller's context, with the stream once it plays, or failing after a bounded wait.
   */
  Optional<Future<CameraStream>> demand(String cameraId);
}
