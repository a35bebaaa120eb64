package org.safecity.gateway.recognition;

import java.util.Locale;
import java.util.Optional;

/** What became of a frame sent to a worker: its reply, or the bus's failure to get one. */
public enum Outcome {
  /** Decoded and recognised. */
  PROCESSED,
  /** The worker failed on it (undecodable, recognizer error). */
  FAILED,
  /** The worker found it past its deadline and skipped it. */
  EXPIRED,
  /** No live worker of the type (none announced, or nobody listens at its address any more). */
  NO_WORKER,
  /** No reply in time. */
  TIMEOUT,
  /** Its worker was lost while it had the frame, and no other could take it in time. */
  WORKER_LOST;

  /** The reply body a worker sends. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Outcome fromWire(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }

  /** The drop it counts as, if it is one. */
  Optional<Drop> drop() {
    return switch (this) {
      case EXPIRED -> Optional.of(Drop.EXPIRED);
      case NO_WORKER -> Optional.of(Drop.NO_WORKER);
      case TIMEOUT -> Optional.of(Drop.TIMEOUT);
      case WORKER_LOST -> Optional.of(Drop.WORKER_LOST);
      case PROCESSED, FAILED -> Optional.empty();
    };
  }
}
