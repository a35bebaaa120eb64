package org.safecity.gateway.api;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per key (a principal, or an address before login): {@code perSecond} sustained, {@code burst}
 * at once. One node's view; idle buckets are dropped so memory follows the active callers.
 */
public final class RateLimiter {
  private static final long IDLE_NANOS = 10L * 60 * 1_000_000_000;

  private static final class Bucket {
    double tokens;
    long refilledAt;
  }

  private final double perSecond;
  private final int burst;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  public RateLimiter(int perSecond, int burst) {
    this.perSecond = perSecond;
    this.burst = Math.max(1, burst);
  }

  /** 0 when allowed (one token taken); otherwise the seconds to wait for the next token (at least 1). */
  public long acquire(String key, long nowNanos) {
    Bucket b = buckets.computeIfAbsent(key, k -> {
      Bucket n = new Bucket();
      n.tokens = burst;
      n.refilledAt = nowNanos;
      return n;
    });
    synchronized (b) {
      double elapsed = (nowNanos - b.refilledAt) / 1e9;
      b.tokens = Math.min(burst, b.tokens + elapsed * perSecond);
      b.refilledAt = nowNanos;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - b.tokens) / perSecond));
    }
  }

  /** Drops buckets untouched for ten minutes (they would be full again anyway). */
  public void sweep(long nowNanos) {
    buckets.entrySet().removeIf(e -> {
      synchronized (e.getValue()) {
        return nowNanos - e.getValue().refilledAt > IDLE_NANOS;
      }
    });
  }

  int size() {
    return buckets.size();
  }
}
