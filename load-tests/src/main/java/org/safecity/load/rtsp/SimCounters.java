package org.safecity.load.rtsp;

import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Failures seen by the simulator's clients: counts and the first few reasons, for the summary. */
final class SimCounters {
  static final int SAMPLES = 10;

  /** Set-up failures (refused, connect errors) of clients that never streamed. */
  final AtomicLong setupFailures = new AtomicLong();
  /** Clients that were streaming when their connection ended or failed. */
  final AtomicLong disconnects = new AtomicLong();
  /** Keepalives answered with an error (the session itself may live on). */
  final AtomicLong keepaliveErrors = new AtomicLong();
  private final List<String> samples = new ArrayList<>();

  void failure(String what, boolean wasStreaming) {
    if (what.contains("keepalive")) {
      keepaliveErrors.incrementAndGet();
    } else if (wasStreaming) {
      disconnects.incrementAndGet();
    } else {
      setupFailures.incrementAndGet();
    }
    synchronized (samples) {
      if (samples.size() < SAMPLES) {
        samples.add(what);
      }
    }
  }

  JsonArray samples() {
    synchronized (samples) {
      return new JsonArray(new ArrayList<>(samples));
    }
  }
}
