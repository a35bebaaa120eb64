package org.safecity.load.sse;

import org.safecity.load.ProcStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.safecity.load.Cli;

/**
 * The SSE benchmark: N subscribers held on one node, spread over the regions, while alarms are committed at a
 * fixed rate; each alarm goes to its region's subscribers. Per step and server: deliveries/s sustained,
 * latency from commit to the client's receipt, memory per connection, and a resume storm (every subscriber
 * dropped and back at once with {@code Last-Event-ID} while publishing goes on), after which every subscriber's
 * messages are checked against what was committed: every one of its region, exactly once, in order.
 *
 * <p>Servers: the gateway ({@link GatewayTarget}) and, in the same run with the same subscribers and rate, nginx
 * with the Nchan module ({@link NchanTarget}); the ratios gateway / Nchan are printed and written to
 * {@code results/<timestamp>.json}.
 */
public final class SseBenchmark {

  private final SseBenchArgs args;
  private final Path work;
  private final List<String> notes = new ArrayList<>();
  private final List<AutoCloseable> open = new ArrayList<>();
  private double gatewayDataBytes = -1;
  /** Strong references: java.util.logging keeps its loggers weakly, and would forget the level set on them. */
  private static final List<java.util.logging.Logger> QUIET = new ArrayList<>();

  SseBenchmark(SseBenchArgs args, Path work) {
    this.args = args;
    this.work = work;
  }

  public static void main(String[] argv) throws Exception {
    SseBenchArgs args;
    try {
      args = SseBenchArgs.parse(argv);
    } catch (SseBenchArgs.HelpRequested h) {
      System.out.println(SseBenchArgs.USAGE);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("sse-bench: " + e.getMessage());
      System.err.println("(--help lists the options)");
      System.exit(2);
      return;
    }
    // vertx-mqtt logs every box's connection at INFO: hundreds of lines.
    for (String name : new String[] {"io.vertx.mqtt", "io.netty"}) {
      java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
      l.setLevel(java.util.logging.Level.WARNING);
      QUIET.add(l);
    }
    Path work = Files.createTempDirectory("safecity-sse-bench-");
    SseBenchmark bench = new SseBenchmark(args, work);
    Runtime.getRuntime().addShutdownHook(new Thread(bench::cleanUp, "bench-cleanup"));
    System.exit(bench.run());
  }

