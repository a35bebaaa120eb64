package org.safecity.gateway.testing;

import java.time.Duration;

/** Polls a check of assertions until it passes or the time is up (for state that other processes change). */
public final class Eventually {
  /** Assertions that may throw {@link AssertionError} until the awaited state is there. */
  public interface Check {
    void run() throws Exception;
  }

  private Eventually() {
  }

  /** Runs {@code check} every 200 ms until it passes; fails naming {@code what}, with the last assertion as cause. */
  public static void await(String what, Duration timeout, Check check) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    AssertionError last = null;
    while (System.nanoTime() < end) {
      try {
        check.run();
        return;
      } catch (AssertionError e) {
        last = e;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(what + " not within " + timeout, last);
  }
}
