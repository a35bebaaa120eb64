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

  /**
   * "Node N now owns box X" ({@code {"box", "node", "since"}}), published to every node when a node accepts a box's
   * connection; the node that judged the box so far stops ({@code health.BoxOwnership}).
   */
  public static final String BOX_OWNER = "safecity.box.owner";

  /**
   * The last whole-frame times of the cameras streaming to one edge node ({@code {"node", "frames": {camera: epoch
   * millis}}}), published by every edge every health tick for the cameras whose time moved on, so that every node
   * judges every camera from the newest time any node saw ({@code health.CameraFrames}).
   */
  public static final String CAMERA_FRAMES = "safecity.camera.frames";

  /**
   * Prefix of the recognition workers' addresses, one per worker type and node ({@link #recognitionJobs}): a request
   * with a sampled frame ({@code recognition.SampledFrame}, codec {@code recognition.SampledFrameCodec}); the reply is
   * the outcome ({@code processed}, {@code failed}, {@code expired}). Only the edge's dispatcher sends there, to the
   * worker it chose.
   */
  public static final String RECOGNITION_JOBS = "safecity.recognition.jobs.";

  /** The address the worker of one type on one node listens on. */
  public static String recognitionJobs(String workerType, String nodeId) {
    return RECOGNITION_JOBS + workerType + "." + nodeId;
  }

  /**
   * Recognition workers announce themselves here, published to every node every second and on each change
   * ({@code recognition.WorkerAnnouncement} as JSON: node, name, leaving, and per worker type its address, credits
   * and which cameras it wants).
   */
  public static final String RECOGNITION_WORKERS = "safecity.recognition.workers";
}
