package org.safecity.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The MQTT benchmark: drives simulator processes against the system under test (the gateway) and, in
 * the same run, against Mosquitto as a peer; prints the figures and writes {@code results/<timestamp>.json}.
 *
 * <p>Phases, per broker: <b>idle</b> (open and hold N connections, memory per connection), <b>rate</b>
 * (unpaced connects, connections/s, median of runs), <b>throughput</b> (QoS 1 PUBACKed messages/s with a
 * fixed number in flight per connection) and, for the gateway only, <b>alarms</b> (from a socket dying or
 * a door opening to the alarm being readable from the event log).
 */
public final class MqttBenchmark {

  private final BenchArgs args;
  private final Path work;
  private final List<SimProcess> running = new ArrayList<>();
  private final List<Broker> brokers = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  MqttBenchmark(BenchArgs args, Path work) {
    this.args = args;
    this.work = work;
  }

  public static void main(String[] argv) throws Exception {
    Path ownJar = ownJar();
    BenchArgs args;
    try {
      args = BenchArgs.parse(argv, ownJar);
    } catch (SimulatorArgs.HelpRequested h) {
      System.out.println(BenchArgs.USAGE);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("mqtt-bench: " + e.getMessage());
      System.err.println("(--help lists the options)");
      System.exit(2);
      return;
    }
    if (args.writeDevices().isPresent()) {
      Path f = args.writeDevices().get();
      writeDevices(args, f);
      System.out.println("wrote " + (args.mainBoxes() + args.alarmBoxes()) + " boxes to " + f
          + " (secrets derived from --secret-seed " + args.secretSeed() + ")");
      return;
    }
    if (!Files.isRegularFile(args.simJar())) {
      System.err.println("mqtt-bench: simulator jar not found: " + args.simJar() + " (build: mvn -q package in load-tests)");
      System.exit(2);
    }
    Path work = Files.createTempDirectory("safecity-mqtt-bench-");
    MqttBenchmark bench = new MqttBenchmark(args, work);
    Runtime.getRuntime().addShutdownHook(new Thread(bench::cleanUp, "bench-cleanup"));
    int rc = bench.run();
    System.exit(rc);
  }