  int run() throws Exception {
    Instant started = Instant.now();
    List<String> regions = args.regionNames();
    JsonObject result = new JsonObject().put("benchmark", "sse").put("startedAt", started.toString())
        .put("machine", machine()).put("settings", settings());
    JsonObject m = result.getJsonObject("machine");
    say("== SafeCity SSE benchmark " + started.truncatedTo(ChronoUnit.SECONDS) + "  (work dir " + work + ")");
    say(String.format(Locale.ROOT, "   machine: %d cores, %d GiB, load average %.2f; shared and noisy: read ratios from"
        + " the same run, not single numbers", m.getInteger("cores"), m.getLong("memoryBytes") / (1L << 30),
        m.getDouble("loadAverage")));
    say(String.format(Locale.ROOT, "   load: %s subscribers, %d regions, %s alarms/s (%s a region), window %s, storm %s",
        args.subscribers(), args.regions(), num(args.rate()), num(args.rate() / args.regions()),
        Cli.format(args.duration()), args.storm() ? "on (away " + Cli.format(args.stormGap()) + ")" : "off"));

    boolean gatewayGoing = args.gatewayJar().isPresent();
    if (!gatewayGoing) {
      say("-- gateway: skipped (no --gateway-jar; sse-bench.sh --gateway uses the repo's target/safecity-gateway.jar)");
    } else if (!Files.isRegularFile(args.gatewayJar().get())) {
      say("-- gateway: skipped (" + args.gatewayJar().get() + " not found; mvn -q -ntp package -DskipTests at the repo root)");
      gatewayGoing = false;
    } else {
      say("-- gateway " + args.gatewayJar().get() + ", started for each step with (besides ports, data dir, devices file"
          + " and admin secret):");
      Map<String, String> env = new java.util.LinkedHashMap<>(GatewayTarget.benchmarkSettings());
      env.putAll(args.gatewayEnv());
      env.forEach((k, v) -> say("     " + k + "=" + v));
      say("     JVM options: " + String.join(" ", args.gatewayJavaOpts()) + (args.nodes() > 0 ? " (each node)" : ""));
      if (args.nodes() > 0) {
        say("     cluster: " + args.nodes() + " edge node(s) on loopback (Hazelcast, TCP member list) sharing one PostgreSQL"
            + " of their own, one key pair and the devices file; subscriber i on node i mod " + args.nodes()
            + ", box j of a region on node j mod " + args.nodes());
      }
      if (args.source().equals("alarms")) {
        say("   source alarms: " + args.boxesPerRegion() + " MQTT boxes a region opening and closing their doors; subscribers:"
            + " agency sse-bench-<region> (alarms:read, one region), one token a region, types=alarm.raised&region=<region>");
      } else {
        say("   source box-events: " + args.boxesPerRegion() + " MQTT boxes a region sending cmd-result events; subscribers:"
            + " agency sse-bench-<region> (events:read, one region), one token a region, types=box.event&region=<region>");
      }
    }
    boolean nchanGoing = args.nchan();
    if (nchanGoing && (!Files.isExecutable(args.nginxBin()) || !Files.isRegularFile(args.nchanModule()))) {
      say("-- nchan: skipped (" + args.nginxBin() + " or " + args.nchanModule() + " missing; apt-get install libnginx-mod-nchan)");
      nchanGoing = false;
    } else if (nchanGoing) {
      say("-- nchan: " + NchanTarget.versions(args.nginxBin()) + ", " + args.nchanWorkers() + " workers, message buffer "
          + args.nchanBuffer() + " a channel (prefilled), eventsource subscribers starting at the newest message");
    }

    JsonArray steps = new JsonArray();
    result.put("steps", steps);
    for (int n : args.subscribers()) {
      if (!gatewayGoing && !nchanGoing) {
        break;
      }
      JsonObject step = new JsonObject().put("subscribers", n);
      steps.add(step);
      say("");
      say(String.format(Locale.ROOT, "== step: %,d subscribers (%d regions, %s each), %s alarms/s", n, args.regions(),
          perRegion(n), num(args.rate())));
      if (gatewayGoing) {
        JsonObject g = runStep("gateway", n, regions, 0);
        step.put("gateway", g);
        if (!good(g) && !args.keepGoing()) {
          gatewayGoing = false;
          say("   gateway: no larger step (loss, falling behind or an error; --keep-going runs them anyway)");
        }
      }
      if (nchanGoing) {
        int payload = args.payloadBytes() > 0 ? args.payloadBytes()
            : gatewayDataBytes > 0 ? (int) Math.round(gatewayDataBytes) : 400;
        JsonObject x = runStep("nchan", n, regions, payload);
        step.put("nchan", x);
        if (!good(x) && !args.keepGoing()) {
          nchanGoing = false;
          say("   nchan: no larger step (loss, falling behind or an error; --keep-going runs them anyway)");
        }
      }
      step.put("ratios", ratios(step.getJsonObject("gateway"), step.getJsonObject("nchan")));
    }

    notes.add("Subscribers, the publisher, the server under test (and the gateway's PostgreSQL) share the machine's "
        + Runtime.getRuntime().availableProcessors() + " cores: the client's CPU is part of the load. Ratios from the"
        + " same run mean more than absolute figures.");
    notes.add((args.source().equals("alarms")
        ? "Commit time: the gateway's alarm.raised 'at' is stamped by its health model when it derives the alarm, before"
          + " the commit (so a backlog of health writes counts in the latency)"
        : "Commit time: the gateway's box.event 'at' is the MQTT edge's arrival time, just before the group commit")
        + " (same clock as the client's); Nchan's is the publisher's clock just before its POST. Both include the server"
        + " storing the event.");
    notes.add("The gateway persists every event to PostgreSQL before it is sent (and replays resumes from there);"
        + " Nchan keeps its messages in shared memory only.");
    result.put("summary", summary(steps));
    result.put("notes", new JsonArray(new ArrayList<>(notes)));
    result.put("finishedAt", Instant.now().toString());
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    m.put("loadAverageAtEnd", load);
    say("");
    say(String.format(Locale.ROOT, "   load average: %.2f at the start, %.2f at the end (%d cores: above that, other work"
        + " competed)", m.getDouble("loadAverage"), load, m.getInteger("cores")));
    printComparison(steps);
    for (String n : notes) {
      say("note: " + n);
    }
    Path out = writeResult(result, started);
    say("results: " + out);
    return 0;
  }

