package org.safecity.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one simulator process, shared by its shards (each shard is one event loop). */
final class SimStats {
  final AtomicInteger connected = new AtomicInteger();
  /** Boxes that got a CONNACK at least once. */
  final AtomicInteger connectedOnce = new AtomicInteger();
  /** Wall-clock time of the latest first-time CONNACK. */
  final AtomicLong lastFirstConnackMillis = new AtomicLong();
  final AtomicInteger pendingConnects = new AtomicInteger();
  final LongAdder attempts = new LongAdder();
  final LongAdder failures = new LongAdder();
  /** Boxes whose connection failed or was lost with reconnecting switched off. */
  final LongAdder gaveUp = new LongAdder();
  final LongAdder refused = new LongAdder();
  /** Connections that closed without us asking (the broker dropped them, or the network did). */
  final LongAdder lost = new LongAdder();
  /** Sockets the simulator killed on purpose (incident scenario), not counted as lost. */
  final LongAdder killed = new LongAdder();
  final LongAdder published = new LongAdder();
  final LongAdder acked = new LongAdder();
  final LongAdder publishErrors = new LongAdder();
  final LongAdder commands = new LongAdder();
  final LongAdder events = new LongAdder();
  final LongAdder incidents = new LongAdder();
  /** Acks inside the throughput measurement window. */
  final LongAdder measuredAcked = new LongAdder();
  final Histogram connectLatency = new Histogram();
  final Histogram ackLatency = new Histogram();
  volatile long measureFromNanos = Long.MAX_VALUE;
  volatile long measureToNanos = Long.MAX_VALUE;
  private final List<String> failureSamples = new ArrayList<>();

  boolean inWindow(long nanos) {
    return nanos >= measureFromNanos && nanos < measureToNanos;
  }

  /** Keeps the first few distinct failure reasons for the summary. */
  void sampleFailure(String reason) {
    synchronized (failureSamples) {
      if (failureSamples.size() < 5 && !failureSamples.contains(reason)) {
        failureSamples.add(reason);
      }
    }
  }

  List<String> failureSamples() {
    synchronized (failureSamples) {
      return List.copyOf(failureSamples);
    }
  }
}