  private static Path ownJar() {
    try {
      Path p = Path.of(MqttBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(p) ? p : null;
    } catch (Exception e) {
      return null;
    }
  }

  static void writeDevices(BenchArgs a, Path file) throws IOException {
    DevicesFile.write(file, id -> Fleet.derivedSecret(a.secretSeed(), id), 50,
        new DevicesFile.Range("box-", 1, a.mainBoxes() + a.alarmBoxes(), a.region()));
  }

  int run() throws Exception {
    Instant started = Instant.now();
    JsonObject result = new JsonObject()
        .put("benchmark", "mqtt")
        .put("startedAt", started.toString())
        .put("machine", machine())
        .put("settings", settings());
    say("== SafeCity MQTT benchmark " + started.truncatedTo(ChronoUnit.SECONDS) + "  (work dir " + work + ")");
    say("   machine: " + result.getJsonObject("machine").getInteger("cores") + " cores, "
        + result.getJsonObject("machine").getLong("memoryBytes") / (1L << 30) + " GiB; shared and noisy: read medians"
        + " and ratios, not single numbers");
    JsonObject targets = new JsonObject();
    result.put("targets", targets);

    Path devices = work.resolve("devices.yaml");
    writeDevices(args, devices);

    // The system under test first, while the machine is freshest? No: the peer first, so a gateway that
    // fails to start still leaves a peer result, and the gateway gets the same warm page cache.
    if (args.mosquitto()) {
      targets.put("mosquitto", runMosquitto());
    }
    if (args.gatewayJar().isPresent() || args.broker().isPresent()) {
      targets.put("gateway", runGateway(devices));
    } else {
      targets.put("gateway", new JsonObject().put("skipped", "no --gateway-jar or --broker given"));
      say("-- gateway: skipped (no --gateway-jar or --broker given)");
    }

    JsonObject comparison = compare(targets.getJsonObject("gateway"), targets.getJsonObject("mosquitto"));
    result.put("comparison", comparison);
    notes.add("Mosquitto does not persist messages: it runs here with persistence false, and even with persistence"
        + " on it never fsyncs before a PUBACK; its PUBACK means 'received'. The gateway commits each QoS 1"
        + " message to PostgreSQL before its PUBACK; its PUBACK means 'durable'. The throughput ratio compares"
        + " different promises.");
    notes.add("Simulators, brokers and the gateway's PostgreSQL share the same " + Runtime.getRuntime()
        .availableProcessors() + " cores: the load generator takes CPU from the broker under test, more so in the"
        + " throughput runs. Ratios measured in the same run are more telling than absolute figures.");
    result.put("notes", new JsonArray(new ArrayList<>(notes)));
    result.put("finishedAt", Instant.now().toString());
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    result.getJsonObject("machine").put("loadAverageAtEnd", load);
    say(String.format(Locale.ROOT, "   load average: %.2f at the start, %.2f at the end (2 cores: above 2 means other work"
        + " competed)", result.getJsonObject("machine").getDouble("loadAverage"), load));
    printComparison(comparison);
    for (String n : notes) {
      say("note: " + n);
    }
    Path out = writeResult(result, started);
    say("results: " + out);
    return 0;
  }

  // ---------------------------------------------------------------------------------------------- targets

  private JsonObject runMosquitto() {
    JsonObject r = new JsonObject();
    if (!Files.isExecutable(args.mosquittoBin())) {
      say("-- mosquitto: skipped (" + args.mosquittoBin() + " not found; apt-get install -y mosquitto)");
      return r.put("skipped", args.mosquittoBin() + " not found");
    }
    try {
      Path dir = Files.createDirectories(work.resolve("mosquitto"));
      Broker b = Broker.startMosquitto(args.mosquittoBin(), dir);
      brokers.add(b);
      String version = mosquittoVersion();
      say("-- mosquitto " + version + " on " + b.url() + " (persistence false, anonymous, max_connections -1)");
      r.put("url", b.url()).put("version", version).put("persistsBeforePuback", false);
      runPhases(b, r);
      b.close();
    } catch (Exception e) {
      say("-- mosquitto: failed: " + e);
      r.put("error", e.toString());
    }
    return r;
  }

  private JsonObject runGateway(Path devices) {
    JsonObject r = new JsonObject();
    try {
      Broker b;
      if (args.gatewayJar().isPresent()) {
        Path jar = args.gatewayJar().get();
        if (!Files.isRegularFile(jar)) {
          say("-- gateway: skipped (" + jar + " not found; build it with mvn -q package -DskipTests at the repo root)");
          return r.put("skipped", jar + " not found");
        }
        Path dir = Files.createDirectories(work.resolve("gateway"));
        say("-- gateway: starting " + jar + " (" + (args.mainBoxes() + args.alarmBoxes()) + " boxes in " + devices + ")");
        b = args.nodes() > 0
            ? Broker.startGatewayCluster(args.nodes(), jar, args.gatewayJavaOpts(), args.gatewayEnv(), dir, devices,
                args.gatewayReady())
            : Broker.startGateway(jar, args.gatewayJavaOpts(), args.gatewayEnv(), dir, devices, args.gatewayReady());
        brokers.add(b);
        r.put("jar", jar.toString()).put("log", b.log.toString());
      } else {
        b = Broker.external("gateway", args.broker().get(), args.api().orElse(null), args.apiToken(), args.brokerPid());
      }
      r.put("url", b.url()).put("api", b.api == null ? null : b.api.toString()).put("persistsBeforePuback", true);
      if (!b.mqttListening()) {
        String why = "nothing listens on " + b.url() + " (is the MQTT edge in this gateway build?)";
        say("-- gateway: skipped: " + why);
        r.put("skipped", why);
        printLogTail(b.log);
        if (b.api != null) {
          r.put("memoryNoConnections", b.memory(3).toJson());
        }
        b.close();
        return r;
      }
      say("-- gateway on " + b.url() + (b.api == null ? " (no --api: no alarm latency, no heap figure)" : ", API " + b.api));
      runPhases(b, r);
      if (args.phases().contains("alarms")) {
        if (b.api == null) {
          r.put("alarms", new JsonObject().put("skipped", "no --api"));
        } else {
          r.put("alarms", alarms(b));
        }
      }
      b.close();
    } catch (Exception e) {
      say("-- gateway: failed: " + e);
      r.put("error", e.toString());
      printLogTail(work.resolve("gateway").resolve("gateway.log"));
    }
    return r;
  }

  /** The end of a log that is about to be deleted with the work dir. */
  private static void printLogTail(Path log) {
    if (log == null || !Files.isRegularFile(log)) {
      return;
    }
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      say("   last lines of " + log + ":");
      for (String l : lines.subList(Math.max(0, lines.size() - 15), lines.size())) {
        say("   | " + l);
      }
    } catch (IOException e) {
      // nothing to show
    }
  }