  private String perRegion(int n) {
    int base = n / args.regions();
    int extra = n % args.regions();
    return extra == 0 ? String.format(Locale.ROOT, "%,d", base) : String.format(Locale.ROOT, "%,d-%,d", base, base + 1);
  }

  /** A step passed when every subscriber got everything exactly once and deliveries kept up. */
  private static boolean good(JsonObject r) {
    return r != null && r.getString("error") == null && Boolean.TRUE.equals(r.getBoolean("zeroLoss"))
        && Boolean.TRUE.equals(r.getBoolean("keptUp"));
  }

  // ------------------------------------------------------------------------------------------------ a step

  private JsonObject runStep(String server, int n, List<String> regions, int payloadBytes) {
    JsonObject r = new JsonObject().put("subscribers", n);
    SseTarget t = null;
    Subscribers subs = null;
    String tag = "   " + server + ": ";
    try {
      Path dir = work.resolve(server + "-" + n);
      if (server.equals("gateway")) {
        GatewayTarget g = GatewayTarget.start(args, args.gatewayJar().get(), dir, regions);
        t = g;
        open.add(g);
        BoxPublisher p = (BoxPublisher) g.publisher();
        say(tag + "started (" + (g.nodes().size() > 1 ? g.nodes().size() + " nodes, pids " : "pid ") + g.pids() + "), " + regions.size() + " agency accounts, " + p.boxCount()
            + " boxes connected" + (args.source().equals("alarms") ? "; doors stay open " + p.holdMillis() + " ms" : ""));
      } else {
        NchanTarget x = NchanTarget.start(args, dir, regions, payloadBytes);
        t = x;
        open.add(x);
        long t0 = System.currentTimeMillis();
        x.nchanPublisher().prefill(args.nchanBuffer(), 60_000);
        say(tag + "started (pid " + x.describe().getLong("pid") + "), " + regions.size() + " channels prefilled with "
            + args.nchanBuffer() + " messages of " + payloadBytes + " bytes in " + (System.currentTimeMillis() - t0) + " ms");
      }
      r.put("server", t.describe());
      Publisher pub = t.publisher();
      pub.start();
      Thread.sleep(args.settle().toMillis());
      JsonObject idle = t.memory();

      subs = new Subscribers(t, regions, n);
      open.add(subs);
      long[] lo0 = ProcStats.listenOverflows();
      long connectTimeout = 60_000 + (args.connectRate() > 0 ? (long) (n / args.connectRate() * 2000) : 0);
      long openMs = subs.openAll(args.connectRate(), args.maxPending(), connectTimeout);
      long[] lo1 = ProcStats.listenOverflows();
      JsonObject connect = new JsonObject().put("started", subs.started.get()).put("of", n)
          .put("listenOverflows", lo0[0] < 0 ? null : lo1[0] - lo0[0])
          .put("seconds", openMs < 0 ? null : openMs / 1000.0).put("tcpConnectMs", subs.tcpConnect.summary())
          .put("responseMs", subs.response.summary()).put("counters", subs.counters());
      r.put("connect", connect);
      JsonObject resp = connect.getJsonObject("responseMs");
      say(String.format(Locale.ROOT, "%sconnected %,d of %,d %s at %s/s asked (response headers p50 %s ms, p99 %s ms; %d"
          + " connect failures, refused %s, %s TCP listen-queue overflows)", tag, subs.started.get(), n,
          openMs < 0 ? "(timed out after " + connectTimeout / 1000 + " s)" : String.format(Locale.ROOT, "in %.1f s", openMs / 1000.0),
          args.connectRate() == 0 ? "max" : num(args.connectRate()), ms(resp.getDouble("p50")), ms(resp.getDouble("p99")),
          subs.connectFailures.sum(), subs.counters().getJsonObject("refused").encode(),
          lo0[0] < 0 ? "-" : Long.toString(lo1[0] - lo0[0])));
      Thread.sleep(args.warmup().toMillis());

      // The window.
      double cpu0 = t.cpuSeconds();
      double client0 = ProcStats.cpuSeconds(ProcessHandle.current().pid());
      long d0 = subs.deliveries.sum();
      long w0 = Subscribers.nowMicros();
      subs.measuring = true;
      Thread.sleep(args.duration().toMillis());
      subs.measuring = false;
      long w1 = Subscribers.nowMicros();
      long d1 = subs.deliveries.sum();
      double cpu1 = t.cpuSeconds();
      double client1 = ProcStats.cpuSeconds(ProcessHandle.current().pid());
      double secs = (w1 - w0) / 1e6;
      int openAtEnd = subs.open.get();
      JsonObject loaded = t.memory();
      JsonObject serverAtLoad = t.serverCounters();

      // The resume storm.
      JsonObject storm = null;
      if (args.storm()) {
        storm = storm(subs, tag);
      }
      Thread.sleep(args.after().toMillis());
      pub.stop();
      if (t instanceof GatewayTarget g) {
        awaitQuietLog(g);
      }
      Map<String, SseTarget.Committed> committed = t.committed();
      boolean drained = subs.awaitLast(committed, args.drainTimeout().toMillis());
      int behind = subs.behind(committed);
      JsonObject check = subs.check(committed);

      // Figures.
      Map<String, Integer> perRegion = new HashMap<>();
      for (Subscribers.Sub s : subs.subs) {
        perRegion.merge(s.region, 1, Integer::sum);
      }
      long committedInWindow = 0;
      double expected = 0;
      for (Map.Entry<String, SseTarget.Committed> e : committed.entrySet()) {
        int c = e.getValue().countBetween(w0, w1);
        committedInWindow += c;
        expected += (double) c * perRegion.getOrDefault(e.getKey(), 0);
      }
      double deliveriesPerS = (d1 - d0) / secs;
      double expectedPerS = expected / secs;
      boolean keptUp = expectedPerS > 0 && deliveriesPerS >= 0.95 * expectedPerS && drained;
      JsonObject window = new JsonObject().put("seconds", round(secs, 3)).put("openStreamsAtEnd", openAtEnd)
          .put("alarmsCommitted", committedInWindow).put("alarmsPerS", round(committedInWindow / secs, 2))
          .put("deliveries", d1 - d0).put("deliveriesPerS", Math.round(deliveriesPerS))
          .put("expectedDeliveriesPerS", Math.round(expectedPerS))
          .put("deliveredShare", expectedPerS > 0 ? round(deliveriesPerS / expectedPerS, 4) : null)
          .put("latencyMs", subs.latencyCommit.summary())
          .put("serverCpuCores", round((cpu1 - cpu0) / secs, 3))
          .put("clientCpuCores", round((client1 - client0) / secs, 3));
      if (subs.latencyPublish.count() > 0) {
        window.put("latencyFromPublishMs", subs.latencyPublish.summary());
      }
      r.put("window", window);
      r.put("publisher", pub.counters());
      r.put("memory", memory(idle, loaded, openAtEnd));
      if (storm != null) {
        r.put("storm", storm);
      }
      r.put("drained", drained).put("behindAtEnd", behind);
      r.put("check", check);
      r.put("connections", subs.counters());
      r.put("serverCounters", new JsonObject().put("underLoad", serverAtLoad).put("atEnd", t.serverCounters()));
      boolean zeroLoss = check.getInteger("clean") == n && subs.resets.sum() == 0;
      r.put("zeroLoss", zeroLoss).put("keptUp", keptUp);
      if (t instanceof GatewayTarget && t.meanDataBytes() > 0) {
        gatewayDataBytes = t.meanDataBytes();
        r.put("meanDataBytes", Math.round(gatewayDataBytes));
      } else if (payloadBytes > 0) {
        r.put("meanDataBytes", payloadBytes);
      }
      printStep(tag, r);
      if (t instanceof NchanTarget x && !x.errorLogTail().isBlank()) {
        r.put("errorLogTail", x.errorLogTail());
      }
    } catch (Exception e) {
      r.put("error", e.toString());
      say(tag + "failed: " + e);
      if (t instanceof GatewayTarget g) {
        JsonArray tails = new JsonArray();
        for (GatewayTarget.Node node : g.nodes()) {
          List<String> tail = GatewayTarget.logTail(node, 15);
          tails.add(new JsonObject().put("node", node.name()).put("lines", new JsonArray(tail)));
          tail.forEach(l -> say("   | " + (g.nodes().size() > 1 ? node.name() + ": " : "") + l));
        }
        r.put("logTail", tails);
      }
    } finally {
      if (subs != null) {
        subs.close();
        open.remove(subs);
      }
      if (t != null) {
        t.close();
        open.remove(t);
        if (t instanceof GatewayTarget g) {
          // Read after the stop: what it could not finish on SIGTERM is logged then.
          List<String> warnings = gatewayWarnings(g);
          if (!warnings.isEmpty()) {
            r.put("gatewayLogWarnings", new JsonArray(warnings));
            say("   gateway: its log has warnings or errors (other than 'alarm raised'), the last: "
                + warnings.get(warnings.size() - 1));
          }
        }
      }
    }
    return r;
  }

