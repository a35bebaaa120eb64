package org.safecity.gateway.recognition;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One camera's figures for one worker type, across the camera's streams. Written on stream contexts, read by
 * /metrics from anywhere: every field is thread-safe.
 */
public final class Tally {
  final LongAdder sent = new LongAdder();
  final LongAdder processed = new LongAdder();
  final LongAdder failed = new LongAdder();
  final Map<Drop, LongAdder> dropped = new EnumMap<>(Drop.class);
  /** Frames held now: in flight to the worker plus waiting here; at most two per stream. */
  final AtomicInteger held = new AtomicInteger();

  public Tally() {
    for (Drop d : Drop.values()) {
      dropped.put(d, new LongAdder());
    }
  }

  public long sent() {
    return sent.sum();
  }

  public long processed() {
    return processed.sum();
  }

  public long failed() {
    return failed.sum();
  }

  public long dropped(Drop reason) {
    return dropped.get(reason).sum();
  }

  public long droppedTotal() {
    long n = 0;
    for (LongAdder a : dropped.values()) {
      n += a.sum();
    }
    return n;
  }

  public int held() {
    return held.get();
  }
}