  private void runPhases(Broker b, JsonObject r) throws Exception {
    if (args.phases().contains("idle")) {
      r.put("idle", idle(b));
    }
    if (args.phases().contains("rate")) {
      r.put("connectRate", connectRate(b));
    }
    if (args.phases().contains("throughput")) {
      r.put("throughput", throughput(b));
    }
  }

  // ------------------------------------------------------------------------------------------------ idle

  /**
   * Opens {@code --idle-boxes} connections in two steps, a tenth first, and reads the broker's memory with
   * none, a tenth and all of them connected. Per connection = growth from a tenth to all, divided by the
   * connections added: one-time costs (pools, caches, classes' statics touched by the first connection)
   * then stay out of the figure. The growth from none is reported too.
   */
  private JsonObject idle(Broker b) throws Exception {
    int boxes = args.idleBoxes();
    int tenth = Math.max(1, boxes / 10);
    Broker.Memory before = b.memory(5);
    List<SimProcess> sims = new ArrayList<>();
    long t0 = System.currentTimeMillis();
    sims.add(startIdleSim(b, "idle-0", 1, tenth, 1.0));
    sims.get(0).awaitConnectPhase(idleTimeout(tenth));
    Broker.Memory mid = b.memory(5);
    int midConnected = sims.get(0).connected();
    if (boxes > tenth) {
      List<int[]> parts = split(tenth + 1, boxes - tenth, 1);
      for (int i = 0; i < parts.size(); i++) {
        sims.add(startIdleSim(b, "idle-" + (i + 1), parts.get(i)[0], parts.get(i)[1],
            (double) parts.get(i)[1] / (boxes - tenth)));
      }
      for (SimProcess s : sims.subList(1, sims.size())) {
        s.awaitConnectPhase(Math.max(1000, idleTimeout(boxes) - (System.currentTimeMillis() - t0)));
      }
    }
    long connectMillis = System.currentTimeMillis() - t0;
    int connected = sims.stream().mapToInt(SimProcess::connected).sum();
    say(String.format(Locale.ROOT, "   idle: %d of %d connected in %.1f s (%d processes); holding %s", connected, boxes,
        connectMillis / 1000.0, sims.size(), Cli.format(args.idleHold())));
    Thread.sleep(args.idleHold().toMillis());
    Broker.Memory after = b.memory(5);
    int held = 0;
    long lost = 0;
    long failures = 0;
    List<Double> simHeap = new ArrayList<>();
    for (SimProcess s : sims) {
      JsonObject sum = s.terminate(30_000);
      running.remove(s);
      if (sum == null) {
        notes.add("idle: simulator " + s.name + " printed no summary: " + s.lastLines());
        continue;
      }
      noteFailures("idle", sum);
      held += sum.getInteger("connectedAtStop", 0);
      lost += sum.getLong("lost", 0L);
      failures += sum.getLong("failures", 0L);
      if (sum.getValue("simHeapPerConnectionBytes") != null) {
        simHeap.add(sum.getLong("simHeapPerConnectionBytes").doubleValue());
      }
    }
    JsonObject r = new JsonObject()
        .put("boxes", boxes)
        .put("processes", sims.size())
        .put("connected", connected)
        .put("heldSeconds", args.idleHold().toSeconds())
        .put("stillConnected", held)
        .put("lost", lost)
        .put("connectFailures", failures)
        .put("connectSeconds", connectMillis / 1000.0)
        .put("memoryNone", before.toJson())
        .put("memoryTenth", mid.toJson().put("connections", midConnected))
        .put("memoryAll", after.toJson().put("connections", held));
    String mem = "";
    int added = held - midConnected;
    if (added > 0 && mid.heapBytes() >= 0 && after.heapBytes() >= 0) {
      long per = (after.heapBytes() - mid.heapBytes()) / added;
      r.put("heapBytesPerConnection", per);
      r.put("heapBytesPerConnectionFromNone", (after.heapBytes() - before.heapBytes()) / held);
      mem += String.format(Locale.ROOT, "heap %d B/connection (target <= 4096; %s)", per, after.method());
    }
    if (added > 0 && mid.rssBytes() >= 0 && after.rssBytes() >= 0) {
      long per = (after.rssBytes() - mid.rssBytes()) / added;
      r.put("rssBytesPerConnection", per);
      r.put("rssBytesPerConnectionFromNone", (after.rssBytes() - before.rssBytes()) / held);
      mem += (mem.isEmpty() ? "" : "; ") + String.format(Locale.ROOT, "RSS %d B/connection", per);
    }
    if (!simHeap.isEmpty()) {
      r.put("simulatorHeapBytesPerConnection", Math.round(median(simHeap)));
    }
    say(String.format(Locale.ROOT, "   idle: %d still connected after %s (%d lost, %d failed connects)%s", held,
        Cli.format(args.idleHold()), lost, failures, mem.isEmpty() ? "" : "; " + mem));
    if (added > 0) {
      say("         (memory per connection = growth from " + midConnected + " to " + held + " connections / "
          + added + ")");
    }
    return r;
  }

