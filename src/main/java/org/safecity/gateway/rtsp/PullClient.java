package org.safecity.gateway.rtsp;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.VertxException;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one camera pulled: a {@link PullSession} after another, forever, with {@link Backoff} between failures.
 * In on-demand mode it pulls only from a reader's {@link #demand()} until the stream has had no reader for
 * {@link #CLOSE_AFTER}. All state lives on the client's own context.
 */
final class PullClient {
  private static final Logger LOG = LoggerFactory.getLogger(PullClient.class);
  /** An on-demand pull with no reader for this long is stopped (a reader between DESCRIBE and PLAY has none). */
  static final Duration CLOSE_AFTER = Duration.ofSeconds(10);
  /** How long a reader's DESCRIBE waits for an on-demand stream to start. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  /** The client's two counters, for /metrics. */
  record Counters(Counter connects, Counter failures) {
  }

  private final PullSession.Deps deps;
  private final String cameraId;
  private final PullUrl url;
  private final boolean onDemand;
  private final ContextInternal context;
  private final Counters counters;
  private final Backoff backoff;
  private final List<PromiseInternal<CameraStream>> waiting = new ArrayList<>();
  private PullSession session;
  private boolean running;
  private boolean stopped;
  private long retryTimer = -1;
  private long idleTimer = -1;
  private long lastWantedNanos;

  PullClient(PullSession.Deps deps, String cameraId, PullUrl url, boolean onDemand, ContextInternal context,
      Counters counters) {
    this.deps = deps;
    this.cameraId = cameraId;
    this.url = url;
    this.onDemand = onDemand;
    this.context = context;
    this.counters = counters;
    this.backoff = new Backoff(deps.config().pullRetryMin(), deps.config().pullRetryMax(), new SplittableRandom());
  }

  /** Starts pulling now, unless the client is on demand (then the first reader starts it). */
  void start() {
    context.runOnContext(v -> {
      if (!onDemand && !stopped && !running) {
        running = true;
        attempt();
      }
    });
  }

  /** Stops for good: the session ends with a TEARDOWN, no retry follows. */
  Future<Void> stop() {
    PromiseInternal<Void> done = context.promise();
    context.runOnContext(v -> {
      stopped = true;
      running = false;
      cancelTimers();
      failWaiting("the camera's pull client stopped");
      if (session == null) {
        done.complete();
      } else {
        session.stop("the pull client stopped").onComplete(ar -> done.complete());
      }
    });
    return done.future();
  }

  /**
   * A reader wants the stream: starts pulling if idle and completes with the stream once it plays, on the
   * caller's context; fails after {@link #START_TIMEOUT}.
   */
  Future<CameraStream> demand() {
    ContextInternal caller = context.owner().getOrCreateContext();
    PromiseInternal<CameraStream> p = caller.promise();
    context.runOnContext(v -> {
      lastWantedNanos = System.nanoTime();
      CameraStream live = session == null ? null : session.stream();
      if (live != null) {
        p.complete(live);
        return;
      }
      if (stopped) {
        p.fail(VertxException.noStackTrace("the camera's pull client stopped"));
        return;
      }
      waiting.add(p);
      context.setTimer(START_TIMEOUT.toMillis(), id -> {
        if (waiting.remove(p)) {
          p.fail(VertxException.noStackTrace("its source did not start streaming within " + START_TIMEOUT.toSeconds()
              + " s"));
        }
      });
      if (!running) {
        running = true;
        LOG.info("camera {}: a reader asked for it, pulling {} on demand", cameraId, url);
        idleTimer = context.setPeriodic(1000, id -> checkIdle());
        attempt();
      }
    });
    return p.future();
  }

  private void attempt() {
    retryTimer = -1;
    if (!running) {
      return;
    }
    PullSession s = new PullSession(deps, cameraId, url, context);
    session = s;
    // start() always completes (every step is bounded), and a failed one has ended the session already: what
    // happened is logged before what comes next.
    s.start().onComplete(ar -> {
      if (ar.succeeded()) {
        counters.connects().increment();
        LOG.info("camera {}: playing, {}{}", cameraId, s.describe(), waiting.isEmpty() ? ""
            : " (" + waiting.size() + " readers waiting)");
        List.copyOf(waiting).forEach(p -> p.tryComplete(ar.result()));
        waiting.clear();
      } else if (running) { // else stopped on purpose during the handshake: no failure
        counters.failures().increment();
        LOG.warn("camera {}: pulling {} failed: {}", cameraId, url, ar.cause().getMessage());
      }
      s.ended().onComplete(end -> ended(s, end.result()));
    });
  }

  private void ended(PullSession s, String reason) {
    if (s.played()) {
      LOG.info("camera {}: pull from {} ended after {} s: {}", cameraId, url, s.playedNanos() / 1_000_000_000L, reason);
    }
    if (session != s) {
      return; // a reader restarted the on-demand pull while this session was stopping
    }
    session = null;
    if (s.playedNanos() >= deps.config().pullRetryMax().toNanos()) {
      backoff.reset(); // it worked for a while: this is a new failure, not the same one going on
    }
    if (s.wasReplaced()) {
      LOG.info("camera {}: another source took over; the pull client stops", cameraId);
      stopped = true;
      running = false;
      cancelTimers();
      return;
    }
    if (!running) {
      return; // stopped, or an idle on-demand pull
    }
    if (s.played()) {
      counters.failures().increment();
    }
    long ceiling = backoff.ceilingMillis();
    Duration wait = backoff.next();
    LOG.info("camera {}: pulling again in {} ms (failure {} in a row, ceiling {} ms)", cameraId, wait.toMillis(),
        backoff.failures(), ceiling);
    retryTimer = context.setTimer(Math.max(1, wait.toMillis()), id -> attempt());
  }

  /** On demand: a stream with readers stays wanted; one with none past {@link #CLOSE_AFTER} is stopped. */
  private void checkIdle() {
    CameraStream live = session == null ? null : session.stream();
    long now = System.nanoTime();
    if (live != null && live.stats().readerCount() > 0) {
      lastWantedNanos = now;
      return;
    }
    if (now - lastWantedNanos < CLOSE_AFTER.toNanos() || !waiting.isEmpty()) {
      return;
    }
    LOG.info("camera {}: no reader for {} s, the on-demand pull stops", cameraId, CLOSE_AFTER.toSeconds());
    running = false;
    cancelTimers();
    backoff.reset();
    if (session != null) {
      session.stop("no reader for " + CLOSE_AFTER.toSeconds() + " s");
    }
  }

  private void cancelTimers() {
    context.owner().cancelTimer(retryTimer);
    context.owner().cancelTimer(idleTimer);
    retryTimer = -1;
    idleTimer = -1;
  }

  private void failWaiting(String why) {
    List.copyOf(waiting).forEach(p -> p.tryFail(VertxException.noStackTrace(why)));
    waiting.clear();
  }
}
