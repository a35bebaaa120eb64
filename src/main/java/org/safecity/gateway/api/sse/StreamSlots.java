package org.safecity.gateway.api.sse;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open event streams per principal on this node ({@code auth.maxStreamsPerPrincipal}), shared by every HTTP
 * verticle instance. Like the rate limiter, one node's view: a principal may hold that many on each node.
 */
public final class StreamSlots {
  private final int maxPerPrincipal;
  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();
  private final AtomicInteger total = new AtomicInteger();

  public StreamSlots(int maxPerPrincipal, MeterRegistry metrics) {
    this.maxPerPrincipal = maxPerPrincipal;
    Gauge.builder("gateway_sse_streams", total, AtomicInteger::get).description("open event streams (SSE)")
        .register(metrics);
  }

  /** Takes one of {@code principal}'s slots; false when it holds the maximum already. */
  public boolean tryAcquire(String principal) {
    boolean[] taken = {false};
    open.compute(principal, (k, n) -> {
      int held = n == null ? 0 : n;
      if (held >= maxPerPrincipal) {
        return n;
      }
      taken[0] = true;
      return held + 1;
    });
    if (taken[0]) {
      total.incrementAndGet();
    }
    return taken[0];
  }

  /** Gives back a slot taken with {@link #tryAcquire}; entries of principals with none left are dropped. */
  public void release(String principal) {
    open.computeIfPresent(principal, (k, n) -> n <= 1 ? null : n - 1);
    total.decrementAndGet();
  }

  /** Streams {@code principal} holds open now. */
  public int held(String principal) {
    return open.getOrDefault(principal, 0);
  }
}