  /** An idle simulator for {@code count} boxes from {@code first}, connecting at {@code share} of the idle rate. */
  private SimProcess startIdleSim(Broker b, String name, int first, int count, double share) throws IOException {
    double rate = args.idleConnectRate() * share;
    return startSim(b, name, List.of(
        "--boxes", Integer.toString(count), "--first-index", Integer.toString(first), "--scenario", "idle",
        "--connect-rate", rate <= 0 ? "max" : String.format(Locale.ROOT, "%.1f", Math.max(1, rate)),
        "--duration", "0", "--stats-every", "5s", "--connect-timeout", (idleTimeout(count) / 1000) + "s"));
  }

  private long idleTimeout(int boxes) {
    double rate = args.idleConnectRate() == 0 ? 200 : Math.min(200, args.idleConnectRate());
    return TimeUnit.SECONDS.toMillis(60 + (long) (boxes / rate));
  }

  // ------------------------------------------------------------------------------------------------ rate

  private JsonObject connectRate(Broker b) throws Exception {
    List<Double> rates = new ArrayList<>();
    JsonArray runs = new JsonArray();
    Histogram latency = new Histogram();
    for (int run = 1; run <= args.rateRuns(); run++) {
      List<int[]> parts = split(1, args.rateBoxes(), b.ports.length);
      // JVM start, plus the unmeasured warm-up connects, before all processes start together.
      int warm = Math.min(2000, parts.get(0)[1]);
      long startAt = System.currentTimeMillis() + 3000 + 1000L * parts.size() + warm * 2L;
      int pendingPerProc = Math.max(1, args.rateMaxPending() / parts.size());
      List<SimProcess> sims = new ArrayList<>();
      for (int i = 0; i < parts.size(); i++) {
        int[] p = parts.get(i);
        sims.add(startSim(b, "rate-" + run + "-" + i, i, List.of(
            "--boxes", Integer.toString(p[1]), "--first-index", Integer.toString(p[0]), "--scenario", "idle",
            "--connect-rate", "max", "--max-pending", Integer.toString(pendingPerProc), "--duration", "100ms",
            "--reconnect-delay", "0", "--connect-timeout", "120s", "--start-at", Long.toString(startAt),
            "--warmup-connects", Integer.toString(warm),
            "--stats-every", "5s", "--hist")));
      }
      long first = Long.MAX_VALUE;
      long last = 0;
      int connected = 0;
      long failures = 0;
      long simCpu = 0;
      for (SimProcess s : sims) {
        JsonObject sum = s.awaitSummary(200_000);
        running.remove(s);
        if (sum == null) {
          notes.add("rate run " + run + ": simulator " + s.name + " printed no summary: " + s.lastLines());
          continue;
        }
        noteFailures("rate", sum);
        first = Math.min(first, sum.getLong("startMs"));
        if (sum.getLong("lastFirstConnackMs") != null) {
          last = Math.max(last, sum.getLong("lastFirstConnackMs"));
        }
        connected += sum.getInteger("connectedOnce", 0);
        failures += sum.getLong("failures", 0L);
        simCpu += sum.getLong("connectPhaseCpuPercent", 0L);
        latency.add(Histogram.fromJson(sum.getJsonArray("connectHist")));
        if (sum.getLong("startMs") > startAt + 250) {
          notes.add("rate run " + run + ": simulator " + s.name + " started " + (sum.getLong("startMs") - startAt)
              + " ms late (slow JVM start): that run's rate is underestimated");
        }
      }
      double secs = (last - first) / 1000.0;
      double rate = last > first ? connected / secs : 0;
      rates.add(rate);
      runs.add(new JsonObject().put("connected", connected).put("of", args.rateBoxes()).put("failures", failures)
          .put("seconds", secs).put("perSecond", Math.round(rate)).put("simulatorCpuPercent", simCpu));
      say(String.format(Locale.ROOT, "   rate run %d: %d of %d connected in %.2f s = %.0f connections/s (%d failed;"
          + " simulators used %d %% of a core)", run, connected, args.rateBoxes(), secs, rate, failures, simCpu));
      Thread.sleep(2000);
    }
    double med = median(rates);
    say(String.format(Locale.ROOT, "   connection rate: median %.0f connections/s over %d runs (CONNECT->CONNACK p50 %.1f ms, p99 %.1f ms)",
        med, rates.size(), latency.percentileMillis(50), latency.percentileMillis(99)));
    return new JsonObject().put("runs", runs).put("medianPerSecond", Math.round(med))
        .put("processes", split(1, args.rateBoxes(), b.ports.length).size()).put("maxPending", args.rateMaxPending())
        .put("connackLatencyMs", latency.summary());
  }

