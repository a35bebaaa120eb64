package org.safecity.load.rtsp;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.safecity.load.Cli;

/** The RTSP benchmark's command line. See {@link #USAGE}. */
record RtspBenchArgs(
    Optional<Path> gatewayJar, List<String> gatewayJavaOpts, Map<String, String> gatewayEnv, Duration gatewayReady,
    int nodes, boolean gstreamer, Path python, List<Integer> streams, Duration duration, Duration warmup, Duration drain,
    Duration settle, int readersPer, double rampRate, Path file, int fps, int mtu, Path simJar, List<String> simJavaOpts,
    int simThreads, int simReaderThreads, Duration tick, Path resultsDir, String secretSeed, boolean keepGoing,
    boolean keep, boolean quiet) {

  static final String USAGE = String.join("\n",
      "usage: rtsp-bench.sh [options]   (java -cp safecity-load.jar org.safecity.load.rtsp.RtspBenchmark)",
      "",
      "Systems under test (each step starts a fresh one):",
      "  --gateway-jar PATH          the gateway jar (rtsp-bench.sh --gateway = <repo>/target/safecity-gateway.jar)",
      "  --gateway-java-opts '-Xmx2g'  its JVM options",
      "  --gateway-env K=V,K=V       extra SAFECITY_* environment for it",
      "  --gateway-ready-timeout 180s",
      "  --nodes N                   a cluster of N gateway edge nodes sharing one PostgreSQL (cluster-bench.sh):",
      "                              camera i goes to node i mod N and is read back there (default: one gateway)",
      "  --gstreamer on|off          GStreamer's gst-rtsp-server as the peer (default on), run with:",
      "  --python /usr/bin/python3   (Debian's python3 with python3-gi and gir1.2-gst-rtsp-server-1.0)",
      "Load:",
      "  --streams 100,250,500,1000  steps: concurrent publishers; escalation stops at a step with loss",
      "  --keep-going                run every step even after one lost packets",
      "  --duration 30s              measured window per step (CPU, Mbit/s, latency)",
      "  --warmup 5s                 unmeasured time between the end of the ramp and the window",
      "  --drain 3s                  wait after the cameras stop before reading the server's counters",
      "  --settle 3s                 wait after the server is ready before its idle memory is read",
      "  --readers-per 10            one reader per this many cameras (0 = no readers)",
      "  --ramp-rate 100/s           new connections per second (publishers, then readers)",
      "  --file PATH                 the Annex-B H.264 file every camera loops (rtsp-bench.sh makes it)",
      "  --fps 25  --mtu 1400",
      "Simulator:",
      "  --sim-jar PATH              (default: the jar this runs from)",
      "  --sim-java-opts '-Xmx1g'",
      "  --sim-threads 2             publisher event loops; --sim-reader-threads 1; --tick 5ms",
      "Other:",
      "  --results-dir results       where <timestamp>.json goes",
      "  --secret-seed safecity-bench  camera secrets derive from this",
      "  --keep                      keep the temp dir (logs, devices file, gateway data)",
      "  --quiet                     do not echo the simulator's stats lines");

  static RtspBenchArgs parse(String[] argv, Path defaultJar) {
    Cli c = new Cli(argv, Set.of("keep", "quiet", "help", "keep-going"));
    if (c.has("help")) {
      throw new CameraSimArgs.HelpRequested();
    }
    Optional<Path> jar = Optional.ofNullable(c.string("gateway-jar", null)).map(Path::of);
    List<String> opts = split(c.string("gateway-java-opts", "-Xmx2g"));
    Map<String, String> env = new LinkedHashMap<>();
    for (String kv : c.string("gateway-env", "").split(",")) {
      if (kv.isBlank()) {
        continue;
      }
      int eq = kv.indexOf('=');
      if (eq <= 0 || !kv.startsWith("SAFECITY_")) {
        throw new IllegalArgumentException("--gateway-env: expected SAFECITY_KEY=value, got '" + kv + "'");
      }
      env.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    Duration ready = c.duration("gateway-ready-timeout", Duration.ofSeconds(180));
    int nodes = c.integer("nodes", 0, 0, 16);
    String gst = c.string("gstreamer", "on").toLowerCase(Locale.ROOT);
    if (!gst.equals("on") && !gst.equals("off")) {
      throw new IllegalArgumentException("--gstreamer must be on or off");
    }
    Path python = Path.of(c.string("python", "/usr/bin/python3"));
    List<Integer> streams = new ArrayList<>();
    for (String s : c.string("streams", "100,250,500,1000").split(",")) {
      try {
        int n = Integer.parseInt(s.trim().replace("_", ""));
        if (n < 1 || n > 9000) {
          throw new NumberFormatException();
        }
        streams.add(n);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--streams: expected a list of counts 1..9000 like 100,250,500, got '" + s + "'");
      }
    }
    Duration duration = c.duration("duration", Duration.ofSeconds(30));
    if (duration.isZero()) {
      throw new IllegalArgumentException("--duration must be above 0");
    }
    Duration warmup = c.duration("warmup", Duration.ofSeconds(5));
    Duration drain = c.duration("drain", Duration.ofSeconds(3));
    Duration settle = c.duration("settle", Duration.ofSeconds(3));
    int readersPer = c.integer("readers-per", 10, 0, 1_000_000);
    double ramp = c.rate("ramp-rate", 100);
    String file = c.string("file", null);
    if (file == null) {
      throw new IllegalArgumentException("--file is required (rtsp-bench.sh makes load-tests/target/*.h264 with ffmpeg)");
    }
    int fps = c.integer("fps", 25, 1, 240);
    int mtu = c.integer("mtu", 1400, 100, 65_000);
    Path simJar = Path.of(c.string("sim-jar", defaultJar == null ? "target/safecity-load.jar" : defaultJar.toString()));
    List<String> simOpts = split(c.string("sim-java-opts", "-Xmx1g"));
    int simThreads = c.integer("sim-threads", 2, 1, 64);
    int simReaderThreads = c.integer("sim-reader-threads", 1, 0, 64);
    Duration tick = c.duration("tick", Duration.ofMillis(5));
    Path results = Path.of(c.string("results-dir", "results"));
    String seed = c.string("secret-seed", Credentials.DEFAULT_SEED);
    boolean keepGoing = c.flag("keep-going");
    boolean keep = c.flag("keep");
    boolean quiet = c.flag("quiet");
    c.finish();
    if (jar.isEmpty() && gst.equals("off")) {
      throw new IllegalArgumentException("nothing to measure: give --gateway-jar and/or leave --gstreamer on");
    }
    return new RtspBenchArgs(jar, opts, env, ready, nodes, gst.equals("on"), python, List.copyOf(streams), duration, warmup,
        drain, settle, readersPer, ramp, Path.of(file), fps, mtu, simJar, simOpts, simThreads, simReaderThreads, tick,
        results, seed, keepGoing, keep, quiet);
  }

  int maxStreams() {
    return streams.stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  private static List<String> split(String s) {
    return s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
  }
}
