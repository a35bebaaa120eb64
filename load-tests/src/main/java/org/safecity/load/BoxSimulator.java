package org.safecity.load;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Street-box simulator: N boxes over MQTT, each with its own socket, credentials, last will, telemetry,
 * GPS and events per the device contract. See {@link SimulatorArgs#USAGE} for the options.
 *
 * <p>Output (stdout), one line each: {@code stats ...} every {@code --stats-every}, {@code connect-phase-end
 * ...} once, {@code incident ...} per incident step, and at the end a JSON summary. The benchmark reads
 * these lines; a person can too.
 */
public final class BoxSimulator {

  /** Keeps the quieted loggers referenced (JUL holds them weakly). */
  private static final List<Logger> QUIET = new ArrayList<>();

  private final SimulatorArgs args;
  private final SimStats stats = new SimStats();
  private final PrintStream out;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final List<Shard> shards = new ArrayList<>();
  private Vertx vertx;
  private long startMillis;
  private long startNanos;
  private long phaseEndMillis;
  private long phaseEndNanos;
  private long heapBeforeBytes;
  private long heapAfterBytes = -1;
  private int connectedAtPhaseEnd;
  private long cpuAtStart;
  private long cpuAtPhaseEnd = -1;
  private long cpuAtWindowStart = -1;
  private volatile String stopReason = "duration";

  BoxSimulator(SimulatorArgs args, PrintStream out) {
    this.args = args;
    this.out = out;
  }

  public static void main(String[] argv) {
    SimulatorArgs args;
    try {
      args = SimulatorArgs.parse(argv);
    } catch (SimulatorArgs.HelpRequested h) {
      System.out.println(SimulatorArgs.USAGE);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("box-simulator: " + e.getMessage());
      System.err.println("(--help lists the options)");
      System.exit(2);
      return;
    }
    try {
      if (args.writeDevices().isPresent()) {
        DevicesFile.write(args.writeDevices().get(), args.secrets(), args.geofenceMeters(),
            new DevicesFile.Range(args.idPrefix(), args.firstIndex(), args.boxes(), args.region()));
        System.out.println("wrote " + args.boxes() + " boxes (" + Fleet.boxId(args.idPrefix(), args.firstIndex())
            + " .. " + Fleet.boxId(args.idPrefix(), args.firstIndex() + args.boxes() - 1) + ", region "
            + args.region() + ") to " + args.writeDevices().get());
        return;
      }
      new BoxSimulator(args, System.out).run();
    } catch (Exception e) {
      System.err.println("box-simulator: " + e);
      System.exit(1);
    }
  }

  /** The boxes of {@code args}, dealt round-robin into {@code shardCount} lists. */
  static List<List<SimBox>> makeBoxes(SimulatorArgs args, int shardCount) throws java.io.IOException {
    return makeBoxes(args, shardCount, args.boxes());
  }

  /** The first {@code count} boxes of {@code args}, dealt round-robin into {@code shardCount} lists. */
  static List<List<SimBox>> makeBoxes(SimulatorArgs args, int shardCount, int count) throws java.io.IOException {
    SimulatorArgs.SecretSource secrets = args.secrets();
    SplittableRandom rng = new SplittableRandom(args.seed());
    List<List<SimBox>> split = new ArrayList<>();
    for (int i = 0; i < shardCount; i++) {
      split.add(new ArrayList<>(count / shardCount + 1));
    }
    for (int k = 0; k < count; k++) {
      int index = args.firstIndex() + k;
      String id = Fleet.boxId(args.idPrefix(), index);
      SimBox b = new SimBox(id, secrets.secretOf(id), index, Fleet.home(args.region(), index),
          85 + rng.nextDouble() * 15, args.seqStart());
      split.get(k % shardCount).add(b);
    }
    return split;
  }

  static void quietVertxLogs(boolean verbose) {
    if (verbose) {
      return;
    }
    // vertx-mqtt logs every connection at INFO and every failed one with a stack trace: thousands of lines.
    for (String name : new String[] {"io.vertx.mqtt", "io.netty"}) {
      Logger l = Logger.getLogger(name);
      l.setLevel(Level.OFF);
      QUIET.add(l);
    }
  }

  void run() throws Exception {
    quietVertxLogs(args.verbose());
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(args.threads()));
    int shardCount = Math.min(args.threads(), args.boxes());
    List<List<SimBox>> split = makeBoxes(args, shardCount);
    for (int i = 0; i < shardCount; i++) {
      Shard s = new Shard(args, stats, split.get(i), i, shardCount, this::println);
      shards.add(s);
      await(vertx.deployVerticle(s), 30);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopReason = "signal";
      stopAndReport();
    }, "simulator-stop"));

    if (args.warmupConnects() > 0) {
      warmUp(Math.min(args.warmupConnects(), args.boxes()));
    }
    if (args.startAtMillis() > 0) {
      long wait = args.startAtMillis() - System.currentTimeMillis();
      if (wait > 0) {
        Thread.sleep(wait);
      }
    }
    heapBeforeBytes = heapAfterGc();
    startMillis = System.currentTimeMillis();
    startNanos = System.nanoTime();
    cpuAtStart = cpuNanos();
    println(String.format(Locale.ROOT, "start boxes=%d first=%s scenario=%s broker=%s:%d connect-rate=%s shards=%d",
        args.boxes(), Fleet.boxId(args.idPrefix(), args.firstIndex()), args.scenario().name().toLowerCase(Locale.ROOT),
        args.host(), args.port(), args.connectRate() == 0 ? "max" : args.connectRate() + "/s", shardCount));
    for (Shard s : shards) {
      s.connectAll();
    }

    long statsEvery = args.statsEvery().toNanos();
    long nextStats = startNanos + statsEvery;
    long lastAcked = 0;
    long lastStatsNanos = startNanos;
    long endNanos = Long.MAX_VALUE;
    boolean phaseEnded = false;
    while (!stopped.get()) {
      Thread.sleep(20);
      long now = System.nanoTime();
      if (!phaseEnded && connectPhaseOver(now)) {
        phaseEnded = true;
        endNanos = endOfPhase(now);
      }
      if (cpuAtWindowStart < 0 && now >= stats.measureFromNanos) {
        cpuAtWindowStart = cpuNanos();
      }
      if (now >= nextStats) {
        long acked = stats.acked.sum();
        double ackRate = (acked - lastAcked) / ((now - lastStatsNanos) / 1e9);
        lastAcked = acked;
        lastStatsNanos = now;
        nextStats += statsEvery;
        println(statsLine(now, ackRate));
      }
      if (now >= endNanos) {
        break;
      }
    }
    stopAndReport();
    System.exit(0);
  }

  /**
   * Connects and disconnects the first {@code n} boxes once, unmeasured: a cold JVM connects several
   * times slower than a warm one, and the connection-rate figure is about the broker, not our JIT.
   */
  private void warmUp(int n) throws Exception {
    long t0 = System.nanoTime();
    SimStats ws = new SimStats();
    Shard w = new Shard(args, ws, makeBoxes(args, 1, n).get(0), 0, 1, line -> { });
    String id = await(vertx.deployVerticle(w), 30);
    await(w.connectAll(), 10);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (ws.connectedOnce.get() + ws.failures.sum() < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    await(w.disconnectAll(), 10);
    await(vertx.undeploy(id), 10);
    println(String.format(Locale.ROOT, "warmup connected=%d of=%d failures=%d seconds=%.3f", ws.connectedOnce.get(), n,
        ws.failures.sum(), (System.nanoTime() - t0) / 1e9));
  }

  private boolean connectPhaseOver(long now) {
    if (stats.connectedOnce.get() >= args.boxes()) {
      return true;
    }
    if (now - startNanos >= args.connectTimeout().toNanos()) {
      return true;
    }
    return args.reconnectDelay().isZero() && stats.attempts.sum() >= args.boxes() && stats.pendingConnects.get() == 0;
  }

  private long endOfPhase(long now) throws InterruptedException {
    phaseEndMillis = System.currentTimeMillis();
    phaseEndNanos = now;
    cpuAtPhaseEnd = cpuNanos();
    connectedAtPhaseEnd = stats.connected.get();
    long last = stats.lastFirstConnackMillis.get();
    double secs = last > 0 ? Math.max(1, last - startMillis) / 1000.0 : Double.NaN;
    println(String.format(Locale.ROOT, "connect-phase-end connected=%d of=%d failures=%d seconds=%.3f rate=%.1f/s",
        connectedAtPhaseEnd, args.boxes(), stats.failures.sum(), secs, stats.connectedOnce.get() / secs));
    if (args.scenario() != SimulatorArgs.Scenario.THROUGHPUT) {
      // Not in the throughput window: a full GC there would show up as latency.
      heapAfterBytes = heapAfterGc();
    }
    long warm = args.scenario() == SimulatorArgs.Scenario.THROUGHPUT ? args.warmup().toNanos() : 0;
    stats.measureFromNanos = System.nanoTime() + warm;
    if (!args.duration().isZero()) {
      stats.measureToNanos = System.nanoTime() + args.duration().toNanos();
      return stats.measureToNanos;
    }
    return Long.MAX_VALUE;
  }

  private String statsLine(long now, double ackRate) {
    return String.format(Locale.ROOT,
        "stats t=%.1fs connected=%d/%d once=%d pending=%d attempts=%d failed=%d lost=%d killed=%d pub=%d acked=%d"
            + " ack/s=%.0f cmds=%d events=%d",
        (now - startNanos) / 1e9, stats.connected.get(), args.boxes(), stats.connectedOnce.get(),
        stats.pendingConnects.get(), stats.attempts.sum(), stats.failures.sum(), stats.lost.sum(), stats.killed.sum(),
        stats.published.sum(), stats.acked.sum(), ackRate, stats.commands.sum(), stats.events.sum());
  }

  /** Disconnects every box cleanly and prints the summary; runs once (main thread or shutdown hook). */
  private void stopAndReport() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    long stopNanos = System.nanoTime();
    long cpuAtStop = cpuNanos();
    int connectedAtStop = stats.connected.get();
    long lostAtStop = stats.lost.sum();
    if (stats.measureToNanos > stopNanos) {
      stats.measureToNanos = stopNanos;
    }
    if (vertx != null) {
      List<Future<Void>> all = new ArrayList<>();
      for (Shard s : shards) {
        all.add(s.disconnectAll());
      }
      try {
        await(Future.join(all), 10);
      } catch (Exception e) {
        System.err.println("box-simulator: not every box disconnected cleanly: " + e.getMessage());
      }
    }
    JsonObject summary = summary(connectedAtStop, lostAtStop, stopNanos);
    if (cpuAtPhaseEnd >= 0 && phaseEndNanos > startNanos) {
      summary.put("connectPhaseCpuPercent", Math.round(100.0 * (cpuAtPhaseEnd - cpuAtStart) / (phaseEndNanos - startNanos)));
    }
    if (cpuAtWindowStart >= 0 && summary.getJsonObject("throughput") != null) {
      long window = Math.min(stats.measureToNanos, stopNanos) - stats.measureFromNanos;
      if (window > 0) {
        summary.getJsonObject("throughput").put("simulatorCpuPercent", Math.round(100.0 * (cpuAtStop - cpuAtWindowStart) / window));
      }
    }
    println(summary.encode());
    out.flush();
    if (vertx != null) {
      try {
        await(vertx.close(), 5);
      } catch (Exception e) {
        // exiting anyway
      }
    }
  }

  JsonObject summary(int connectedAtStop, long lostAtStop, long stopNanos) {
    long last = stats.lastFirstConnackMillis.get();
    JsonObject s = new JsonObject()
        .put("summary", "box-simulator")
        .put("scenario", args.scenario().name().toLowerCase(Locale.ROOT))
        .put("broker", args.host() + ":" + args.port())
        .put("boxes", args.boxes())
        .put("firstId", Fleet.boxId(args.idPrefix(), args.firstIndex()))
        .put("stopReason", stopReason)
        .put("startMs", startMillis)
        .put("connectPhaseEndMs", phaseEndMillis == 0 ? null : phaseEndMillis)
        .put("lastFirstConnackMs", last == 0 ? null : last)
        .put("connectedOnce", stats.connectedOnce.get())
        .put("connectedAtPhaseEnd", connectedAtPhaseEnd)
        .put("connectedAtStop", connectedAtStop)
        .put("attempts", stats.attempts.sum())
        .put("failures", stats.failures.sum())
        .put("refused", stats.refused.sum())
        .put("lost", lostAtStop)
        .put("killed", stats.killed.sum())
        .put("published", stats.published.sum())
        .put("acked", stats.acked.sum())
        .put("publishErrors", stats.publishErrors.sum())
        .put("commands", stats.commands.sum())
        .put("events", stats.events.sum())
        .put("incidents", stats.incidents.sum())
        .put("failureSamples", new io.vertx.core.json.JsonArray(new ArrayList<>(stats.failureSamples())))
        .put("connectLatencyMs", stats.connectLatency.summary());
    if (args.histograms()) {
      s.put("connectHist", stats.connectLatency.toJson());
    }
    if (last > 0 && startMillis > 0) {
      double secs = Math.max(1, last - startMillis) / 1000.0;
      s.put("connectSeconds", secs).put("connectRatePerS", Math.round(stats.connectedOnce.get() / secs * 10) / 10.0);
    }
    if (heapAfterBytes >= 0 && connectedAtPhaseEnd > 0) {
      s.put("simHeapPerConnectionBytes", (heapAfterBytes - heapBeforeBytes) / connectedAtPhaseEnd);
    }
    if (args.scenario() != SimulatorArgs.Scenario.IDLE) {
      s.put("ackLatencyMs", stats.ackLatency.summary());
      if (args.histograms()) {
        s.put("ackHist", stats.ackLatency.toJson());
      }
    }
    if (args.scenario() == SimulatorArgs.Scenario.THROUGHPUT && stats.measureFromNanos != Long.MAX_VALUE) {
      double window = Math.max(0, Math.min(stats.measureToNanos, stopNanos) - stats.measureFromNanos) / 1e9;
      long n = stats.measuredAcked.sum();
      s.put("throughput", new JsonObject()
          .put("inflightPerBox", args.inflight())
          .put("windowSeconds", Math.round(window * 1000) / 1000.0)
          .put("acked", n)
          .put("msgsPerS", window > 0 ? Math.round(n / window) : null));
    }
    return s;
  }

  private synchronized void println(String line) {
    out.println(line);
    out.flush();
  }

  /** CPU time of this whole process (all threads, JIT and GC included); -1 when the JVM cannot tell. */
  static long cpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
    }
    return -1;
  }

  private static long heapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static <T> T await(Future<T> f, long seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

}
