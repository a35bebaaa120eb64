package org.safecity.gateway.recognition;

/** Why a sampled frame was not recognised; each is counted per camera and worker type. */
public enum Drop {
  /** A newer frame took its place while it waited for the worker (latest wins). */
  SUPERSEDED("superseded"),
  /** Older than the deadline when its turn came (here or at the worker). */
  EXPIRED("expired"),
  /** No worker of that type was listening. */
  NO_WORKER("no-worker"),
  /** The worker did not answer in time (gone, or far behind). */
  TIMEOUT("timeout"),
  /**
   * Its worker was lost (the worker's node left the cluster or stopped announcing itself) while the frame was there,
   * and it could not be sent to another worker within its deadline.
   */
  WORKER_LOST("worker-lost"),
  /** The camera's stream ended while it waited. */
  ENDED("ended"),
  /** Fps mode: due, but the frames since the last keyframe were more than the policy keeps. */
  GOP_TOO_LONG("gop-too-long");

  private final String tag;

  Drop(String tag) {
    this.tag = tag;
  }

  /** The metric's {@code reason} tag. */
  public String tag() {
    return tag;
  }
}