  // ------------------------------------------------------------------------------------------ throughput

  private JsonObject throughput(Broker b) throws Exception {
    List<Double> rates = new ArrayList<>();
    JsonArray runs = new JsonArray();
    Histogram latency = new Histogram();
    Duration total = args.tpDuration().plus(args.tpWarmup());
    for (int run = 1; run <= args.tpRuns(); run++) {
      // One simulator a node (one in all for a single gateway or broker), each with its share of the boxes.
      List<SimProcess> sims = new ArrayList<>();
      int nodes = b.ports.length;
      for (int i = 0; i < nodes; i++) {
        int count = args.tpBoxes() / nodes + (i < args.tpBoxes() % nodes ? 1 : 0);
        int first = 1 + i * (args.tpBoxes() / nodes) + Math.min(i, args.tpBoxes() % nodes);
        sims.add(startSim(b, "tp-" + run + (nodes > 1 ? "-node" + (i + 1) : ""), i, List.of(
            "--boxes", Integer.toString(count), "--first-index", Integer.toString(first), "--scenario", "throughput",
            "--inflight", Integer.toString(args.tpInflight()), "--duration", total.toMillis() + "ms",
            "--warmup", args.tpWarmup().toMillis() + "ms", "--connect-rate", "max", "--stats-every", "5s", "--hist")));
      }
      for (SimProcess s : sims) {
        s.awaitConnectPhase(60_000);
      }
      double cpu0 = b.cpuSeconds();
      long w0 = System.nanoTime();
      double rate = 0;
      long acked = 0;
      long lost = 0;
      long simCpu = 0;
      double window = 0;
      Histogram h = new Histogram();
      boolean complete = true;
      for (SimProcess s : sims) {
        JsonObject sum = s.awaitSummary(total.toMillis() + 60_000);
        running.remove(s);
        if (sum == null || sum.getJsonObject("throughput") == null) {
          notes.add("throughput run " + run + ": no summary from " + s.name + ": " + s.lastLines());
          complete = false;
          continue;
        }
        noteFailures("throughput", sum);
        JsonObject tp = sum.getJsonObject("throughput");
        rate += tp.getLong("msgsPerS") == null ? 0 : tp.getLong("msgsPerS");
        acked += tp.getLong("acked", 0L);
        lost += sum.getLong("lost", 0L);
        window = Math.max(window, tp.getDouble("windowSeconds", 0.0));
        simCpu += tp.getLong("simulatorCpuPercent", 0L);
        h.add(Histogram.fromJson(sum.getJsonArray("ackHist")));
      }
      double cpu1 = b.cpuSeconds();
      double wall = (System.nanoTime() - w0) / 1e9;
      if (!complete) {
        continue;
      }
      rates.add(rate);
      latency.add(h);
      JsonObject one = new JsonObject().put("msgsPerS", Math.round(rate)).put("acked", acked)
          .put("windowSeconds", window).put("lost", lost).put("pubackLatencyMs", h.summary())
          .put("simulators", sims.size());
      String cpu = "";
      if (cpu0 >= 0 && cpu1 >= 0) {
        double share = (cpu1 - cpu0) / wall * 100;
        one.put("brokerCpuPercent", Math.round(share));
        cpu = String.format(Locale.ROOT, "; CPU: broker %.0f %%", share);
      }
      if (simCpu > 0) {
        one.put("simulatorCpuPercent", simCpu);
        cpu += (cpu.isEmpty() ? "; CPU: " : ", ") + "simulator" + (sims.size() > 1 ? "s " : " ") + simCpu + " %";
      }
      if (!cpu.isEmpty()) {
        cpu += " (100 % = one core)";
      }
      runs.add(one);
      say(String.format(Locale.ROOT, "   throughput run %d: %.0f QoS 1 msgs/s PUBACKed (%d boxes x %d in flight, %s)"
              + ", PUBACK p50 %.1f ms p99 %.1f ms%s", run, rate, args.tpBoxes(), args.tpInflight(),
          Cli.format(args.tpDuration()), h.percentileMillis(50), h.percentileMillis(99), cpu));
      Thread.sleep(1000);
    }
    double med = rates.isEmpty() ? 0 : median(rates);
    say(String.format(Locale.ROOT, "   QoS 1 throughput: median %.0f msgs/s over %d runs", med, rates.size()));
    return new JsonObject().put("runs", runs).put("medianMsgsPerS", Math.round(med)).put("boxes", args.tpBoxes())
        .put("inflightPerBox", args.tpInflight()).put("pubackLatencyMs", latency.summary());
  }

