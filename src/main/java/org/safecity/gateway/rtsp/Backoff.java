package org.safecity.gateway.rtsp;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long the pull client waits before its next attempt: a ceiling that starts at {@code min} and doubles with
 * every failure up to {@code max}, and a wait drawn uniformly below it ("full jitter"), so that cameras behind
 * one failed switch do not all come back in the same second. The draw never goes below {@code min}: a camera
 * that refuses at once must not be retried in a tight loop.
 */
final class Backoff {
  private final long minMillis;
  private final long maxMillis;
  private final RandomGenerator random;
  private int failures;

  Backoff(Duration min, Duration max, RandomGenerator random) {
    this.minMillis = Math.max(1, min.toMillis());
    this.maxMillis = Math.max(minMillis, max.toMillis());
    this.random = random;
  }

  /** The wait before the next attempt; counts one more failure. */
  Duration next() {
    long ceiling = ceilingMillis();
    failures = Math.min(failures + 1, 62);
    return Duration.ofMillis(minMillis + random.nextLong(ceiling - minMillis + 1));
  }

  /** The largest wait {@link #next()} can return now. */
  long ceilingMillis() {
    // min·2^failures without overflow: stop doubling once past max
    long c = minMillis;
    for (int i = 0; i < failures && c < maxMillis; i++) {
      c *= 2;
    }
    return Math.min(c, maxMillis);
  }

  int failures() {
    return failures;
  }

  /** A session played long enough: the next failure starts again from {@code min}. */
  void reset() {
    failures = 0;
  }
}
