package org.safecity.load.rtsp;

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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.safecity.load.Cli;

/**
 * The RTSP benchmark: for each step of concurrent publishers, starts a fresh server (the gateway, then
 * GStreamer's gst-rtsp-server as the peer), ramps the camera simulator up against it, measures a steady window
 * (server CPU from /proc, ingest Mbit/s, reader latency), reads memory and the server's per-camera counters, and
 * decides how many streams were held with zero loss. Prints the figures and writes
 * {@code results/<timestamp>.json}. {@code rtsp-bench.sh} is its front door.
 */
public final class RtspBenchmark {

  static final String ID_PREFIX = "cam-";
  static final int TARGET_STREAMS = 1000;

  private final RtspBenchArgs args;
  private final Path work;
  private final List<String> notes = new ArrayList<>();
  private final List<AutoCloseable> running = new ArrayList<>();
  private Clip clip;

  RtspBenchmark(RtspBenchArgs args, Path work) {
    this.args = args;
    this.work = work;
  }

  public static void main(String[] argv) throws Exception {
    Path ownJar = ownJar();
    RtspBenchArgs args;
    try {
      args = RtspBenchArgs.parse(argv, ownJar);
    } catch (CameraSimArgs.HelpRequested h) {
      System.out.println(RtspBenchArgs.USAGE);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("rtsp-bench: " + e.getMessage());
      System.err.println("(--help lists the options)");
      System.exit(2);
      return;
    }
    for (Path p : List.of(args.file(), args.simJar())) {
      if (!Files.isRegularFile(p)) {
        System.err.println("rtsp-bench: not found: " + p);
        System.exit(2);
      }
    }
    Path work = Files.createTempDirectory("safecity-rtsp-bench-");
    RtspBenchmark bench = new RtspBenchmark(args, work);
    Runtime.getRuntime().addShutdownHook(new Thread(bench::cleanUp, "bench-cleanup"));
    System.exit(bench.run());
  }