  // -------------------------------------------------------------------------------------------- alarms

  private JsonObject alarms(Broker b) throws Exception {
    JsonObject r = new JsonObject();
    try (EventFeed feed = new EventFeed(b, args.pollMillis())) {
      feed.start();
      int next = args.alarmFirstIndex();
      say("   alarms: polling " + b.api + "/api/v1/events every " + args.pollMillis() + " ms");

      // (1) kill -9 of a simulator process: sockets closed by the kernel, no DISCONNECT -> box-offline
      List<Long> seen = new ArrayList<>();
      List<Long> server = new ArrayList<>();
      int missed = 0;
      for (int k = 0; k < args.alarmKills(); k++) {
        int first = next;
        next += args.alarmBoxesPerKill();
        SimProcess s = startSim(b, "kill-" + k, List.of("--boxes", Integer.toString(args.alarmBoxesPerKill()),
            "--first-index", Integer.toString(first), "--scenario", "idle", "--duration", "0", "--stats-every", "5s"));
        if (!s.awaitConnectPhase(60_000) || s.connected() < args.alarmBoxesPerKill()) {
          notes.add("alarms: kill probe " + k + ": only " + s.connected() + " boxes connected");
        }
        Thread.sleep(1500);
        long t0 = System.currentTimeMillis();
        List<EventFeed.Expectation> exps = new ArrayList<>();
        for (int i = first; i < first + args.alarmBoxesPerKill(); i++) {
          exps.add(feed.expect(Fleet.boxId("box-", i), "box-offline", t0));
        }
        s.kill();
        running.remove(s);
        missed += collect(feed, exps, seen, server);
      }
      r.put("killedProcess", latencies("box-offline after kill -9 of the box's process", seen, server, missed));

      // (2) door opens
      seen = new ArrayList<>();
      server = new ArrayList<>();
      missed = 0;
      if (args.alarmDoors() > 0) {
        int first = next;
        next += args.alarmDoors();
        try (InProcessFleet fleet = InProcessFleet.connect(fleetArgs(b, first, args.alarmDoors()), 30_000)) {
          Thread.sleep(1500);
          for (String id : fleet.ids()) {
            long t0 = System.currentTimeMillis();
            EventFeed.Expectation x = feed.expect(id, "door-open", t0);
            fleet.on(id, bc -> {
              bc.box.forceDoorOpen();
              bc.event("door-opened", "door contact opened (benchmark probe)", System.currentTimeMillis());
              return bc.telemetryNow();
            });
            missed += collect(feed, List.of(x), seen, server);
            fleet.on(id, bc -> {
              bc.box.closeDoor();
              bc.event("door-closed", "door contact closed (benchmark probe)", System.currentTimeMillis());
              return bc.telemetryNow();
            });
          }
        }
      }
      r.put("doorOpen", latencies("door-open after the door-opened event was published", seen, server, missed));

      // (3) theft: door opens, box moves 200 m, its socket drops without DISCONNECT
      seen = new ArrayList<>();
      server = new ArrayList<>();
      missed = 0;
      if (args.alarmThefts() > 0) {
        int first = next;
        next += args.alarmThefts();
        try (InProcessFleet fleet = InProcessFleet.connect(fleetArgs(b, first, args.alarmThefts()), 30_000)) {
          Thread.sleep(1500);
          for (String id : fleet.ids()) {
            fleet.on(id, bc -> {
              bc.box.forceDoorOpen();
              bc.event("door-opened", "door contact opened (benchmark theft probe)", System.currentTimeMillis());
              return bc.telemetryNow();
            });
            Thread.sleep(1000);
            fleet.on(id, bc -> {
              bc.box.moveFromHome(200, Math.PI / 4);
              return bc.gpsNow(5);
            });
            Thread.sleep(1000);
            long t0 = System.currentTimeMillis();
            EventFeed.Expectation x = feed.expect(id, "theft-suspected", t0);
            fleet.on(id, BoxConnection::killSocket);
            missed += collect(feed, List.of(x), seen, server);
          }
        }
      }
      r.put("theft", latencies("theft-suspected after the socket of a moved, open box dropped", seen, server, missed));
      if (feed.failure() != null) {
        notes.add("alarms: the event feed failed at the end: " + feed.failure());
      }
    }
    return r;
  }