  /** Drops every subscriber at once, keeps them away, brings them all back at once with Last-Event-ID. */
  private JsonObject storm(Subscribers subs, String tag) throws Exception {
    long[] lo0 = ProcStats.listenOverflows();
    long resets0 = subs.resets.sum();
    long refused0 = refusedTotal(subs);
    long failures0 = subs.connectFailures.sum();
    long dropMs = subs.dropAll(30_000);
    Thread.sleep(args.stormGap().toMillis());
    long caughtMs = subs.reconnectAll(args.stormTimeout().toMillis());
    JsonObject s = new JsonObject().put("dropped", subs.subs.length).put("dropMillis", dropMs)
        .put("awaySeconds", args.stormGap().toMillis() / 1000.0)
        .put("reconnected", subs.reconnected.get()).put("caughtUp", subs.caughtUp.get())
        .put("allCaughtUpMillis", caughtMs < 0 ? null : caughtMs)
        .put("reconnectMs", subs.reconnect.summary()).put("catchUpMs", subs.catchUp.summary())
        .put("replayedEvents", subs.replayed.sum()).put("resets", subs.resets.sum() - resets0)
        .put("refused", refusedTotal(subs) - refused0).put("connectFailures", subs.connectFailures.sum() - failures0)
        .put("listenOverflows", lo0[0] < 0 ? null : ProcStats.listenOverflows()[0] - lo0[0]);
    JsonObject rc = s.getJsonObject("reconnectMs");
    JsonObject cu = s.getJsonObject("catchUpMs");
    say(String.format(Locale.ROOT, "%sstorm: %,d dropped at once, away %s, back at once with Last-Event-ID: %,d reconnected"
        + " (response p50 %s ms, p99 %s ms), %s; %,d events replayed, %d resets, %d refused, %d failed connects,"
        + " %s TCP listen-queue overflows", tag,
        subs.subs.length, Cli.format(args.stormGap()), subs.reconnected.get(), ms(rc.getDouble("p50")), ms(rc.getDouble("p99")),
        caughtMs < 0 ? String.format(Locale.ROOT, "only %,d caught up within %s", subs.caughtUp.get(), Cli.format(args.stormTimeout()))
            : String.format(Locale.ROOT, "all caught up in %.2f s (p50 %s ms, p99 %s ms)", caughtMs / 1000.0,
                ms(cu.getDouble("p50")), ms(cu.getDouble("p99"))),
        subs.replayed.sum(), s.getLong("resets"), s.getLong("refused"), s.getLong("connectFailures"),
        s.getValue("listenOverflows") == null ? "-" : s.getLong("listenOverflows").toString()));
    return s;
  }

