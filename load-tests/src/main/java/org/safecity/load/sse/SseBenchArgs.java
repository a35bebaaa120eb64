package org.safecity.load.sse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.safecity.load.Cli;

/** The SSE benchmark's command line; see {@link #USAGE}. */
record SseBenchArgs(
    List<Integer> subscribers, String source, double rate, int regions, Duration duration, Duration warmup, Duration settle,
    double connectRate, int maxPending, boolean storm, Duration stormGap, Duration stormTimeout, Duration after,
    Duration drainTimeout,
    Optional<Path> gatewayJar, List<String> gatewayJavaOpts, Map<String, String> gatewayEnv, Duration gatewayReady,
    int nodes, int boxesPerRegion, String secretSeed,
    boolean nchan, Path nginxBin, Path nchanModule, int nchanWorkers, int nchanBuffer, int payloadBytes,
    boolean keepGoing, boolean keep, Path resultsDir) {

  static final String USAGE = String.join("\n",
      "usage: sse-bench.sh [options]     (java -cp safecity-load.jar org.safecity.load.sse.SseBenchmark)",
      "",
      "Load:",
      "  --subscribers 1000,5000,10000  steps: SSE subscribers held at once, spread evenly over the regions",
      "  --rate 100                  alarms committed per second, all regions together (round robin)",
      "  --source alarms             gateway: what is committed and followed. alarms: boxes open and close their doors,",
      "                              subscribers follow alarm.raised (the health model raises them); box-events: one",
      "                              cmd-result event a message, subscribers follow box.event (no health model between)",
      "  --regions 10                regions; each subscriber follows one, so each alarm goes to subscribers/regions",
      "  --duration 30s              measured window per step",
      "  --warmup 5s                 after every subscriber is connected, before the window",
      "  --settle 5s                 after the server started and the publisher runs, before the idle memory read",
      "  --connect-rate 2000/s       pace of the subscribers' first connects ('max' = unpaced)",
      "  --max-pending 500           first connects in flight at once",
      "  --storm on|off              the resume storm after the window (default on)",
      "  --storm-gap 1s              how long every subscriber stays away (publishing goes on)",
      "  --storm-timeout 60s         how long the storm may take until every subscriber has caught up",
      "  --after 5s                  publishing after the storm, before the publisher stops",
      "  --drain-timeout 30s         after the publisher stopped: how long subscribers may take to get the last event",
      "  --keep-going                run every step even after a step where a server lost events or fell behind",
      "Gateway (the system under test):",
      "  --gateway-jar PATH          start this gateway jar here (sse-bench.sh --gateway: the repo's target/ jar)",
      "  --gateway-java-opts '-Xmx2g'",
      "  --gateway-env K=V,K=V       extra environment (SAFECITY_* settings), printed with the others",
      "  --gateway-ready-timeout 180s",
      "  --nodes N                   a cluster of N edge nodes sharing one PostgreSQL (cluster-bench.sh); subscriber i",
      "                              connects to node i mod N, the door boxes spread likewise (default: one gateway",
      "                              with its embedded PostgreSQL)",
      "  --boxes-per-region 20       MQTT boxes per region whose doors open and close to raise the alarms",
      "  --secret-seed safecity-sse-bench  box and account secrets derive from this",
      "Peer (nginx with the Nchan module):",
      "  --nchan on|off              run it (default on)",
      "  --nginx-bin /usr/sbin/nginx",
      "  --nchan-module /usr/lib/nginx/modules/ngx_nchan_module.so",
      "  --nchan-workers 2           nginx worker processes (default: the core count)",
      "  --nchan-buffer 1000         messages kept per channel for resuming (nchan_message_buffer_length)",
      "  --payload-bytes 0           size of each published message's data; 0 = the mean size of the gateway's",
      "                              alarm events in the same step (or 400 without a gateway)",
      "Other:",
      "  --results-dir results       where <timestamp>.json goes",
      "  --keep                      keep the temp dir (logs, configs, gateway data)");

  static final class HelpRequested extends RuntimeException {
    HelpRequested() {
      super(null, null, false, false);
    }
  }

  static SseBenchArgs parse(String[] argv) {
    Cli c = new Cli(argv, Set.of("keep", "keep-going", "help"));
    if (c.has("help")) {
      throw new HelpRequested();
    }
    List<Integer> subs = new ArrayList<>();
    for (String s : c.string("subscribers", "1000,5000,10000").split(",")) {
      if (!s.isBlank()) {
        try {
          int n = Integer.parseInt(s.trim().replace("_", ""));
          if (n < 1 || n > 19_000) {
            throw new IllegalArgumentException("--subscribers: each step must be 1..19000 (one client process, 20000 open files)");
          }
          subs.add(n);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--subscribers: not a list of numbers: " + s);
        }
      }
    }
    if (subs.isEmpty()) {
      throw new IllegalArgumentException("--subscribers: no step given");
    }
    String source = c.string("source", "alarms");
    if (!source.equals("alarms") && !source.equals("box-events")) {
      throw new IllegalArgumentException("--source: alarms or box-events, not '" + source + "'");
    }
    double rate = c.rate("rate", 100);
    if (rate <= 0) {
      throw new IllegalArgumentException("--rate must be above 0");
    }
    int regions = c.integer("regions", 10, 1, 100);
    Duration duration = c.duration("duration", Duration.ofSeconds(30));
    Duration warmup = c.duration("warmup", Duration.ofSeconds(5));
    Duration settle = c.duration("settle", Duration.ofSeconds(5));
    double connectRate = c.rate("connect-rate", 2000);
    int maxPending = c.integer("max-pending", 500, 1, 20_000);
    boolean storm = !c.has("storm") || c.flag("storm");
    Duration stormGap = c.duration("storm-gap", Duration.ofSeconds(1));
    Duration stormTimeout = c.duration("storm-timeout", Duration.ofSeconds(60));
    Duration after = c.duration("after", Duration.ofSeconds(5));
    Duration drain = c.duration("drain-timeout", Duration.ofSeconds(30));
    Optional<Path> jar = Optional.ofNullable(c.string("gateway-jar", null)).map(Path::of);
    List<String> javaOpts = split(c.string("gateway-java-opts", "-Xmx2g"));
    Map<String, String> env = new LinkedHashMap<>();
    for (String kv : c.string("gateway-env", "").split(",")) {
      if (kv.isBlank()) {
        continue;
      }
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--gateway-env: expected K=V, got '" + kv + "'");
      }
      env.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    Duration ready = c.duration("gateway-ready-timeout", Duration.ofSeconds(180));
    int nodes = c.integer("nodes", 0, 0, 16);
    int boxes = c.integer("boxes-per-region", 20, 1, 1000);
    String seed = c.string("secret-seed", "safecity-sse-bench");
    boolean nchan = !c.has("nchan") || c.flag("nchan");
    Path nginx = Path.of(c.string("nginx-bin", "/usr/sbin/nginx"));
    Path module = Path.of(c.string("nchan-module", "/usr/lib/nginx/modules/ngx_nchan_module.so"));
    int workers = c.integer("nchan-workers", Runtime.getRuntime().availableProcessors(), 1, 64);
    int buffer = c.integer("nchan-buffer", 1000, 10, 1_000_000);
    int payload = c.integer("payload-bytes", 0, 0, 65_536);
    boolean keepGoing = c.flag("keep-going");
    boolean keep = c.flag("keep");
    Path results = Path.of(c.string("results-dir", "results"));
    c.finish();
    if (regions > subs.stream().mapToInt(Integer::intValue).min().getAsInt()) {
      throw new IllegalArgumentException("--regions " + regions + " is more than the smallest step's subscribers");
    }
    return new SseBenchArgs(List.copyOf(subs), source, rate, regions, duration, warmup, settle, connectRate, maxPending, storm,
        stormGap, stormTimeout, after, drain, jar, javaOpts, env, ready, nodes, boxes, seed, nchan, nginx, module, workers,
        buffer, payload, keepGoing, keep, results);
  }

  private static List<String> split(String s) {
    return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
  }

  /** Region names: {@code r01}, {@code r02}, ... */
  List<String> regionNames() {
    List<String> names = new ArrayList<>(regions);
    for (int i = 1; i <= regions; i++) {
      names.add(String.format("r%02d", i));
    }
    return names;
  }
}
