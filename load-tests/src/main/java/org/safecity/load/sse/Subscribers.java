package org.safecity.load.sse;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.safecity.load.Histogram;

/**
 * N SSE subscribers in this JVM, each on its own HTTP/1.1 connection (opened directly, no pool), each following
 * one region. They behave like an {@code EventSource}: {@code Accept: text/event-stream}, and after a stream ends
 * they reconnect after the server's {@code retry} time with {@code Last-Event-ID} = the last id they read.
 *
 * <p>Every subscriber keeps the keys of the messages it received, in order, over all its connections: after the
 * run they are compared with what was committed ({@link SequenceCheck}). Latency is recorded only while
 * {@link #measuring} is set; the resume storm records its own figures.
 */
final class Subscribers implements AutoCloseable {

  static final long UNKNOWN = Long.MIN_VALUE;
  private static final Clock CLOCK = Clock.systemUTC();
  private static final long DEFAULT_RETRY_MS = 2000;

  /** One subscriber. Its handlers run on its current connection's event loop. */
  final class Sub implements SseParser.Listener {
    final int index;
    final String region;
    private volatile HttpClientConnection conn;
    private SseParser parser;
    private boolean streaming;
    private String resumeFrom = "";
    private long retryMs = DEFAULT_RETRY_MS;
    /** Owed: every committed key above this. UNKNOWN until the stream said (or the target knew). */
    volatile long startAfter = UNKNOWN;
    private long[] keys = new long[64];
    private volatile int count;
    volatile long lastKey = -1;
    private long chunkMicros;
    volatile boolean dropping;
    private volatile boolean awaitingCatchUp;
    /** Bumped by the storm: a retry scheduled before it is void. */
    private volatile int generation;
    int connects;

    Sub(int index, String region) {
      this.index = index;
      this.region = region;
    }

    long[] keys() {
      return keys;
    }

    int count() {
      return count;
    }

    @Override
    public void onRetry(long millis) {
      retryMs = Math.max(100, millis);
    }

    @Override
    public void onEvent(String lastEventId, String event, String data) {
      switch (event) {
        case "message" -> onMessage(lastEventId, data);
        case "position" -> {
          if (startAfter == UNKNOWN) {
            startAfter = new JsonObject(data).getLong("lastId");
            started.incrementAndGet();
          }
        }
        case "reset" -> {
          resets.increment();
          sample("reset: " + data);
          if (startAfter == UNKNOWN) {
            startAfter = new JsonObject(data).getLong("currentId");
            started.incrementAndGet();
          }
        }
        case "overflow" -> {
          overflows.increment();
          sample("overflow: " + data);
        }
        case "token-expired" -> {
          tokenExpired.increment();
          sample("token-expired: " + data);
        }
        default -> otherNotices.increment();
      }
    }

    private void onMessage(String lastEventId, String data) {
      long key = target.key(lastEventId, data);
      if (key < 0) {
        otherMessages.increment();
        return;
      }
      int n = count;
      if (n == keys.length) {
        keys = Arrays.copyOf(keys, n * 2);
      }
      keys[n] = key;
      count = n + 1;
      lastKey = key;
      deliveries.increment();
      SseTarget.Origins o = target.origins(key, data);
      long now = chunkMicros;
      if (measuring) {
        if (o.commitMicros() > 0) {
          latencyCommit.recordMicros(now - o.commitMicros());
        }
        if (o.publishMicros() > 0) {
          latencyPublish.recordMicros(now - o.publishMicros());
        }
      }
      if (awaitingCatchUp) {
        if (o.commitMicros() >= stormMicros) {
          awaitingCatchUp = false;
          catchUp.recordMicros(now - stormMicros);
          caughtUp.incrementAndGet();
        } else {
          replayed.increment();
        }
      }
    }
  }

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final SseTarget target;
  final Sub[] subs;

  final LongAdder deliveries = new LongAdder();
  final AtomicInteger open = new AtomicInteger();
  final AtomicInteger started = new AtomicInteger();
  final AtomicInteger pending = new AtomicInteger();
  final AtomicInteger dropped = new AtomicInteger();
  final LongAdder connectFailures = new LongAdder();
  final LongAdder unexpectedEnds = new LongAdder();
  final LongAdder resets = new LongAdder();
  final LongAdder overflows = new LongAdder();
  final LongAdder tokenExpired = new LongAdder();
  final LongAdder otherNotices = new LongAdder();
  final LongAdder otherMessages = new LongAdder();
  final Map<Integer, LongAdder> refused = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
  private final AtomicInteger sampleCount = new AtomicInteger();

  volatile boolean measuring;
  /** Every open (first or resumed): TCP connect, and request to response headers. */
  final Histogram tcpConnect = new Histogram();
  final Histogram response = new Histogram();
  final Histogram latencyCommit = new Histogram();
  final Histogram latencyPublish = new Histogram();

  /** The resume storm: when every subscriber was sent back, and what followed. */
  private volatile long stormMicros = Long.MAX_VALUE;
  final Histogram reconnect = new Histogram();
  final Histogram catchUp = new Histogram();
  final AtomicInteger reconnected = new AtomicInteger();
  final AtomicInteger caughtUp = new AtomicInteger();
  final LongAdder replayed = new LongAdder();
  private volatile boolean closing;