  private List<String> fleetArgs(Broker b, int first, int count) {
    return List.of("--host", b.host, "--port", Integer.toString(b.port), "--boxes", Integer.toString(count),
        "--first-index", Integer.toString(first), "--region", args.region(), "--secret-seed", args.secretSeed(),
        "--scenario", "idle", "--reconnect-delay", "0", "--threads", "1");
  }

  /** Waits for each expectation; adds latencies; returns how many were missed. */
  private int collect(EventFeed feed, List<EventFeed.Expectation> exps, List<Long> seen, List<Long> server)
      throws InterruptedException {
    int missed = 0;
    long deadline = System.currentTimeMillis() + args.alarmTimeout().toMillis();
    for (EventFeed.Expectation x : exps) {
      try {
        EventFeed.Sighting s = x.seen.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        seen.add(s.seenMillis() - x.t0Millis);
        if (s.atMillis() > 0) {
          server.add(s.atMillis() - x.t0Millis);
        }
      } catch (TimeoutException | ExecutionException e) {
        feed.forget(x);
        missed++;
      }
    }
    return missed;
  }

  private JsonObject latencies(String what, List<Long> seen, List<Long> server, int missed) {
    JsonObject r = new JsonObject().put("what", what).put("samples", seen.size() + missed).put("seen", seen.size())
        .put("missed", missed);
    if (!seen.isEmpty()) {
      r.put("visibleMs", pctl(seen));
    }
    if (!server.isEmpty()) {
      r.put("eventAtMs", pctl(server));
    }
    JsonObject v = r.getJsonObject("visibleMs");
    say(String.format(Locale.ROOT, "   alarm %s: %d/%d seen%s", what, seen.size(), seen.size() + missed,
        v == null ? "" : String.format(Locale.ROOT, ", p50 %d ms, p99 %d ms, max %d ms (until readable from the API)",
            v.getLong("p50"), v.getLong("p99"), v.getLong("max"))));
    return r;
  }

  static JsonObject pctl(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(Comparator.naturalOrder());
    return new JsonObject().put("p50", nearestRank(sorted, 50)).put("p99", nearestRank(sorted, 99))
        .put("max", sorted.get(sorted.size() - 1)).put("min", sorted.get(0));
  }

