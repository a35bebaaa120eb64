package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
  static final Duration MIN = Duration.ofSeconds(1);
  static final Duration MAX = Duration.ofSeconds(30);

  @Test
  void theCeilingDoublesFromMinAndStopsAtMax() {
    Backoff b = new Backoff(MIN, MAX, new SplittableRandom(1));
    List<Long> ceilings = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ceilings.add(b.ceilingMillis());
      b.next();
    }
    assertThat(ceilings).containsExactly(1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L, 30000L);
  }

  @Test
  void everyWaitLiesBetweenMinAndTheCeilingAndTheDrawsSpreadOverIt() {
    for (long seed = 0; seed < 50; seed++) {
      Backoff b = new Backoff(MIN, MAX, new SplittableRandom(seed));
      for (int i = 0; i < 100; i++) {
        long ceiling = b.ceilingMillis();
        long w = b.next().toMillis();
        assertThat(w).isBetween(1000L, ceiling);
      }
    }
    // Full jitter: at the cap the draws cover the range, not a point.
    Backoff b = new Backoff(MIN, MAX, new SplittableRandom(7));
    for (int i = 0; i < 10; i++) {
      b.next();
    }
    long low = Long.MAX_VALUE;
    long high = 0;
    for (int i = 0; i < 1000; i++) {
      long w = b.next().toMillis();
      low = Math.min(low, w);
      high = Math.max(high, w);
    }
    assertThat(low).isLessThan(3000);
    assertThat(high).isGreaterThan(27000);
  }

  @Test
  void resetStartsAgainFromMinAndNothingOverflowsAfterManyFailures() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofHours(1), new SplittableRandom(3));
    for (int i = 0; i < 10_000; i++) {
      assertThat(b.next().toMillis()).isBetween(100L, 3_600_000L);
    }
    assertThat(b.ceilingMillis()).isEqualTo(3_600_000L);
    b.reset();
    assertThat(b.ceilingMillis()).isEqualTo(100L);
    assertThat(b.next()).isEqualTo(Duration.ofMillis(100));
  }
}