  Subscribers(SseTarget target, List<String> regions, int count) {
    this.target = target;
    // Two event loops: the machine has two cores, shared with the server under test.
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    this.client = vertx.createHttpClient(new HttpClientOptions().setTcpNoDelay(true).setConnectTimeout(60_000)
        .setKeepAlive(true).setDecompressionSupported(false));
    this.subs = new Sub[count];
    for (int i = 0; i < count; i++) {
      subs[i] = new Sub(i, regions.get(i % regions.size()));
    }
  }

  static long nowMicros() {
    Instant t = CLOCK.instant();
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  /**
   * Opens every subscriber's stream at {@code perSecond} (0 = unpaced), at most {@code maxPending} connects in
   * flight, then waits until every stream knows its start point or {@code timeoutMillis} passed.
   *
   * @return milliseconds until the last one started, or -1 on timeout
   */
  long openAll(double perSecond, int maxPending, long timeoutMillis) throws InterruptedException {
    long t0 = System.nanoTime();
    long deadline = System.currentTimeMillis() + timeoutMillis;
    for (int i = 0; i < subs.length; i++) {
      if (perSecond > 0) {
        long due = t0 + (long) (i * 1e9 / perSecond);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      while (pending.get() >= maxPending && System.currentTimeMillis() < deadline) {
        Thread.sleep(1);
      }
      connect(subs[i]);
    }
    while (started.get() < subs.length && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    return started.get() < subs.length ? -1 : (System.nanoTime() - t0) / 1_000_000;
  }

  private void connect(Sub s) {
    if (closing) {
      return;
    }
    if (s.dropping) {
      dropped.incrementAndGet();
      return;
    }
    pending.incrementAndGet();
    String resume = s.resumeFrom;
    long t0 = System.nanoTime();
    client.connect(new HttpConnectOptions().setHost(target.host()).setPort(target.port(s.index))).onComplete(ar -> {
      if (ar.failed()) {
        pending.decrementAndGet();
        connectFailures.increment();
        sample("connect: " + ar.cause());
        retryLater(s);
        return;
      }
      long t1 = System.nanoTime();
      tcpConnect.recordNanos(t1 - t0);
      HttpClientConnection c = ar.result();
      s.conn = c;
      c.closeHandler(v -> onClosed(s, c));
      if (s.dropping || closing) {
        pending.decrementAndGet(); // dropped (or the run ended) while it was connecting
        c.close();
        return;
      }
      RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost(target.host()).setPort(target.port(s.index))
          .setURI(target.path(s.region));
      ro.putHeader("Accept", "text/event-stream");
      ro.putHeader("Cache-Control", "no-cache");
      target.headers(s.region).forEach(ro::putHeader);
      if (!resume.isEmpty()) {
        ro.putHeader("Last-Event-ID", resume);
      }
      c.request(ro).compose(HttpClientRequest::send).onComplete(rar -> {
        pending.decrementAndGet();
        if (rar.failed()) {
          connectFailures.increment();
          sample("request: " + rar.cause());
          c.close();
          return;
        }
        HttpClientResponse r = rar.result();
        response.recordNanos(System.nanoTime() - t1);
        if (r.statusCode() != 200) {
          refused.computeIfAbsent(r.statusCode(), k -> new LongAdder()).increment();
          r.body().onComplete(b -> {
            sample("HTTP " + r.statusCode() + ": " + (b.succeeded() ? clip(b.result().toString()) : b.cause()));
            c.close();
          });
          return;
        }
        s.streaming = true;
        s.connects++;
        open.incrementAndGet();
        s.parser = new SseParser(s, resume);
        if (s.startAfter == UNKNOWN) {
          long start = target.startAtOpen(s.region);
          if (start != SseTarget.START_FROM_STREAM) {
            s.startAfter = start;
            started.incrementAndGet();
          }
        }
        if (s.awaitingCatchUp) {
          reconnect.recordMicros(nowMicros() - stormMicros);
          reconnected.incrementAndGet();
        }
        r.handler(buf -> {
          s.chunkMicros = nowMicros();
          s.parser.feed(buf.getBytes());
        });
        r.exceptionHandler(e -> c.close());
        // The server ended the stream (overflow, token-expired, shutdown): like an EventSource, come back.
        r.endHandler(v -> c.close());
      });
    });
  }

  private void onClosed(Sub s, HttpClientConnection c) {
    if (s.conn != c) {
      return;
    }
    s.conn = null;
    if (s.streaming) {
      s.streaming = false;
      open.decrementAndGet();
      s.resumeFrom = s.parser.lastEventId();
      if (!s.dropping && !closing) {
        unexpectedEnds.increment();
      }
    }
    if (s.dropping) {
      dropped.incrementAndGet();
      return;
    }
    retryLater(s);
  }

  private void retryLater(Sub s) {
    if (closing) {
      return;
    }
    int gen = s.generation;
    vertx.setTimer(s.retryMs, t -> {
      if (s.generation == gen) {
        connect(s);
      }
    });
  }

  /** Closes every subscriber's connection at once; waits until all are closed. Returns how long it took (ms). */
  long dropAll(long timeoutMillis) throws InterruptedException {
    long t0 = System.nanoTime();
    dropped.set(0);
    for (Sub s : subs) {
      s.dropping = true;
    }
    for (Sub s : subs) {
      HttpClientConnection c = s.conn;
      if (c != null) {
        c.close();
      }
    }
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while ((open.get() > 0 || pending.get() > 0) && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /**
   * The resume storm: every subscriber reconnects at once with its {@code Last-Event-ID}. Waits until every one
   * got a message committed after this moment (it has caught up) or the timeout.
   *
   * @return milliseconds until the last one caught up, or -1 on timeout
   */
  long reconnectAll(long timeoutMillis) throws InterruptedException {
    reconnected.set(0);
    caughtUp.set(0);
    long t0 = System.nanoTime();
    stormMicros = nowMicros();
    for (Sub s : subs) {
      s.generation++;
      s.awaitingCatchUp = true;
      s.dropping = false;
    }
    for (Sub s : subs) {
      if (s.conn == null) {
        connect(s);
      }
    }
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (caughtUp.get() < subs.length && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    return caughtUp.get() < subs.length ? -1 : (System.nanoTime() - t0) / 1_000_000;
  }

  /** Waits until every subscriber has received the last committed key of its region; false on timeout. */
  boolean awaitLast(Map<String, SseTarget.Committed> committed, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      if (behind(committed) == 0) {
        return true;
      }
      Thread.sleep(50);
    }
    return behind(committed) == 0;
  }

  /** Subscribers that have not yet received their region's last committed key. */
  int behind(Map<String, SseTarget.Committed> committed) {
    int n = 0;
    for (Sub s : subs) {
      SseTarget.Committed c = committed.get(s.region);
      long last = c == null || c.keys().length == 0 ? -1 : c.keys()[c.keys().length - 1];
      if (last >= 0 && s.lastKey != last) {
        n++;
      }
    }
    return n;
  }

  /** Runs the gap check for every subscriber; returns the summary. */
  JsonObject check(Map<String, SseTarget.Committed> committed) {
    int clean = 0;
    int withGap = 0;
    int withDup = 0;
    int neverStarted = 0;
    long missing = 0;
    long duplicates = 0;
    long outOfOrder = 0;
    long unexpected = 0;
    long owed = 0;
    long received = 0;
    JsonArray examples = new JsonArray();
    for (Sub s : subs) {
      if (s.startAfter == UNKNOWN) {
        neverStarted++;
        if (examples.size() < 5) {
          examples.add(new JsonObject().put("subscriber", s.index).put("region", s.region).put("neverStarted", true));
        }
        continue;
      }
      SseTarget.Committed c = committed.get(s.region);
      long[] keys = c == null ? new long[0] : c.keys();
      SequenceCheck.Result r = SequenceCheck.check(keys, s.startAfter, s.keys(), s.count());
      owed += r.owed();
      received += r.received();
      missing += r.missing();
      duplicates += r.duplicates();
      outOfOrder += r.outOfOrder();
      unexpected += r.unexpected();
      if (r.clean()) {
        clean++;
      } else {
        if (r.missing() > 0) {
          withGap++;
        }
        if (r.duplicates() > 0) {
          withDup++;
        }
        if (examples.size() < 5) {
          examples.add(r.toJson().put("subscriber", s.index).put("region", s.region).put("startAfter", s.startAfter)
              .put("connects", s.connects));
        }
      }
    }
    return new JsonObject().put("subscribers", subs.length).put("clean", clean).put("withGap", withGap)
        .put("withDuplicates", withDup).put("neverStarted", neverStarted).put("owed", owed).put("received", received)
        .put("missing", missing).put("duplicates", duplicates).put("outOfOrder", outOfOrder)
        .put("unexpected", unexpected).put("examples", examples);
  }

  /** Connection-level counters for the results. */
  JsonObject counters() {
    JsonObject refusals = new JsonObject();
    new TreeMap<>(refused).forEach((k, v) -> refusals.put(Integer.toString(k), v.sum()));
    return new JsonObject().put("open", open.get()).put("connectFailures", connectFailures.sum())
        .put("refused", refusals).put("unexpectedEnds", unexpectedEnds.sum()).put("resets", resets.sum())
        .put("overflows", overflows.sum()).put("tokenExpired", tokenExpired.sum())
        .put("otherNotices", otherNotices.sum()).put("uncountedMessages", otherMessages.sum())
        .put("failureSamples", new JsonArray(List.copyOf(samples)));
  }

  private void sample(String s) {
    if (sampleCount.incrementAndGet() <= 8) {
      samples.add(s);
    }
  }

  private static String clip(String s) {
    String t = s.replaceAll("\\s+", " ");
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }

  @Override
  public void close() {
    closing = true;
    for (Sub s : subs) {
      HttpClientConnection c = s.conn;
      if (c != null) {
        c.close();
      }
    }
    try {
      client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
  }
}