  static long nearestRank(List<Long> sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  // --------------------------------------------------------------------------------------------- helpers

  /** Keeps the simulators' first failure reasons (refused connects, publish errors) in the notes. */
  private void noteFailures(String phase, JsonObject summary) {
    JsonArray samples = summary.getJsonArray("failureSamples");
    if (samples != null && !samples.isEmpty()) {
      String note = phase + ": failures seen by the simulator, e.g. " + samples.encode();
      if (!notes.contains(note)) {
        notes.add(note);
        say("   " + note);
      }
    }
  }

  private SimProcess startSim(Broker b, String name, List<String> extra) throws IOException {
    return startSim(b, name, 0, extra);
  }

  /** A simulator connecting to node {@code node} (mod the nodes) of a cluster; the broker itself otherwise. */
  private SimProcess startSim(Broker b, String name, int node, List<String> extra) throws IOException {
    List<String> a = new ArrayList<>(List.of("--host", b.host, "--port", Integer.toString(b.port(node)),
        "--region", args.region(), "--secret-seed", args.secretSeed()));
    a.addAll(extra);
    String tag = b.name + "/" + name;
    SimProcess s = SimProcess.start(tag, args.simJar(), args.simJavaOpts(), a,
        work.resolve("sim-" + b.name + "-" + name + ".err"), args.quiet() ? null : line -> {
          if (line.startsWith("stats ") || line.startsWith("connect-phase-end")) {
            System.out.println("      [" + tag + "] " + line);
          }
        });
    running.add(s);
    return s;
  }

  /** Splits boxes [first, first+count) into ranges of at most --boxes-per-process: {firstIndex, count}. */
  private List<int[]> split(int first, int count, int atLeast) {
    int procs = Math.max(atLeast, (count + args.boxesPerProcess() - 1) / args.boxesPerProcess());
    List<int[]> parts = new ArrayList<>();
    int base = count / procs;
    int extra = count % procs;
    int idx = first;
    for (int i = 0; i < procs; i++) {
      int n = base + (i < extra ? 1 : 0);
      parts.add(new int[] {idx, n});
      idx += n;
    }
    return parts;
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(values);
    s.sort(Comparator.naturalOrder());
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private JsonObject compare(JsonObject gateway, JsonObject mosquitto) {
    JsonObject c = new JsonObject();
    c.put("connectionsPerS", pair(gateway, mosquitto, "connectRate", "medianPerSecond"));
    c.put("qos1MsgsPerS", pair(gateway, mosquitto, "throughput", "medianMsgsPerS"));
    c.put("idleStillConnected", pair(gateway, mosquitto, "idle", "stillConnected"));
    c.put("rssBytesPerConnection", pair(gateway, mosquitto, "idle", "rssBytesPerConnection"));
    return c;
  }

  private static JsonObject pair(JsonObject gateway, JsonObject mosquitto, String section, String field) {
    Long g = value(gateway, section, field);
    Long m = value(mosquitto, section, field);
    JsonObject p = new JsonObject().put("gateway", g).put("mosquitto", m);
    if (g != null && m != null && m != 0) {
      p.put("ratio", Math.round(g * 1000.0 / m) / 1000.0);
    }
    return p;
  }

  private static Long value(JsonObject target, String section, String field) {
    if (target == null || target.getJsonObject(section) == null) {
      return null;
    }
    Object v = target.getJsonObject(section).getValue(field);
    return v instanceof Number ? ((Number) v).longValue() : null;
  }

  private void printComparison(JsonObject c) {
    say("== comparison (same run, same machine)            gateway     mosquitto   gateway/mosquitto");
    row("connections/s (median)", c.getJsonObject("connectionsPerS"));
    row("QoS 1 msgs/s PUBACKed (median)", c.getJsonObject("qos1MsgsPerS"));
    row("idle connections held", c.getJsonObject("idleStillConnected"));
    row("RSS bytes per idle connection", c.getJsonObject("rssBytesPerConnection"));
  }

  private void row(String label, JsonObject p) {
    say(String.format(Locale.ROOT, "   %-45s %10s  %12s  %10s", label, fmt(p.getLong("gateway")),
        fmt(p.getLong("mosquitto")), p.getDouble("ratio") == null ? "-" : String.format(Locale.ROOT, "%.3f",
            p.getDouble("ratio"))));
  }

  private static String fmt(Long v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%,d", v);
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
    return new JsonObject()
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("memoryBytes", mem)
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("openFilesLimit", openFilesLimit())
        .put("loadAverage", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  private static Long openFilesLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown
    }
    return null;
  }

  private JsonObject settings() {
    return new JsonObject()
        .put("full", args.full())
        .put("phases", new JsonArray(new ArrayList<>(args.phases())))
        .put("idleBoxes", args.idleBoxes())
        .put("idleConnectRate", args.idleConnectRate() == 0 ? "max" : args.idleConnectRate())
        .put("idleHoldSeconds", args.idleHold().toSeconds())
        .put("boxesPerProcess", args.boxesPerProcess())
        .put("rateBoxes", args.rateBoxes())
        .put("rateRuns", args.rateRuns())
        .put("rateMaxPending", args.rateMaxPending())
        .put("tpBoxes", args.tpBoxes())
        .put("tpInflight", args.tpInflight())
        .put("tpSeconds", args.tpDuration().toSeconds())
        .put("tpWarmupSeconds", args.tpWarmup().toSeconds())
        .put("tpRuns", args.tpRuns())
        .put("alarmKills", args.alarmKills())
        .put("alarmBoxesPerKill", args.alarmBoxesPerKill())
        .put("alarmDoors", args.alarmDoors())
        .put("alarmThefts", args.alarmThefts())
        .put("pollMillis", args.pollMillis())
        .put("simJavaOpts", String.join(" ", args.simJavaOpts()))
        .put("gatewayJavaOpts", String.join(" ", args.gatewayJavaOpts()));
  }

  private String mosquittoVersion() {
    try {
      Process p = new ProcessBuilder(args.mosquittoBin().toString(), "-h").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(5, TimeUnit.SECONDS);
      for (String line : out.split("\n")) {
        if (line.startsWith("mosquitto version")) {
          return line.substring("mosquitto version".length()).trim();
        }
      }
    } catch (IOException | InterruptedException e) {
      // unknown
    }
    return "unknown";
  }

  private Path writeResult(JsonObject result, Instant started) throws IOException {
    Files.createDirectories(args.resultsDir());
    String name = started.truncatedTo(ChronoUnit.SECONDS).toString().replace(":", "-") + ".json";
    Path out = args.resultsDir().resolve(name);
    Files.writeString(out, result.encodePrettily() + "\n", StandardCharsets.UTF_8);
    return out;
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  /** Kills what is still running and removes the work dir (unless --keep); runs on exit and on Ctrl-C. */
  private void cleanUp() {
    for (SimProcess s : new ArrayList<>(running)) {
      s.close();
    }
    for (Broker b : brokers) {
      b.close();
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