  private static Path ownJar() {
    try {
      Path p = Path.of(RtspBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(p) ? p : null;
    } catch (Exception e) {
      return null;
    }
  }

  int run() throws Exception {
    Instant started = Instant.now();
    clip = Clip.load(args.file(), args.fps(), args.mtu());
    JsonObject result = new JsonObject()
        .put("benchmark", "rtsp")
        .put("startedAt", started.toString())
        .put("machine", machine())
        .put("settings", settings());
    JsonObject m = result.getJsonObject("machine");
    say("== SafeCity RTSP benchmark " + started.truncatedTo(ChronoUnit.SECONDS) + "  (work dir " + work + ")");
    say(String.format(Locale.ROOT, "   machine: %d cores, %d GiB, load average %.2f; the simulator, the server and other "
            + "work share the cores: read ratios from the same run, not single numbers", m.getInteger("cores"),
        m.getLong("memoryBytes") / (1L << 30), m.getDouble("loadAverage")));
    say("   clip: " + args.file().getFileName() + ": " + clip.describe());
    say("   steps: " + args.streams() + " publishers over TCP (interleaved), one reader per " + args.readersPer()
        + " cameras, ramp " + args.rampRate() + "/s, warmup " + Cli.format(args.warmup()) + ", window "
        + Cli.format(args.duration()) + ", drain " + Cli.format(args.drain()) + "; a fresh server per step");
    Path devices = work.resolve("devices.yaml");
    if (args.gatewayJar().isPresent()) {
      CameraDevices.write(devices, ID_PREFIX, args.maxStreams(), args.secretSeed());
      say("   gateway: " + args.maxStreams() + " cameras in " + devices + "; started with SAFECITY_DEVICES_BCRYPT_COST=4"
          + " (their secrets are hashed at start: cost 4 keeps that quick; production default is 10),"
          + " SAFECITY_MQTT_ENABLED=false, SAFECITY_RTSP_UDP_RTP_PORT=0 (TCP only), SAFECITY_HEALTH_BOX_SILENT_AFTER=12h"
          + " (no never-seen box alarms mid-step), " + String.join(" ",
          args.gatewayJavaOpts()));
      notes.add("The gateway ran with SAFECITY_DEVICES_BCRYPT_COST=4 so hashing " + args.maxStreams()
          + " camera secrets at start is quick; it checks a camera's secret once per connection, so steady-state"
          + " figures do not depend on the cost.");
    }

    JsonArray steps = new JsonArray();
    result.put("steps", steps);
    boolean gatewayOn = args.gatewayJar().isPresent();
    boolean gstOn = args.gstreamer();
    if (gstOn && !Files.isExecutable(args.python())) {
      say("-- gstreamer: skipped (" + args.python() + " not found)");
      notes.add("GStreamer skipped: " + args.python() + " not found");
      gstOn = false;
    }
    for (int n : args.streams()) {
      JsonObject step = new JsonObject().put("streams", n);
      if (gatewayOn) {
        JsonObject g = measure("gateway", n, devices);
        step.put("gateway", g);
        if (!Boolean.TRUE.equals(g.getBoolean("zeroLoss")) && !args.keepGoing()) {
          say("   gateway: loss or errors at " + n + " streams: no larger step for it");
          gatewayOn = false;
        }
      }
      if (gstOn) {
        JsonObject s = measure("gstreamer", n, devices);
        step.put("gstreamer", s);
        if (!Boolean.TRUE.equals(s.getBoolean("zeroLoss")) && !args.keepGoing()) {
          say("   gstreamer: loss or errors at " + n + " streams: no larger step for it");
          gstOn = false;
        }
      }
      Double ratio = ratio(step, "cpuPerStreamPercent");
      step.put("cpuPerStreamRatio", ratio);
      if (ratio != null) {
        say(String.format(Locale.ROOT, "   CPU per stream at %d streams, gateway / GStreamer: %.2f", n, ratio));
      }
      steps.add(step);
      if (!gatewayOn && !gstOn) {
        break;
      }
    }

    result.put("summary", summary(steps));
    notes.add("GStreamer has no per-camera packet counters: a GStreamer stream counts as held when its session lasted"
        + " the whole step and the camera never found its socket full (no frame dropped), and its reader saw no"
        + " sequence gap. The gateway's streams are checked packet for packet against its /metrics.");
    notes.add("GStreamer depayloads and payloads again (new SSRC, sequence numbers, timestamps), so its readers'"
        + " packets cannot be matched to the cameras' and no relay latency is measured for it.");
    notes.add("Generator included: the simulator (publishers and readers) runs on the same cores as the server;"
        + " its CPU is reported per step. 'late frames' > 0 means the generator itself fell behind.");
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    result.getJsonObject("machine").put("loadAverageAtEnd", load);
    if (Math.max(load, m.getDouble("loadAverage")) > m.getInteger("cores")) {
      notes.add(String.format(Locale.ROOT, "Load average %.2f at the start and %.2f at the end on %d cores: other work"
          + " competed for the CPU; absolute figures are low and noisy.", m.getDouble("loadAverage"), load,
          m.getInteger("cores")));
    }
    result.put("notes", new JsonArray(new ArrayList<>(notes)));
    result.put("finishedAt", Instant.now().toString());
    printTable(steps);
    say(String.format(Locale.ROOT, "   load average: %.2f at the start, %.2f at the end", m.getDouble("loadAverage"), load));
    for (String n : notes) {
      say("note: " + n);
    }
    Path out = writeResult(result, started);
    say("results: " + out);
    return 0;
  }

  // ---------------------------------------------------------------------------------------------- a step

  private JsonObject measure(String kind, int n, Path devices) {
    JsonObject r = new JsonObject().put("streams", n);
    RtspTarget t = null;
    CameraSimProcess sim = null;
    try {
      Path dir = Files.createDirectories(work.resolve(kind + "-" + n));
      if (kind.equals("gateway")) {
        int readers = args.readersPer() == 0 ? 0 : (args.maxStreams() + args.readersPer() - 1) / args.readersPer();
        int maxConnections = Math.max(5000, 2 * (args.maxStreams() + readers) + 100);
        t = args.nodes() > 0
            ? RtspTarget.Cluster.start(args.nodes(), args.gatewayJar().get(), args.gatewayJavaOpts(), args.gatewayEnv(),
                dir, devices, maxConnections, args.gatewayReady())
            : RtspTarget.Gateway.start(args.gatewayJar().get(), args.gatewayJavaOpts(), args.gatewayEnv(), dir, devices,
                maxConnections, args.gatewayReady());
      } else {
        t = RtspTarget.Gstreamer.start(args.python(), dir, ID_PREFIX, args.maxStreams());
        r.put("version", ((RtspTarget.Gstreamer) t).version());
      }
      running.add(t);
      say("-- " + kind + ", " + n + " streams: " + t.describe());
      Thread.sleep(args.settle().toMillis());
      RtspTarget.Memory idle = t.memory();
      String tag = kind + "/" + n;
      sim = CameraSimProcess.start(args.simJar(), args.simJavaOpts(), simArgs(t, n), dir.resolve("simulator.err"),
          args.quiet() ? null : line -> {
            if (line.startsWith("stats ") || line.startsWith("ramp")) {
              System.out.println("      [" + tag + "] " + line);
            }
          });
      running.add(sim);
      String rampEnd = sim.awaitRampEnd(rampTimeoutMillis(n) + 10_000);
      if (rampEnd == null) {
        throw new IOException("the simulator did not finish its ramp; its last lines:\n" + sim.lastLines());
      }
      r.put("rampEnd", rampEnd);
      Thread.sleep(args.warmup().toMillis());

      sim.command("window");
      long w0 = System.nanoTime();
      double cpu0 = t.cpuSeconds();
      double proc0 = t.processCpuSeconds();
      double sim0 = Proc.cpuSeconds(sim.pid());
      Thread.sleep(args.duration().toMillis());
      double cpu1 = t.cpuSeconds();
      double proc1 = t.processCpuSeconds();
      double sim1 = Proc.cpuSeconds(sim.pid());
      double seconds = (System.nanoTime() - w0) / 1e9;
      long threads = Proc.threads(t.pid());
      RtspTarget.Memory loaded = t.memory();
      JsonObject sum = sim.stop(60_000);
      if (sum == null) {
        throw new IOException("the simulator printed no summary; its last lines:\n" + sim.lastLines());
      }
      JsonObject s = sum.getJsonObject("summary");
      Thread.sleep(args.drain().toMillis());
      Map<String, RtspTarget.CameraCounters> counters = t.cameraCounters();
      sim.exit(20_000);
      running.remove(sim);
      t.close();
      running.remove(t);
      return figures(kind, t, n, r, s, counters, idle, loaded, seconds, cpu1 - cpu0, proc1 - proc0, sim1 - sim0,
          threads);
    } catch (Exception e) {
      say("   " + kind + " at " + n + " streams failed: " + e);
      r.put("error", e.toString()).put("zeroLoss", false);
      if (t != null) {
        r.put("logTail", new JsonArray(new ArrayList<>(t.logTail(15))));
        t.logTail(15).forEach(l -> say("   | " + l));
      }
      return r;
    } finally {
      if (sim != null) {
        sim.close();
        running.remove(sim);
      }
      if (t != null) {
        t.close();
        running.remove(t);
      }
    }
  }

  private long rampTimeoutMillis(int n) {
    double rate = args.rampRate() <= 0 ? 1000 : args.rampRate();
    int readers = args.readersPer() == 0 ? 0 : (n + args.readersPer() - 1) / args.readersPer();
    return (long) ((n + readers) / rate * 1000) + 60_000;
  }

  private List<String> simArgs(RtspTarget t, int n) {
    List<String> a = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", Integer.toString(t.port),
        "--reader-port", Integer.toString(t.readerPort), "--reader-path-prefix", t.readerPathPrefix(),
        "--streams", Integer.toString(n), "--id-prefix", ID_PREFIX, "--secret-seed", args.secretSeed(),
        "--file", args.file().toAbsolutePath().toString(), "--fps", Integer.toString(args.fps()),
        "--mtu", Integer.toString(args.mtu()), "--ramp-rate", args.rampRate() <= 0 ? "max" : Double.toString(args.rampRate()),
        "--readers-per", Integer.toString(args.readersPer()), "--match-sequence", Boolean.toString(t.relaysUnchanged()),
        "--threads", Integer.toString(args.simThreads()), "--reader-threads", Integer.toString(args.simReaderThreads()),
        "--tick", Cli.format(args.tick()), "--ramp-timeout", (rampTimeoutMillis(n) / 1000) + "s",
        "--stats-every", "5s", "--duration", "0"));
    if (t instanceof RtspTarget.Cluster c) {
      a.addAll(List.of("--ports", String.join(",", c.ports().stream().map(String::valueOf).toList())));
    }
    return a;
  }

  /** The step's figures from the simulator's summary, the server's counters and the /proc readings. */
  private JsonObject figures(String kind, RtspTarget t, int n, JsonObject r, JsonObject s,
                             Map<String, RtspTarget.CameraCounters> counters, RtspTarget.Memory idle,
                             RtspTarget.Memory loaded, double seconds, double cpu, double processCpu, double simCpu,
                             long threads) {
    JsonObject w = s.getJsonObject("window");
    double mbps = num(w, "mbitPerS");
    int publishing = s.getInteger("publishing");
    double cores = cpu / seconds;
    // Loss, camera by camera.
    JsonObject cams = s.getJsonObject("cameras", new JsonObject());
    int held = 0;
    long sent = 0;
    long counted = 0;
    long lost = 0;
    long discarded = 0;
    long dropped = 0;
    List<String> examples = new ArrayList<>();
    for (String id : cams.fieldNames().stream().sorted().toList()) {
      JsonArray a = cams.getJsonArray(id);
      long cSent = a.getLong(0);
      long cDropped = a.getLong(1);
      boolean streaming = a.getLong(2) == 1;
      sent += cSent;
      dropped += cDropped;
      boolean ok = streaming && cDropped == 0;
      String why = streaming ? "" : "session ended early; ";
      if (cDropped > 0) {
        why += cDropped + " packets dropped by the camera (socket full); ";
      }
      if (counters != null) {
        RtspTarget.CameraCounters c = counters.get(id);
        long cCounted = c == null ? 0 : c.packets();
        counted += cCounted;
        if (c != null) {
          lost += c.lost();
          discarded += c.framesDiscarded();
        }
        if (c == null || cCounted != cSent || c.lost() != 0 || c.framesDiscarded() != 0) {
          ok = false;
          why += c == null ? "no counters at the server; " : "sent " + cSent + ", server counted " + cCounted
              + ", lost " + c.lost() + ", frames discarded " + c.framesDiscarded() + "; ";
        }
      }
      if (ok) {
        held++;
      } else if (examples.size() < 5) {
        examples.add(id + ": " + why.replaceAll("; $", ""));
      }
    }
    long readerLost = s.getLong("readerLostPackets");
    int readers = s.getInteger("readers");
    int playing = s.getInteger("playing");
    boolean zeroLoss = held == n && readerLost == 0 && playing == readers;
    JsonObject loss = new JsonObject()
        .put("heldWithZeroLoss", held)
        .put("camerasWithLoss", n - held)
        .put("sentPackets", sent)
        .put("serverCountedPackets", counters == null ? null : counted)
        .put("serverLostPackets", counters == null ? null : lost)
        .put("serverFramesDiscarded", counters == null ? null : discarded)
        .put("droppedByCameras", dropped)
        .put("examples", new JsonArray(new ArrayList<>(examples)))
        .put("method", counters == null
            ? "session alive at the end and no frame dropped by the camera; reader sequence gaps"
            : "per camera: packets sent = gateway_camera_packets_total, gateway_camera_packets_lost = 0, "
            + "gateway_camera_frames_discarded_total = 0, no frame dropped by the camera; reader sequence gaps");
    JsonObject mem = new JsonObject().put("idle", idle.toJson()).put("loaded", loaded.toJson());
    Long heapPer = idle.heapBytes() >= 0 && loaded.heapBytes() >= 0 ? (loaded.heapBytes() - idle.heapBytes()) / n : null;
    Long directPer = idle.directBytes() >= 0 && loaded.directBytes() >= 0
        ? (loaded.directBytes() - idle.directBytes()) / n : null;
    Long rssPer = idle.rssBytes() >= 0 && loaded.rssBytes() >= 0 ? (loaded.rssBytes() - idle.rssBytes()) / n : null;
    mem.put("heapBytesPerStream", heapPer).put("directBytesPerStream", directPer).put("rssBytesPerStream", rssPer)
        .put("threads", threads);
    JsonObject lat = w.getJsonObject("latencyMs");
    if (lat != null && lat.getValue("p50") == null) {
      lat = null; // no packet matched: nothing to report
    }
    r.put("server", t.describe())
        .put("zeroLoss", zeroLoss)
        .put("publishing", publishing)
        .put("publisherSetupFailures", s.getLong("publisherSetupFailures"))
        .put("publisherDisconnects", s.getLong("publisherDisconnects"))
        .put("readers", readers)
        .put("playing", playing)
        .put("windowSeconds", round(seconds, 2))
        .put("ingestMbitPerS", mbps)
        .put("ingestPacketsPerS", w.getDouble("packetsPerS"))
        .put("readerMbitPerS", w.getDouble("readerMbitPerS"))
        .put("serverCpuCores", round(cores, 4))
        .put("serverProcessCpuCores", round(processCpu / seconds, 4))
        .put("cpuPerStreamPercent", publishing > 0 ? round(cores * 100 / publishing, 4) : null)
        .put("cpuPerMbitPercent", mbps > 0 ? round(cores * 100 / mbps, 4) : null)
        .put("simulatorCpuCores", round(simCpu / seconds, 4))
        .put("generatorLateFrames", w.getLong("lateFrames"))
        .put("generatorMaxLagMs", w.getDouble("maxLagMs"))
        .put("memory", mem)
        .put("loss", loss)
        .put("readerLostPackets", readerLost)
        .put("readersWithLoss", s.getInteger("readersWithLoss"))
        .put("readerLatencyMs", lat)
        .put("failureSamples", s.getJsonArray("failureSamples"));
    if (lat != null) {
      r.put("readerLatencyHistogram", s.getJsonArray("latencyHistogram"));
    }
    // Printed as measured.
    say(String.format(Locale.ROOT, "   %s %d: held with zero loss %d/%d (%s); readers %d/%d playing, %d packets lost at"
            + " readers", kind, n, held, n, counters == null ? "session kept, no camera-side drops"
            : String.format(Locale.ROOT, "sent %,d packets, counted %,d, lost %d, frames discarded %d, dropped by"
            + " cameras %d", sent, counted, lost, discarded, dropped), playing, readers, readerLost));
    examples.forEach(e -> say("      loss: " + e));
    say(String.format(Locale.ROOT, "   %s %d: ingest %.1f Mbit/s (%.0f packets/s), readers %.1f Mbit/s%s", kind, n, mbps,
        w.getDouble("packetsPerS"), w.getDouble("readerMbitPerS"), lat == null ? "" : String.format(Locale.ROOT,
            ", relay latency p50 %.2f ms p99 %.2f ms (%d packets)", num(lat, "p50"), num(lat, "p99"),
            lat.getLong("count"))));
    say(String.format(Locale.ROOT, "   %s %d: CPU %.3f cores%s = %.3f %% of a core per stream, %.3f %% per Mbit/s;"
            + " simulator %.3f cores, %d late frames (max lag %.1f ms)", kind, n, cores, kind.equals("gateway")
            ? String.format(Locale.ROOT, " (JVM and its embedded PostgreSQL; the JVM alone %.3f)", processCpu / seconds) : "",
        publishing > 0 ? cores * 100 / publishing : Double.NaN, mbps > 0 ? cores * 100 / mbps : Double.NaN,
        simCpu / seconds, w.getLong("lateFrames"), w.getDouble("maxLagMs")));
    say(String.format(Locale.ROOT, "   %s %d: memory per stream (loaded - idle) / %d: %s%s%s; %d threads (%s)", kind,
        n, n, heapPer == null ? "" : "live heap " + kib(heapPer) + ", ",
        directPer == null ? "" : "direct " + kib(directPer) + ", ",
        rssPer == null ? "RSS unknown" : "RSS " + kib(rssPer), threads, loaded.method()));
    return r;
  }

  private static Double ratio(JsonObject step, String field) {
    JsonObject g = step.getJsonObject("gateway");
    JsonObject s = step.getJsonObject("gstreamer");
    if (g == null || s == null || g.getDouble(field) == null || s.getDouble(field) == null || s.getDouble(field) == 0) {
      return null;
    }
    return round(g.getDouble(field) / s.getDouble(field), 3);
  }

  private JsonObject summary(JsonArray steps) {
    JsonObject out = new JsonObject().put("targetStreams", TARGET_STREAMS);
    for (String kind : List.of("gateway", "gstreamer")) {
      Integer best = null;
      for (int i = 0; i < steps.size(); i++) {
        JsonObject x = steps.getJsonObject(i).getJsonObject(kind);
        if (x != null && Boolean.TRUE.equals(x.getBoolean("zeroLoss"))) {
          best = x.getInteger("streams");
        }
      }
      out.put(kind + "MaxStreamsZeroLoss", best);
    }
    Double ratio = null;
    Integer at = null;
    for (int i = 0; i < steps.size(); i++) {
      Double r = steps.getJsonObject(i).getDouble("cpuPerStreamRatio");
      if (r != null) {
        ratio = r;
        at = steps.getJsonObject(i).getInteger("streams");
      }
    }
    return out.put("cpuPerStreamRatio", ratio).put("cpuPerStreamRatioAtStreams", at);
  }

  private void printTable(JsonArray steps) {
    say("== RTSP summary (same run, same machine)");
    say(String.format(Locale.ROOT, "   %7s  %-9s  %11s  %9s  %9s  %10s  %11s  %11s  %11s  %11s  %15s  %8s", "streams",
        "server", "held/N", "ingest", "CPU", "%core", "%core", "live heap", "direct", "RSS", "reader latency", "reader"));
    say(String.format(Locale.ROOT, "   %7s  %-9s  %11s  %9s  %9s  %10s  %11s  %11s  %11s  %11s  %15s  %8s", "", "",
        "zero loss", "Mbit/s", "cores", "/stream", "/Mbit/s", "/stream", "/stream", "/stream", "p50/p99 ms", "loss"));
    for (int i = 0; i < steps.size(); i++) {
      JsonObject step = steps.getJsonObject(i);
      for (String kind : List.of("gateway", "gstreamer")) {
        JsonObject x = step.getJsonObject(kind);
        if (x == null) {
          continue;
        }
        if (x.getString("error") != null) {
          say(String.format(Locale.ROOT, "   %7d  %-9s  failed: %s", step.getInteger("streams"), kind, x.getString("error")));
          continue;
        }
        JsonObject mem = x.getJsonObject("memory");
        JsonObject lat = x.getJsonObject("readerLatencyMs");
        say(String.format(Locale.ROOT, "   %7d  %-9s  %11s  %9.1f  %9.3f  %10.3f  %11.3f  %11s  %11s  %11s  %15s  %8d",
            step.getInteger("streams"), kind, x.getJsonObject("loss").getInteger("heldWithZeroLoss") + "/"
                + step.getInteger("streams"), x.getDouble("ingestMbitPerS"), x.getDouble("serverCpuCores"),
            num(x, "cpuPerStreamPercent"), num(x, "cpuPerMbitPercent"),
            mem.getLong("heapBytesPerStream") == null ? "-" : kib(mem.getLong("heapBytesPerStream")),
            mem.getLong("directBytesPerStream") == null ? "-" : kib(mem.getLong("directBytesPerStream")),
            mem.getLong("rssBytesPerStream") == null ? "-" : kib(mem.getLong("rssBytesPerStream")),
            lat == null || lat.getValue("p50") == null ? "-" : String.format(Locale.ROOT, "%.2f/%.2f",
                num(lat, "p50"), num(lat, "p99")), x.getLong("readerLostPackets")));
      }
      Double r = step.getDouble("cpuPerStreamRatio");
      if (r != null) {
        say(String.format(Locale.ROOT, "   %7s  CPU per stream, gateway / GStreamer: %.2f", "", r));
      }
    }
    JsonObject s = summary(steps);
    say("   most streams held with zero loss (target " + TARGET_STREAMS + ", generator included): gateway "
        + orDash(s.getValue("gatewayMaxStreamsZeroLoss")) + ", GStreamer " + orDash(s.getValue("gstreamerMaxStreamsZeroLoss")));
  }

  /** A number of a JSON object, NaN when absent or null. */
  static double num(JsonObject o, String key) {
    Object v = o == null ? null : o.getValue(key);
    return v instanceof Number x ? x.doubleValue() : Double.NaN;
  }

  private static String orDash(Object o) {
    return o == null ? "-" : o.toString();
  }

  static String kib(long bytes) {
    return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Double.isFinite(v) ? Math.round(v * f) / f : 0;
  }

  // --------------------------------------------------------------------------------------------- helpers

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
        .put("loadAverage", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  private JsonObject settings() {
    return new JsonObject()
        .put("streams", new JsonArray(new ArrayList<>(args.streams())))
        .put("durationSeconds", args.duration().toSeconds())
        .put("warmupSeconds", args.warmup().toSeconds())
        .put("drainSeconds", args.drain().toSeconds())
        .put("readersPer", args.readersPer())
        .put("rampRate", args.rampRate())
        .put("file", args.file().toString())
        .put("clip", clip.describe())
        .put("clipRtpKbitPerS", round(clip.rtpBitsPerSecond() / 1000, 1))
        .put("fps", args.fps())
        .put("mtu", args.mtu())
        .put("transport", "RTP/AVP/TCP interleaved")
        .put("gatewayJar", args.gatewayJar().map(Path::toString).orElse(null))
        .put("gatewayJavaOpts", String.join(" ", args.gatewayJavaOpts()))
        .put("gatewayEnv", new JsonObject(new java.util.LinkedHashMap<>(args.gatewayEnv())))
        .put("gatewayBcryptCost", 4)
        .put("gstreamer", args.gstreamer())
        .put("simJavaOpts", String.join(" ", args.simJavaOpts()))
        .put("simThreads", args.simThreads())
        .put("simReaderThreads", args.simReaderThreads())
        .put("tick", Cli.format(args.tick()))
        .put("keepGoing", args.keepGoing());
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

  /** Stops what is still running and removes the work dir (unless --keep); runs on exit and on Ctrl-C. */
  private void cleanUp() {
    for (AutoCloseable c : new ArrayList<>(running)) {
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
