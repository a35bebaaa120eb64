package org.safecity.gateway.devices;

import org.safecity.gateway.mqtt.BoxDirectory;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * bcrypt work for the registry (and the API's accounts), on a worker pool of its own so it can never occupy event loops or the
 * shared worker pool.
 *
 * <p>Device logins ({@link #verify}) are the part an attacker controls, so they are bounded: at most
 * {@code maxConcurrent} run at once, at most {@code maxWaiting} more wait for them (none for devices, which
 * retry; a few for people logging in to the API), and the rest are refused at once instead of queueing without limit; a
 * secret that verified before is recognised from {@link VerifiedSecrets} without bcrypt; and an unknown
 * principal is checked against a dummy hash of the same cost, so its answer takes as long as a wrong secret's.
 * Hashing at load ({@link #resolve}) comes from the operator's file and is not bounded.
 */
public final class CredentialVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(CredentialVerifier.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  private static final long BUSY_WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final int cost;
  private final int maxConcurrent;
  private final int maxWaiting;
  private final WorkerExecutor executor;
  private final Semaphore permits;
  private final VerifiedSecrets verified = new VerifiedSecrets();
  private final AtomicLong bcryptVerifications = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong refusedSinceWarn = new AtomicLong();
  private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - BUSY_WARN_INTERVAL_NANOS);
  private volatile String dummyHash;

  /** Refuses a verification at once when {@code maxConcurrent} run already (device logins: the device retries). */
  public CredentialVerifier(Vertx vertx, int cost, int maxConcurrent) {
    this(vertx, cost, maxConcurrent, 0);
  }

  /** Lets up to {@code maxWaiting} verifications wait for one of the {@code maxConcurrent} running ones to end. */
  public CredentialVerifier(Vertx vertx, int cost, int maxConcurrent, int maxWaiting) {
    if (cost < Bcrypt.MIN_COST || cost > Bcrypt.MAX_COST) {
      throw new IllegalArgumentException("bcrypt cost must be " + Bcrypt.MIN_COST + ".." + Bcrypt.MAX_COST + ": " + cost);
    }
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("maxConcurrent must be >= 1: " + maxConcurrent);
    }
    if (maxWaiting < 0) {
      throw new IllegalArgumentException("maxWaiting must be >= 0: " + maxWaiting);
    }
    this.cost = cost;
    this.maxConcurrent = maxConcurrent;
    this.maxWaiting = maxWaiting;
    // Admission: the executor has maxConcurrent threads and queues the waiting ones itself.
    this.permits = new Semaphore(maxConcurrent + maxWaiting);
    this.executor = vertx.createSharedWorkerExecutor("safecity-bcrypt-" + INSTANCES.incrementAndGet(), maxConcurrent);
  }

  /** Makes the dummy hash unknown principals are checked against; call once before {@link #verify}. */
  public Future<Void> init() {
    return run(() -> Bcrypt.hash(UUID.randomUUID().toString(), cost)).onSuccess(h -> dummyHash = h).mapEmpty();
  }

  /**
   * The hash to store for a secret from the file: a hash as given; for a plain secret the stored hash when it
   * still verifies (no new salt, no row churn on every reload), else a new one. A stored hash made with a lower
   * cost than configured is replaced, so raising the cost takes effect on the next load.
   *
   * @param stored the hash in the database now, or null
   */
  Future<String> resolve(String principal, Secret secret, String stored) {
    if (secret.isHash()) {
      return Future.succeededFuture(secret.value());
    }
    String plain = secret.value();
    boolean strongEnough = stored != null && Bcrypt.isHash(stored) && costOf(stored) >= cost;
    if (strongEnough && verified.known(principal, plain, stored)) {
      return Future.succeededFuture(stored);
    }
    return run(() -> strongEnough && Bcrypt.verify(plain, stored) ? stored : Bcrypt.hash(plain, cost))
        .onSuccess(h -> verified.remember(principal, plain, h));
  }

  /**
   * Completes with true when {@code secret} matches {@code hash}; false when it does not, when {@code hash} is
   * null (unknown principal, checked against the dummy hash for equal timing); fails at once with
   * {@link BoxDirectory.BusyException} when {@code maxConcurrent} verifications are already running.
   */
  public Future<Boolean> verify(String principal, String secret, String hash) {
    if (hash != null && verified.known(principal, secret, hash)) {
      return Future.succeededFuture(true);
    }
    if (!permits.tryAcquire()) {
      refused.incrementAndGet();
      warnBusy();
      return Future.failedFuture(new BoxDirectory.BusyException("all " + maxConcurrent + " credential verifiers are busy"
          + (maxWaiting > 0 ? " and " + maxWaiting + " more checks wait for them" : "")));
    }
    String against = hash != null ? hash : dummyHash;
    Future<Boolean> result;
    try {
      result = run(() -> {
        bcryptVerifications.incrementAndGet();
        return Bcrypt.verify(secret, against) && hash != null;
      });
    } catch (RuntimeException e) {
      permits.release();
      return Future.failedFuture(e);
    }
    return result.andThen(ar -> permits.release()).onSuccess(ok -> {
      if (ok) {
        verified.remember(principal, secret, hash);
      }
    });
  }

  /** A new salted hash of {@code plain} at this verifier's cost, computed on its workers. */
  public Future<String> hash(String plain) {
    if (!Bcrypt.fits(plain)) {
      return Future.failedFuture(new IllegalArgumentException("a secret is at most " + Bcrypt.MAX_SECRET_BYTES + " bytes"));
    }
    return run(() -> Bcrypt.hash(plain, cost));
  }

  /** Forgets cached verifications of principals that are gone or whose hash changed. */
  void retain(Map<String, String> hashes) {
    verified.retain(hashes);
  }

  int cost() {
    return cost;
  }

  int maxConcurrent() {
    return maxConcurrent;
  }

  /** bcrypt verifications run for logins (cache hits and refusals not counted). */
  long bcryptVerifications() {
    return bcryptVerifications.get();
  }

  /** Logins refused because {@code maxConcurrent} verifications were running. */
  long refused() {
    return refused.get();
  }

  public Future<Void> close() {
    return executor.close();
  }

  private <T> Future<T> run(Callable<T> work) {
    // Unordered: ordered blocking tasks from one context would run one at a time.
    return executor.executeBlocking(work, false);
  }

  private void warnBusy() {
    refusedSinceWarn.incrementAndGet();
    long now = System.nanoTime();
    long last = lastWarn.get();
    if (now - last >= BUSY_WARN_INTERVAL_NANOS && lastWarn.compareAndSet(last, now)) {
      LOG.warn("refused {} device logins: {} bcrypt verifications already running (the limit); devices retry",
          refusedSinceWarn.getAndSet(0), maxConcurrent);
    }
  }

  static int costOf(String hash) {
    return Integer.parseInt(hash.substring(4, 6));
  }
}
