package org.safecity.load;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The benchmark's command line. See {@link #USAGE}; {@code --full} switches the defaults to the full run. */
record BenchArgs(
    Optional<URI> broker, Optional<URI> api, String apiToken, long brokerPid,
    Optional<Path> gatewayJar, List<String> gatewayJavaOpts, Map<String, String> gatewayEnv, Duration gatewayReady,
    int nodes, boolean mosquitto, Path mosquittoBin,
    Path simJar, List<String> simJavaOpts, int boxesPerProcess,
    int idleBoxes, double idleConnectRate, Duration idleHold,
    int rateBoxes, int rateRuns, int rateMaxPending,
    int tpBoxes, int tpInflight, Duration tpDuration, Duration tpWarmup, int tpRuns,
    int alarmKills, int alarmBoxesPerKill, int alarmDoors, int alarmThefts, Duration alarmTimeout, long pollMillis,
    Set<String> phases, Path resultsDir, Optional<Path> writeDevices, String secretSeed, String region,
    boolean keep, boolean full, boolean quiet) {

  static final List<String> ALL_PHASES = List.of("idle", "rate", "throughput", "alarms");

  static final String USAGE = String.join("\n",
      "usage: mqtt-bench.sh [options]     (java -cp safecity-load.jar org.safecity.load.MqttBenchmark)",
      "",
      "System under test (pick one; without any, only the Mosquitto peer runs):",
      "  --gateway-jar PATH          start this gateway jar here (temp data dir, loopback ports, generated devices)",
      "  --broker mqtt://HOST:PORT   a gateway (or any broker) that already runs; its boxes must be registered:",
      "                              see --write-devices",
      "  --api http://HOST:PORT      that gateway's HTTP base: alarm latency and heap per connection need it",
      "  --api-token TOKEN           bearer token for the API, if it wants one",
      "  --broker-pid PID            pid of that broker, to read its RSS and CPU time",
      "  --gateway-java-opts '-Xmx4g'  JVM options for a gateway started here",
      "  --gateway-env K=V,K=V       extra environment for a gateway started here (SAFECITY_* settings)",
      "  --gateway-ready-timeout 180s",
      "  --nodes N                   a cluster of N gateway edge nodes sharing one PostgreSQL (cluster-bench.sh): the",
      "                              rate and throughput simulators spread over the nodes (default: one gateway with",
      "                              its embedded PostgreSQL)",
      "Peer:",
      "  --mosquitto on|off          run Debian's mosquitto as the peer (default on)",
      "  --mosquitto-bin /usr/sbin/mosquitto",
      "Load (defaults: short run / --full run):",
      "  --idle-boxes 2000 / 19000   idle connections to open and hold",
      "  --idle-connect-rate 2000/s  pace of the idle phase (all processes together; 'max' = unpaced)",
      "  --idle-hold 10s / 30s       how long they must stay connected",
      "  --boxes-per-process 10000   boxes per simulator process (at most ~19000: 20000 open files each)",
      "  --rate-boxes 2000 / 5000    connections per connection-rate run (unpaced)",
      "  --rate-runs 3 / 5           connection-rate runs (the median is reported)",
      "  --rate-max-pending 96       connects in flight at once in a rate run (all processes together); above",
      "                              100, Mosquitto's fixed listen backlog drops SYNs (1 s retransmits)",
      "  --tp-boxes 50               connections publishing in the throughput run",
      "  --tp-inflight 10            unacknowledged QoS 1 messages each keeps in flight",
      "  --tp-duration 20s / 60s     measured part of a throughput run",
      "  --tp-warmup 5s / 10s        unmeasured start of a throughput run (JIT, caches)",
      "  --tp-runs 1 / 3             throughput runs (the median is reported)",
      "  --alarm-kills 3 / 10        kill -9 of a simulator process holding --alarm-boxes-per-kill boxes",
      "  --alarm-boxes-per-kill 5",
      "  --alarm-doors 5 / 20        door-open probes",
      "  --alarm-thefts 2 / 5        door open -> moved 200 m -> socket dropped probes",
      "  --alarm-timeout 30s         an alarm not seen within this counts as missed",
      "  --poll-every 20ms           event-log poll period (adds up to this to every alarm latency)",
      "  --phases idle,rate,throughput,alarms",
      "  --full                      the full run: 19000 idle boxes and longer, repeated measurements",
      "Other:",
      "  --sim-jar PATH              simulator jar (default: the jar this runs from)",
      "  --sim-java-opts '-Xmx768m'  JVM options of each simulator process",
      "  --results-dir results       where <timestamp>.json goes",
      "  --write-devices FILE        write the devices YAML the runs need (for a gateway you start) and exit",
      "  --secret-seed safecity-bench  per-box secrets derive from this (see the simulator's --secret-seed)",
      "  --region south",
      "  --keep                      keep the temp dir (logs, gateway data)",
      "  --quiet                     do not echo the simulators' stats lines");

  static BenchArgs parse(String[] argv, Path defaultJar) {
    Cli c = new Cli(argv, Set.of("full", "keep", "quiet", "help"));
    if (c.has("help")) {
      throw new SimulatorArgs.HelpRequested();
    }
    boolean full = c.flag("full");
    Optional<URI> broker = Optional.ofNullable(c.string("broker", null)).map(URI::create);
    broker.ifPresent(u -> {
      if (!"mqtt".equals(u.getScheme()) && !"tcp".equals(u.getScheme())) {
        throw new IllegalArgumentException("--broker must look like mqtt://127.0.0.1:1883");
      }
    });
    Optional<URI> api = Optional.ofNullable(c.string("api", null)).map(URI::create);
    String token = c.string("api-token", null);
    long pid = c.longValue("broker-pid", -1);
    Optional<Path> gatewayJar = Optional.ofNullable(c.string("gateway-jar", null)).map(Path::of);
    if (gatewayJar.isPresent() && broker.isPresent()) {
      throw new IllegalArgumentException("give --gateway-jar (start one here) or --broker (use a running one), not both");
    }
    if (api.isPresent() && broker.isEmpty()) {
      throw new IllegalArgumentException("--api goes with --broker");
    }
    List<String> gwOpts = split(c.string("gateway-java-opts", "-Xmx4g"));
    Map<String, String> gwEnv = new LinkedHashMap<>();
    for (String kv : c.string("gateway-env", "").split(",")) {
      if (kv.isBlank()) {
        continue;
      }
      int eq = kv.indexOf('=');
      if (eq <= 0 || !kv.startsWith("SAFECITY_")) {
        throw new IllegalArgumentException("--gateway-env: expected SAFECITY_KEY=value, got '" + kv + "'");
      }
      gwEnv.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    Duration ready = c.duration("gateway-ready-timeout", Duration.ofSeconds(180));
    int nodes = c.integer("nodes", 0, 0, 16);
    String mq = c.string("mosquitto", "on").toLowerCase(Locale.ROOT);
    if (!mq.equals("on") && !mq.equals("off")) {
      throw new IllegalArgumentException("--mosquitto must be on or off");
    }
    Path mqBin = Path.of(c.string("mosquitto-bin", "/usr/sbin/mosquitto"));
    Path simJar = Path.of(c.string("sim-jar", defaultJar == null ? "target/safecity-load.jar" : defaultJar.toString()));
    List<String> simOpts = split(c.string("sim-java-opts", "-Xmx768m"));
    int perProc = c.integer("boxes-per-process", 10_000, 1, 19_000);
    int idleBoxes = c.integer("idle-boxes", full ? 19_000 : 2000, 1, 1_000_000);
    double idleRate = c.rate("idle-connect-rate", 2000);
    Duration idleHold = c.duration("idle-hold", Duration.ofSeconds(full ? 30 : 10));
    int rateBoxes = c.integer("rate-boxes", full ? 5000 : 2000, 1, 1_000_000);
    int rateRuns = c.integer("rate-runs", full ? 5 : 3, 1, 100);
    int rateMaxPending = c.integer("rate-max-pending", 96, 1, 100_000);
    int tpBoxes = c.integer("tp-boxes", 50, 1, 19_000);
    int tpInflight = c.integer("tp-inflight", 10, 1, 60_000);
    Duration tpDuration = c.duration("tp-duration", Duration.ofSeconds(full ? 60 : 20));
    Duration tpWarmup = c.duration("tp-warmup", Duration.ofSeconds(full ? 10 : 5));
    int tpRuns = c.integer("tp-runs", full ? 3 : 1, 1, 100);
    int kills = c.integer("alarm-kills", full ? 10 : 3, 0, 1000);
    int perKill = c.integer("alarm-boxes-per-kill", 5, 1, 10_000);
    int doors = c.integer("alarm-doors", full ? 20 : 5, 0, 10_000);
    int thefts = c.integer("alarm-thefts", full ? 5 : 2, 0, 10_000);
    Duration alarmTimeout = c.duration("alarm-timeout", Duration.ofSeconds(30));
    long poll = Math.max(1, c.duration("poll-every", Duration.ofMillis(20)).toMillis());
    Set<String> phases = new java.util.LinkedHashSet<>(Arrays.asList(c.string("phases", String.join(",", ALL_PHASES))
        .toLowerCase(Locale.ROOT).split("\\s*,\\s*")));
    for (String p : phases) {
      if (!ALL_PHASES.contains(p)) {
        throw new IllegalArgumentException("--phases: unknown phase '" + p + "' (known: " + ALL_PHASES + ")");
      }
    }
    Path results = Path.of(c.string("results-dir", "results"));
    Optional<Path> writeDevices = Optional.ofNullable(c.string("write-devices", null)).map(Path::of);
    String seed = c.string("secret-seed", "safecity-bench");
    String region = c.string("region", "south").toLowerCase(Locale.ROOT);
    Fleet.regionCentre(region);
    boolean keep = c.flag("keep");
    boolean quiet = c.flag("quiet");
    c.finish();
    return new BenchArgs(broker, api, token, pid, gatewayJar, gwOpts, gwEnv, ready, nodes, mq.equals("on"), mqBin, simJar,
        simOpts, perProc, idleBoxes, idleRate, idleHold, rateBoxes, rateRuns, rateMaxPending, tpBoxes, tpInflight,
        tpDuration, tpWarmup, tpRuns, kills, perKill, doors, thefts, alarmTimeout, poll, phases, results, writeDevices,
        seed, region, keep, full, quiet);
  }

  /** Boxes the idle, rate and throughput phases use: indexes 1..this. */
  int mainBoxes() {
    return Math.max(idleBoxes, Math.max(rateBoxes, tpBoxes));
  }

  /** First index of the alarm probes' boxes (after the main ones, so their history is their own). */
  int alarmFirstIndex() {
    return mainBoxes() + 1;
  }

  int alarmBoxes() {
    return alarmKills * alarmBoxesPerKill + alarmDoors + alarmThefts;
  }

  private static List<String> split(String s) {
    return s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
  }
}