  private static long refusedTotal(Subscribers subs) {
    return subs.refused.values().stream().mapToLong(java.util.concurrent.atomic.LongAdder::sum).sum();
  }

  /** After the publisher stopped: waits until the gateway's log has stopped growing (health outcomes committed). */
  private static void awaitQuietLog(GatewayTarget g) throws Exception {
    long last = -2;
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      Thread.sleep(500);
      long now = g.lastLogId();
      if (now == last) {
        return;
      }
      last = now;
    }
  }

  /** Warnings and errors the gateway logged during the step: how many, and the last 20 (shortened). */
  private static List<String> gatewayWarnings(GatewayTarget g) {
    java.util.ArrayDeque<String> last = new java.util.ArrayDeque<>();
    int count = 0;
    try {
      for (GatewayTarget.Node node : g.nodes()) {
        for (String line : Files.readAllLines(node.log(), StandardCharsets.UTF_8)) {
          if ((line.contains("level=WARN") || line.contains("level=ERROR") || line.contains("Exception"))
              && !line.contains("alarm raised kind=")) {
            count++;
            String l = (g.nodes().size() > 1 ? node.name() + ": " : "") + line;
            last.add(l.length() > 300 ? l.substring(0, 300) + "..." : l);
            if (last.size() > 20) {
              last.poll();
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // no log
    }
    List<String> out = new ArrayList<>(last);
    if (count > out.size()) {
      out.add(0, count + " in all, the last " + out.size() + " follow");
    }
    return out;
  }

  private static JsonObject memory(JsonObject idle, JsonObject loaded, int connections) {
    JsonObject m = new JsonObject().put("idle", idle).put("loaded", loaded).put("connections", connections);
    for (String f : List.of("heapBytes", "directBytes", "rssBytes", "pssBytes")) {
      Long a = idle.getLong(f);
      Long b = loaded.getLong(f);
      if (a != null && b != null && connections > 0) {
        m.put(f.replace("Bytes", "BytesPerConnection"), (b - a) / connections);
      }
    }
    return m;
  }

  private void printStep(String tag, JsonObject r) {
    JsonObject w = r.getJsonObject("window");
    JsonObject l = w.getJsonObject("latencyMs");
    say(String.format(Locale.ROOT, "%swindow %.0f s: %s alarms/s committed; %,d deliveries/s of %,d expected (%.1f %%)",
        tag, w.getDouble("seconds"), num(w.getDouble("alarmsPerS")), w.getLong("deliveriesPerS"),
        w.getLong("expectedDeliveriesPerS"), w.getDouble("deliveredShare") == null ? 0 : w.getDouble("deliveredShare") * 100));
    String pub = "";
    JsonObject lp = w.getJsonObject("latencyFromPublishMs");
    if (lp != null) {
      pub = String.format(Locale.ROOT, "; from the box's MQTT publish p50 %s, p99 %s", ms(lp.getDouble("p50")),
          ms(lp.getDouble("p99")));
    }
    say(String.format(Locale.ROOT, "%slatency commit -> client: p50 %s ms, p99 %s ms, max %s ms (%,d deliveries)%s", tag,
        ms(l.getDouble("p50")), ms(l.getDouble("p99")), ms(l.getDouble("max")), l.getLong("count"), pub));
    JsonObject m = r.getJsonObject("memory");
    List<String> mem = new ArrayList<>();
    for (String f : List.of("heap", "direct", "pss", "rss")) {
      Long v = m.getLong(f + "BytesPerConnection");
      if (v != null) {
        mem.add(String.format(Locale.ROOT, "%s %,d B", f.equals("pss") || f.equals("rss") ? f.toUpperCase(Locale.ROOT) : f, v));
      }
    }
    say(String.format(Locale.ROOT, "%smemory per connection: %s (loaded - idle, %,d connections); CPU: server %.2f cores,"
        + " client and publisher %.2f cores", tag, String.join(", ", mem), m.getInteger("connections"),
        w.getDouble("serverCpuCores"), w.getDouble("clientCpuCores")));
    JsonObject c = r.getJsonObject("check");
    JsonObject conn = r.getJsonObject("connections");
    say(String.format(Locale.ROOT, "%scheck: %,d of %,d subscribers got every alarm of their region exactly once, in order"
        + " (%,d owed; %,d missing, %,d duplicates, %,d out of order, %,d unexpected%s)%s; %d unexpected ends, %d overflows,"
        + " %d resets", tag, c.getInteger("clean"), c.getInteger("subscribers"), c.getLong("owed"), c.getLong("missing"),
        c.getLong("duplicates"), c.getLong("outOfOrder"), c.getLong("unexpected"),
        c.getInteger("neverStarted") > 0 ? ", " + c.getInteger("neverStarted") + " never started" : "",
        r.getBoolean("drained") ? "" : String.format(Locale.ROOT, "; %,d had not got their region's last alarm after %s",
            r.getInteger("behindAtEnd"), Cli.format(args.drainTimeout())),
        conn.getLong("unexpectedEnds"), conn.getLong("overflows"), conn.getLong("resets")));
    if (!c.getJsonArray("examples").isEmpty()) {
      say(tag + "  e.g. " + c.getJsonArray("examples").encode());
    }
    if (!conn.getJsonArray("failureSamples").isEmpty()) {
      say(tag + "  client saw: " + conn.getJsonArray("failureSamples").encode());
    }
  }

  // ---------------------------------------------------------------------------------------------- comparison

  private JsonObject ratios(JsonObject g, JsonObject x) {
    JsonObject out = new JsonObject();
    out.put("deliveriesPerS", ratio(g, x, "window", "deliveriesPerS"));
    out.put("latencyP50", ratio(g, x, "window", "latencyMs", "p50"));
    out.put("latencyP99", ratio(g, x, "window", "latencyMs", "p99"));
    out.put("serverCpuCores", ratio(g, x, "window", "serverCpuCores"));
    Double gm = perConnection(g);
    Double xm = perConnection(x);
    out.put("memoryPerConnection", new JsonObject().put("gateway", gm).put("nchan", xm)
        .put("what", "gateway heap + direct, Nchan PSS (master + workers), per connection")
        .put("ratio", gm != null && xm != null && xm > 0 ? round(gm / xm, 3) : null));
    out.put("rssPerConnection", ratio(g, x, "memory", "rssBytesPerConnection"));
    out.put("stormAllCaughtUpMillis", ratio(g, x, "storm", "allCaughtUpMillis"));
    return out;
  }

  private static Double perConnection(JsonObject r) {
    if (r == null || r.getJsonObject("memory") == null) {
      return null;
    }
    JsonObject m = r.getJsonObject("memory");
    if (m.getLong("heapBytesPerConnection") != null) {
      return (double) m.getLong("heapBytesPerConnection") + (m.getLong("directBytesPerConnection") == null ? 0
          : m.getLong("directBytesPerConnection"));
    }
    Long pss = m.getLong("pssBytesPerConnection");
    return pss == null ? null : pss.doubleValue();
  }

  private static JsonObject ratio(JsonObject g, JsonObject x, String... path) {
    Double a = at(g, path);
    Double b = at(x, path);
    return new JsonObject().put("gateway", a).put("nchan", b).put("ratio", a != null && b != null && b != 0 ? round(a / b, 3) : null);
  }

  private static Double at(JsonObject o, String... path) {
    Object cur = o;
    for (String p : path) {
      if (!(cur instanceof JsonObject j)) {
        return null;
      }
      cur = j.getValue(p);
    }
    return cur instanceof Number n ? n.doubleValue() : null;
  }

  private void printComparison(JsonArray steps) {
    say("== comparison (same run, same machine)                      gateway         nchan   gateway/nchan");
    for (int i = 0; i < steps.size(); i++) {
      JsonObject s = steps.getJsonObject(i);
      JsonObject r = s.getJsonObject("ratios");
      say(String.format(Locale.ROOT, "   %,d subscribers", s.getInteger("subscribers")));
      row("deliveries/s (window)", r.getJsonObject("deliveriesPerS"), "%,.0f");
      row("latency commit -> client p50, ms", r.getJsonObject("latencyP50"), "%,.2f");
      row("latency commit -> client p99, ms", r.getJsonObject("latencyP99"), "%,.2f");
      row("memory per connection, B (heap+direct | PSS)", r.getJsonObject("memoryPerConnection"), "%,.0f");
      row("RSS per connection, B", r.getJsonObject("rssPerConnection"), "%,.0f");
      row("server CPU, cores", r.getJsonObject("serverCpuCores"), "%,.2f");
      row("storm: all caught up, ms", r.getJsonObject("stormAllCaughtUpMillis"), "%,.0f");
      say(String.format(Locale.ROOT, "     %-46s %13s %13s", "every event exactly once (storm included)",
          lossless(s.getJsonObject("gateway")), lossless(s.getJsonObject("nchan"))));
    }
  }

  private static String lossless(JsonObject r) {
    if (r == null) {
      return "-";
    }
    if (r.getString("error") != null) {
      return "error";
    }
    return Boolean.TRUE.equals(r.getBoolean("zeroLoss")) ? "yes" : "NO";
  }

  private static void row(String label, JsonObject p, String fmt) {
    Double a = p.getDouble("gateway");
    Double b = p.getDouble("nchan");
    Double q = p.getDouble("ratio");
    say(String.format(Locale.ROOT, "     %-46s %13s %13s %15s", label, a == null ? "-" : String.format(Locale.ROOT, fmt, a),
        b == null ? "-" : String.format(Locale.ROOT, fmt, b), q == null ? "-" : String.format(Locale.ROOT, "%.3f", q)));
  }

  private JsonObject summary(JsonArray steps) {
    Integer gMax = null;
    Integer xMax = null;
    for (int i = 0; i < steps.size(); i++) {
      JsonObject s = steps.getJsonObject(i);
      if (good(s.getJsonObject("gateway"))) {
        gMax = s.getInteger("subscribers");
      }
      if (good(s.getJsonObject("nchan"))) {
        xMax = s.getInteger("subscribers");
      }
    }
    return new JsonObject().put("targetSubscribers", 10_000).put("gatewayMaxSubscribersKeptUpZeroLoss", gMax)
        .put("nchanMaxSubscribersKeptUpZeroLoss", xMax);
  }

  // ---------------------------------------------------------------------------------------------- helpers

  private JsonObject settings() {
    JsonObject env = new JsonObject();
    GatewayTarget.benchmarkSettings().forEach(env::put);
    args.gatewayEnv().forEach(env::put);
    return new JsonObject().put("subscribers", new JsonArray(new ArrayList<>(args.subscribers())))
        .put("source", args.source()).put("ratePerS", args.rate()).put("regions", args.regions()).put("durationSeconds", args.duration().toSeconds())
        .put("warmupSeconds", args.warmup().toSeconds()).put("settleSeconds", args.settle().toSeconds())
        .put("connectRate", args.connectRate() == 0 ? "max" : args.connectRate()).put("maxPending", args.maxPending())
        .put("storm", args.storm()).put("stormGapMillis", args.stormGap().toMillis())
        .put("stormTimeoutSeconds", args.stormTimeout().toSeconds()).put("afterSeconds", args.after().toSeconds())
        .put("drainTimeoutSeconds", args.drainTimeout().toSeconds())
        .put("gatewayJar", args.gatewayJar().map(Path::toString).orElse(null))
        .put("gatewayJavaOpts", String.join(" ", args.gatewayJavaOpts())).put("gatewayEnv", env).put("nodes", args.nodes())
        .put("boxesPerRegion", args.boxesPerRegion()).put("nchan", args.nchan()).put("nchanWorkers", args.nchanWorkers())
        .put("nchanBuffer", args.nchanBuffer()).put("payloadBytes", args.payloadBytes() == 0 ? "as the gateway's" : args.payloadBytes())
        .put("clientJavaOpts", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))
        .put("keepGoing", args.keepGoing());
  }

  private JsonObject machine() {
    long mem = -1;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          mem = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux
    }
    Long files = null;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          files = Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown
    }
    return new JsonObject().put("cores", Runtime.getRuntime().availableProcessors()).put("memoryBytes", mem)
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("openFilesLimit", files)
        .put("loadAverage", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  private Path writeResult(JsonObject result, Instant started) throws IOException {
    Files.createDirectories(args.resultsDir());
    String name = started.truncatedTo(ChronoUnit.SECONDS).toString().replace(":", "-") + ".json";
    Path out = args.resultsDir().resolve(name);
    Files.writeString(out, result.encodePrettily() + "\n", StandardCharsets.UTF_8);
    return out;
  }

  static Double round(double v, int digits) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return null;
    }
    double s = Math.pow(10, digits);
    return Math.round(v * s) / s;
  }

  private static String num(Double v) {
    if (v == null) {
      return "-";
    }
    return v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%,.1f", v);
  }

  private static String ms(Double v) {
    return v == null ? "-" : v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  /** Stops what is still running and removes the work dir (unless --keep); runs on exit and on Ctrl-C. */
  private void cleanUp() {
    for (AutoCloseable c : new ArrayList<>(open)) {
      try {
        c.close();
      } catch (Exception e) {
        // best effort
      }
    }
    if (!args.keep()) {
      try (Stream<Path> walk = Files.walk(work)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // best effort
      }
    } else {
      System.out.println("kept " + work);
    }
  }
}
