package org.safecity.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The simulator's command line, parsed and checked. See {@link #USAGE}.
 */
record SimulatorArgs(
    String host, int port, int boxes, int firstIndex, String idPrefix, String region,
    Optional<String> secret, String secretSeed, Optional<Path> secretsFile,
    Scenario scenario, Duration telemetryEvery, Duration gpsEvery, int qos, double connectRate, int maxPending,
    Duration duration, Duration connectTimeout, int keepalive, boolean cleanSession, Duration reconnectDelay,
    int inflight, Duration warmup, Duration incidentEvery, Duration incidentStep, double incidentMoveMeters,
    SimBox.Behaviour behaviour, Duration statsEvery, int threads, int warmupConnects, long startAtMillis, long seqStart, long seed,
    Optional<Path> writeDevices, double geofenceMeters, boolean verbose, boolean histograms) {

  enum Scenario {
    /** Connect, say online, subscribe to commands, then only keepalives (and command answers). */
    IDLE,
    /** As idle, plus telemetry every period, GPS now and then, and the random door / mains events. */
    TELEMETRY,
    /** As telemetry, plus scripted incidents: door opens, the box moves, its socket dies. */
    INCIDENTS,
    /** Durable-ingest benchmark: each box keeps {@code inflight} QoS 1 telemetry messages unacknowledged. */
    THROUGHPUT
  }

  static final String USAGE = String.join("\n",
      "usage: java -jar safecity-load.jar [options]      (org.safecity.load.BoxSimulator)",
      "",
      "  --host 127.0.0.1            broker address",
      "  --port 1883                 broker MQTT port",
      "  --boxes 100                 how many boxes this process simulates (one socket each; <= ~19000 a process)",
      "  --first-index 1             index of the first box (box ids are <prefix><index, 6 digits>)",
      "  --id-prefix box-            box id prefix",
      "  --region south              region of the boxes (south|east|north|west|central): home positions",
      "  --secret S                  every box's password; or:",
      "  --secret-seed SEED          per-box password = first 20 hex of sha256(SEED:id) (default safecity-load)",
      "  --secrets-file F            lines 'box-id secret' (also 'id: secret' or 'id,secret'); # comments",
      "  --scenario telemetry        idle | telemetry | incidents | throughput",
      "  --telemetry-every 5s        telemetry period per box (telemetry, incidents)",
      "  --gps-every 60s             GPS fix period per box (telemetry, incidents)",
      "  --qos 1                     QoS of telemetry and GPS (events and status always use 1)",
      "  --connect-rate 500/s        new connections per second for the whole process; 'max' = unpaced",
      "  --max-pending 256           most connects in flight at once (the pace for --connect-rate max)",
      "  --duration 60s              how long to run after the connect phase; 0 = until SIGTERM/SIGINT",
      "  --connect-timeout 120s      the connect phase ends when all boxes connected once, or after this",
      "  --keepalive 30              MQTT keepalive in seconds",
      "  --clean-session true        MQTT clean session flag",
      "  --reconnect-delay 2s        reconnect a lost box after this (with jitter); 0 = never reconnect",
      "  --inflight 10               throughput: QoS 1 messages kept unacknowledged per box",
      "  --warmup 5s                 throughput: acks in the first part of --duration are not counted",
      "  --incident-every 30s        incidents: one scripted incident this often (door, move, socket killed)",
      "  --incident-step 5s          incidents: time between the steps of one incident",
      "  --incident-move 200         incidents: how far (m) the box is carried before its socket dies",
      "  --door-opens-per-day 1      random maintenance door openings per box and day",
      "  --mains-losses-per-day 0.5  random mains losses per box and day",
      "  --stats-every 5s            one stats line this often",
      "  --threads 2                 event loops",
      "  --warmup-connects N         first connect and disconnect N boxes, unmeasured (warms the JIT)",
      "  --start-at EPOCH_MS         wait until this wall-clock time before connecting (aligns processes)",
      "  --seq-start N               first telemetry seq - 1 (default 0, like a box after boot: seq is",
      "                              an unsigned 32-bit counter in the contract; ts tells reruns apart)",
      "  --seed N                    random seed (default: from the clock)",
      "  --write-devices FILE        write the devices YAML for these boxes and exit (secrets in plain text)",
      "  --geofence-meters 50        geofence written into the devices YAML",
      "  --verbose                   let Vert.x log every MQTT connection",
      "  --hist                      add the raw latency histograms to the summary (for merging)",
      "",
      "Prints 'stats ...' lines, 'connect-phase-end ...' once, 'incident ...' per incident step, and a final",
      "one-line JSON summary on stdout.");


  static SimulatorArgs parse(String[] argv) {
    Cli c = new Cli(argv, Set.of("verbose", "help", "hist"));
    if (c.has("help")) {
      throw new HelpRequested();
    }
    String host = c.string("host", "127.0.0.1");
    int port = c.integer("port", 1883, 1, 65535);
    int boxes = c.integer("boxes", 100, 1, 1_000_000);
    int firstIndex = c.integer("first-index", 1, 0, 999_999_999);
    String prefix = c.string("id-prefix", "box-");
    if (prefix.contains("/") || prefix.contains("+") || prefix.contains("#")) {
      throw new IllegalArgumentException("--id-prefix must not contain / + #");
    }
    String region = c.string("region", "south").toLowerCase(Locale.ROOT);
    Fleet.regionCentre(region);
    Optional<String> secret = Optional.ofNullable(c.string("secret", null));
    String seedSecret = c.string("secret-seed", "safecity-load");
    Optional<Path> secretsFile = Optional.ofNullable(c.string("secrets-file", null)).map(Path::of);
    if (secret.isPresent() && secretsFile.isPresent()) {
      throw new IllegalArgumentException("give --secret or --secrets-file, not both");
    }
    Scenario scenario;
    String s = c.string("scenario", "telemetry");
    try {
      scenario = Scenario.valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--scenario must be idle, telemetry, incidents or throughput, got '" + s + "'");
    }
    Duration telemetryEvery = c.duration("telemetry-every", Duration.ofSeconds(5));
    if (telemetryEvery.toMillis() < 100) {
      throw new IllegalArgumentException("--telemetry-every must be at least 100ms (use --scenario throughput to flood)");
    }
    Duration gpsEvery = c.duration("gps-every", Duration.ofSeconds(60));
    int qos = c.integer("qos", 1, 0, 2);
    double rate = c.rate("connect-rate", 500);
    int maxPending = c.integer("max-pending", 256, 1, 100_000);
    Duration duration = c.duration("duration", Duration.ofSeconds(60));
    Duration connectTimeout = c.duration("connect-timeout", Duration.ofSeconds(120));
    int keepalive = c.integer("keepalive", 30, 0, 65535);
    boolean clean = !c.has("clean-session") || c.flag("clean-session");
    Duration reconnectDelay = c.duration("reconnect-delay", Duration.ofSeconds(2));
    int inflight = c.integer("inflight", 10, 1, 65_000);
    Duration warmup = c.duration("warmup", Duration.ofSeconds(5));
    if (scenario == Scenario.THROUGHPUT && !duration.isZero() && warmup.compareTo(duration) >= 0) {
      throw new IllegalArgumentException("--warmup must be shorter than --duration");
    }
    Duration incidentEvery = c.duration("incident-every", Duration.ofSeconds(30));
    Duration incidentStep = c.duration("incident-step", Duration.ofSeconds(5));
    if (incidentEvery.isZero()) {
      throw new IllegalArgumentException("--incident-every must be > 0");
    }
    double move = c.decimal("incident-move", 200, 0, 100_000);
    SimBox.Behaviour behaviour = new SimBox.Behaviour(
        c.decimal("door-opens-per-day", 1, 0, 1e6), c.decimal("mains-losses-per-day", 0.5, 0, 1e6));
    Duration statsEvery = c.duration("stats-every", Duration.ofSeconds(5));
    if (statsEvery.toMillis() < 100) {
      throw new IllegalArgumentException("--stats-every must be at least 100ms");
    }
    int threads = c.integer("threads", Math.max(1, Runtime.getRuntime().availableProcessors()), 1, 256);
    int warmupConnects = c.integer("warmup-connects", 0, 0, 1_000_000);
    long startAt = c.longValue("start-at", 0);
    long seqStart = c.longValue("seq-start", 0);
    if (seqStart < 0 || seqStart > 4_294_967_295L) {
      throw new IllegalArgumentException("--seq-start must be 0..4294967295 (an unsigned 32-bit counter)");
    }
    long seed = c.longValue("seed", System.nanoTime());
    Optional<Path> writeDevices = Optional.ofNullable(c.string("write-devices", null)).map(Path::of);
    double geofence = c.decimal("geofence-meters", 50, 1, 1e6);
    boolean verbose = c.flag("verbose");
    boolean hist = c.flag("hist");
    c.finish();
    if ((long) firstIndex + boxes - 1 > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("--first-index + --boxes overflows");
    }
    return new SimulatorArgs(host, port, boxes, firstIndex, prefix, region, secret, seedSecret, secretsFile,
        scenario, telemetryEvery, gpsEvery, qos, rate, maxPending, duration, connectTimeout, keepalive, clean,
        reconnectDelay, inflight, warmup, incidentEvery, incidentStep, move, behaviour, statsEvery, threads,
        warmupConnects, startAt,
        seqStart, seed, writeDevices, geofence, verbose, hist);
  }

  /** The secret of each box: --secret for all, else the secrets file's line, else derived from the seed. */
  SecretSource secrets() throws IOException {
    if (secret.isPresent()) {
      String shared = secret.get();
      return id -> shared;
    }
    if (secretsFile.isPresent()) {
      Map<String, String> map = readSecrets(secretsFile.get());
      return id -> {
        String v = map.get(id);
        if (v == null) {
          throw new IllegalArgumentException("no secret for " + id + " in " + secretsFile.get());
        }
        return v;
      };
    }
    return id -> Fleet.derivedSecret(secretSeed, id);
  }

  interface SecretSource {
    String secretOf(String boxId);
  }

  static Map<String, String> readSecrets(Path file) throws IOException {
    Map<String, String> map = new HashMap<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] parts = t.split("\\s*[:,]\\s*|\\s+", 2);
      if (parts.length != 2 || parts[1].isEmpty()) {
        throw new IllegalArgumentException(file + ":" + n + ": expected 'box-id secret'");
      }
      String v = parts[1];
      if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
        v = v.substring(1, v.length() - 1);
      }
      map.put(parts[0], v);
    }
    return map;
  }

  /** Thrown by {@link #parse} for {@code --help}. */
  static final class HelpRequested extends RuntimeException {
    HelpRequested() {
      super("help", null, false, false);
    }
  }
}
