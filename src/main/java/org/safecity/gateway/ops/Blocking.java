package org.safecity.gateway.ops;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Waits for a future from a thread that may block: {@code main} at start-up and the shutdown thread.
 * Never call it on an event loop.
 */
public final class Blocking {
  private Blocking() {
  }

  public static <T> T await(Future<T> future, Duration timeout, String what) throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    future.onComplete(ar -> {
      if (ar.succeeded()) {
        result.set(ar.result());
      } else {
        error.set(ar.cause());
      }
      done.countDown();
    });
    if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException(what + " did not finish within " + timeout.toSeconds() + " s");
    }
    if (error.get() instanceof Exception e) {
      throw e;
    }
    if (error.get() != null) {
      throw new IllegalStateException(what + " failed", error.get());
    }
    return result.get();
  }
}
