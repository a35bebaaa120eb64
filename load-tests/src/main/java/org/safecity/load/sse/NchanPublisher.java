package org.safecity.load.sse;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Nchan's publisher: {@code POST /pub/<region>} at the run's rate, round robin over the regions, one request
 * in flight per region at a time (so a channel's messages are stored in the order of their {@code seq}, as the
 * gateway's log commits in id order). Each message's data is JSON with its per-region {@code seq} (the key of
 * the gap check), {@code sent} (µs since the epoch, taken just before the POST: the commit-time counterpart of
 * the gateway's {@code at}) and padding to the size of the gateway's alarm events.
 */
final class NchanPublisher implements Publisher {

  private final class Channel {
    final String region;
    long seq;
    volatile long lastSent = -1;
    boolean inFlight;
    long backlog;
    long maxBacklog;
    long[] keys = new long[1024];
    long[] sentMicros = new long[1024];
    int acked;

    Channel(String region) {
      this.region = region;
    }
  }

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final String host;
  private final int port;
  private final List<String> regions;
  private final Channel[] channels;
  private final double rate;
  private final int payloadBytes;
  private long timer = -1;
  private long startNanos;
  private long issued;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong ackedCount = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile String lastFailure;
  private long prefilled;

  NchanPublisher(String host, int port, List<String> regions, double rate, int payloadBytes) {
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(regions.size() + 2));
    this.host = host;
    this.port = port;
    this.regions = regions;
    this.rate = rate;
    this.payloadBytes = payloadBytes;
    this.channels = new Channel[regions.size()];
    for (int i = 0; i < channels.length; i++) {
      channels[i] = new Channel(regions.get(i));
    }
  }

  /**
   * Publishes {@code perRegion} messages to every channel as fast as it takes them, before the run: Nchan's
   * message buffer is then full, so its memory does not grow during the step (subscribers start at the newest
   * message and never see these).
   */
  void prefill(int perRegion, long timeoutMillis) throws InterruptedException {
    prefilled = (long) perRegion * channels.length;
    vertx.runOnContext(v -> {
      for (Channel c : channels) {
        c.backlog += perRegion;
        pump(c);
      }
    });
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (ackedCount.get() + failed.get() < (long) perRegion * channels.length && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
  }

  @Override
  public void start() {
    vertx.runOnContext(v -> {
      for (Channel c : channels) {
        c.maxBacklog = 0;
      }
      startNanos = System.nanoTime();
      issued = 0;
      timer = vertx.setPeriodic(5, t -> tick());
    });
  }

  private void tick() {
    long due = (long) ((System.nanoTime() - startNanos) / 1e9 * rate);
    while (issued < due) {
      Channel c = channels[(int) (issued % channels.length)];
      issued++;
      c.backlog++;
      c.maxBacklog = Math.max(c.maxBacklog, c.backlog);
      pump(c);
    }
  }

  private void pump(Channel c) {
    if (c.inFlight || c.backlog == 0) {
      return;
    }
    c.backlog--;
    c.inFlight = true;
    long seq = ++c.seq;
    long now = Subscribers.nowMicros();
    c.lastSent = seq;
    Buffer body = Buffer.buffer(payload(seq, now, c.region));
    sent.incrementAndGet();
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
        .setURI("/pub/" + c.region).putHeader("Content-Type", "application/json").putHeader("Accept", "application/json");
    client.request(ro).compose(req -> req.send(body)).compose(r -> r.body().map(b -> r.statusCode()))
        .onComplete(ar -> {
          c.inFlight = false;
          if (ar.succeeded() && ar.result() >= 200 && ar.result() < 300) {
            record(c, seq, now);
          } else {
            failed.incrementAndGet();
            lastFailure = ar.succeeded() ? "HTTP " + ar.result() : ar.cause().toString();
          }
          pump(c);
        });
  }

  private void record(Channel c, long seq, long sentMicros) {
    synchronized (c) {
      if (c.acked == c.keys.length) {
        c.keys = Arrays.copyOf(c.keys, c.acked * 2);
        c.sentMicros = Arrays.copyOf(c.sentMicros, c.acked * 2);
      }
      c.keys[c.acked] = seq;
      c.sentMicros[c.acked] = sentMicros;
      c.acked++;
    }
    ackedCount.incrementAndGet();
  }

  /** The message's data: JSON, {@code seq} and {@code sent} first, padded to {@code payloadBytes}. */
  String payload(long seq, long sentMicros, String region) {
    StringBuilder sb = new StringBuilder(Math.max(128, payloadBytes));
    sb.append("{\"seq\":").append(seq).append(",\"sent\":").append(sentMicros)
        .append(",\"type\":\"alarm.raised\",\"region\":\"").append(region).append("\",\"pad\":\"");
    while (sb.length() < payloadBytes - 2) {
      sb.append('x');
    }
    return sb.append("\"}").toString();
  }

  @Override
  public long lastSent(String region) {
    for (Channel c : channels) {
      if (c.region.equals(region)) {
        return c.lastSent;
      }
    }
    return -1;
  }

  /** What Nchan acknowledged, per region: the ground truth of the gap check. */
  java.util.Map<String, SseTarget.Committed> committed() {
    java.util.Map<String, SseTarget.Committed> out = new java.util.HashMap<>();
    for (Channel c : channels) {
      synchronized (c) {
        long[][] pairs = new long[c.acked][];
        for (int i = 0; i < c.acked; i++) {
          pairs[i] = new long[] {c.keys[i], c.sentMicros[i]};
        }
        Arrays.sort(pairs, (x, y) -> Long.compare(x[0], y[0]));
        long[] keys = new long[pairs.length];
        long[] at = new long[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
          keys[i] = pairs[i][0];
          at[i] = pairs[i][1];
        }
        out.put(c.region, new SseTarget.Committed(keys, at));
      }
    }
    return out;
  }

  @Override
  public void stop() throws InterruptedException {
    vertx.runOnContext(v -> {
      vertx.cancelTimer(timer);
      for (Channel c : channels) {
        c.backlog = 0;
      }
    });
    long deadline = System.currentTimeMillis() + 5000;
    while (ackedCount.get() + failed.get() < sent.get() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
  }

  @Override
  public JsonObject counters() {
    long maxBacklog = 0;
    for (Channel c : channels) {
      maxBacklog = Math.max(maxBacklog, c.maxBacklog);
    }
    return new JsonObject().put("kind", "HTTP POST /pub/<region>, one in flight per region").put("published", sent.get())
        .put("acknowledged", ackedCount.get()).put("failed", failed.get()).put("lastFailure", lastFailure)
        .put("maxBacklogPerRegion", maxBacklog).put("payloadBytes", payloadBytes)
        .put("prefilledBeforeTheRun", prefilled);
  }

  @Override
  public void close() {
    try {
      client.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
  }
}
