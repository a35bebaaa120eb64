package org.safecity.load.sse;

import org.safecity.load.GatewayNodes;
import org.safecity.load.ProcStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway as an SSE server: its jar started here as a child process with a fresh data dir, one agency
 * account per region (that region only; scope {@code alarms:read}, or {@code events:read} for the
 * {@code box-events} source) whose token all of the region's subscribers share, and {@link BoxPublisher} boxes
 * committing the events.
 *
 * <p>Subscribers ask for {@code GET /api/v1/events/stream?types=alarm.raised&region=<r>} ({@code types=box.event}
 * for the {@code box-events} source) with the region's token as {@code Authorization: Bearer}. The key of a
 * delivered message is its log id (the SSE {@code id}); its commit time is the event's {@code at}, on the
 * gateway's clock (same machine, same clock as the subscribers'): for an alarm, stamped by the health model when
 * it derived the alarm, before its commit; for a box event, the MQTT edge's arrival time, just before the commit.
 *
 * <p>With {@code --nodes N} it is a cluster instead ({@link GatewayNodes}: N edge nodes sharing one PostgreSQL):
 * subscriber <i>i</i> connects to node <i>i</i> mod N, box <i>j</i> of a region to node <i>j</i> mod N, the
 * tokens and the ground truth come from the first node; memory and CPU are summed over the nodes (and their
 * PostgreSQL).
 */
final class GatewayTarget implements SseTarget {

  /** Settings the benchmark gives every gateway it starts (besides ports and paths); printed at the start. */
  static Map<String, String> benchmarkSettings() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SAFECITY_AUTH_MAX_STREAMS_PER_PRINCIPAL", "10000");
    env.put("SAFECITY_AUTH_REQUESTS_PER_SECOND", "100000");
    env.put("SAFECITY_AUTH_REQUEST_BURST", "100000");
    env.put("SAFECITY_DEVICES_BCRYPT_COST", "4");
    env.put("SAFECITY_RTSP_ENABLED", "false");
    return env;
  }

  /** One gateway process: the single gateway, or a cluster's node. */
  record Node(String name, Process process, int httpPort, int mqttPort, Path log) {
    long pid() {
      return process.pid();
    }

    URI api() {
      return URI.create("http://127.0.0.1:" + httpPort);
    }
  }

  private final List<Node> nodes;
  /** The cluster when {@code --nodes} was given (it owns the processes and PostgreSQL), else null. */
  private final GatewayNodes cluster;
  private final URI api;
  private final Map<String, String> env;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, String> tokens = new HashMap<>();
  private String adminToken;
  private BoxPublisher publisher;
  private BoxPublisher.Source source;
  private final ThreadLocal<Origins[]> cache = ThreadLocal.withInitial(() -> new Origins[256]);
  private final LongAdder dataBytes = new LongAdder();
  private final LongAdder dataCount = new LongAdder();

  private GatewayTarget(List<Node> nodes, GatewayNodes cluster, Map<String, String> env) {
    this.nodes = nodes;
    this.cluster = cluster;
    this.api = nodes.get(0).api();
    this.env = env;
  }

  /**
   * Starts the jar with its data in {@code workDir}, waits for {@code /health/ready}, creates the region
   * accounts and their tokens, connects the door boxes (not yet publishing).
   */
  static GatewayTarget start(SseBenchArgs a, Path jar, Path workDir, List<String> regions) throws Exception {
    Files.createDirectories(workDir);
    Path devices = workDir.resolve("devices.yaml");
    BoxPublisher.writeDevices(devices, regions, a.boxesPerRegion(), a.secretSeed());
    if (a.nodes() > 0) {
      Map<String, String> env = new LinkedHashMap<>(benchmarkSettings());
      env.putAll(a.gatewayEnv());
      GatewayNodes c = GatewayNodes.start(a.nodes(), jar, a.gatewayJavaOpts(), env, workDir, devices, a.gatewayReady());
      List<Node> nodes = c.nodes().stream().map(n -> new Node(n.name(), n.process(), n.httpPort(), n.mqttPort(), n.log()))
          .toList();
      Map<String, String> described = new LinkedHashMap<>(env);
      described.putAll(c.shared());
      return prepared(new GatewayTarget(nodes, c, described), a, regions, c.adminSecret());
    }
    int http = freePort();
    int mqtt = freePort();
    Path log = workDir.resolve("gateway.log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(a.gatewayJavaOpts());
    cmd.add("-jar");
    cmd.add(jar.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SAFECITY_DATA_DIR", workDir.resolve("gateway-data").toString());
    env.put("SAFECITY_HTTP_HOST", "127.0.0.1");
    env.put("SAFECITY_HTTP_PORT", Integer.toString(http));
    env.put("SAFECITY_MQTT_HOST", "127.0.0.1");
    env.put("SAFECITY_MQTT_PORT", Integer.toString(mqtt));
    env.put("SAFECITY_DEVICES_FILE", devices.toAbsolutePath().toString());
    env.putAll(benchmarkSettings());
    env.putAll(a.gatewayEnv());
    String adminSecret = UUID.randomUUID().toString();
    pb.environment().putAll(env);
    pb.environment().put("SAFECITY_BOOTSTRAP_ADMIN_SECRET", adminSecret);
    Process p = pb.start();
    GatewayTarget g = new GatewayTarget(List.of(new Node("gateway", p, http, mqtt, log)), null, env);
    try {
      long deadline = System.nanoTime() + a.gatewayReady().toNanos();
      while (g.status("/health/ready") != 200) {
        if (!p.isAlive()) {
          throw new IOException("the gateway exited with " + p.exitValue() + " before it was ready; see " + log);
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("the gateway was not ready within " + a.gatewayReady().toSeconds() + " s; see " + log);
        }
        Thread.sleep(250);
      }
    } catch (Exception e) {
      g.close();
      throw e;
    }
    return prepared(g, a, regions, adminSecret);
  }

  /** Creates the region accounts and their tokens, connects the door boxes (spread over the nodes). */
  private static GatewayTarget prepared(GatewayTarget g, SseBenchArgs a, List<String> regions, String adminSecret)
      throws Exception {
    try {
      g.adminToken = g.token(new JsonObject().put("username", "admin").put("password", adminSecret));
      g.source = BoxPublisher.Source.of(a.source());
      String scope = g.source == BoxPublisher.Source.ALARMS ? "alarms:read" : "events:read";
      for (String region : regions) {
        String id = "sse-bench-" + region;
        String secret = BoxPublisher.secret(a.secretSeed(), id);
        g.send("POST", "/api/v1/accounts", g.adminToken, new JsonObject().put("id", id).put("kind", "client")
            .put("role", "agency").put("secret", secret).put("regions", new JsonArray().add(region))
            .put("scopes", new JsonArray().add(scope)), 201);
        g.tokens.put(region, g.token(new JsonObject().put("clientId", id).put("clientSecret", secret)));
      }
      g.publisher = BoxPublisher.connect(g.source, "127.0.0.1", g.nodes.stream().mapToInt(Node::mqttPort).toArray(),
          regions, a.boxesPerRegion(), a.secretSeed(), a.rate());
      return g;
    } catch (Exception e) {
      g.close();
      throw e;
    }
  }

  /** The environment it was started with (the admin secret left out). */
  Map<String, String> env() {
    return env;
  }

  List<Node> nodes() {
    return nodes;
  }

  /** The pid, or the pids of the nodes. */
  String pids() {
    return String.join(", ", nodes.stream().map(n -> Long.toString(n.pid())).toList());
  }

  private String token(JsonObject login) throws IOException, InterruptedException {
    return new JsonObject(send("POST", "/api/v1/auth/token", null, login, 200)).getString("accessToken");
  }

  private int status(String path) {
    try {
      return http.send(HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private String send(String method, String path, String token, JsonObject body, int expect)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(60));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body == null) {
      b.GET();
    } else {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expect) {
      String t = r.body();
      throw new IOException(method + " " + path + " -> " + r.statusCode() + ": " + (t.length() > 300 ? t.substring(0, 300) : t));
    }
    return r.body();
  }

  @Override
  public String name() {
    return "gateway";
  }

  @Override
  public String host() {
    return "127.0.0.1";
  }

  @Override
  public int port(int subscriber) {
    return nodes.get(Math.floorMod(subscriber, nodes.size())).httpPort();
  }

  @Override
  public String path(String region) {
    return "/api/v1/events/stream?types=" + eventType() + "&region=" + region;
  }

  /** The event type the subscribers follow. */
  String eventType() {
    return source == BoxPublisher.Source.ALARMS ? "alarm.raised" : "box.event";
  }

  @Override
  public Map<String, String> headers(String region) {
    return Map.of("Authorization", "Bearer " + tokens.get(region));
  }

  @Override
  public long key(String lastEventId, String data) {
    try {
      return Long.parseLong(lastEventId);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public Origins origins(long key, String data) {
    Origins[] c = cache.get();
    int slot = (int) (key & (c.length - 1));
    Origins o = c[slot];
    if (o != null && o.key() == key) {
      return o;
    }
    long at = micros(field(data, "\"at\":\""));
    long published = -1;
    if (at > 0 && (source == BoxPublisher.Source.BOX_EVENTS || data.contains("\"kind\":\"door-open\""))) {
      published = publisher.publishedMicros(field(data, "\"source\":\""), at);
    }
    dataBytes.add(data.length());
    dataCount.increment();
    o = new Origins(key, at, published);
    c[slot] = o;
    return o;
  }

  @Override
  public double meanDataBytes() {
    long n = dataCount.sum();
    return n == 0 ? -1 : (double) dataBytes.sum() / n;
  }

  /** The string value after {@code marker} (up to the next quote), or null. The first occurrence is top-level. */
  static String field(String json, String marker) {
    int i = json.indexOf(marker);
    if (i < 0) {
      return null;
    }
    i += marker.length();
    int j = json.indexOf('"', i);
    return j < 0 ? null : json.substring(i, j);
  }

  static long micros(String instant) {
    if (instant == null) {
      return -1;
    }
    try {
      Instant t = Instant.parse(instant);
      return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  @Override
  public long startAtOpen(String region) {
    return START_FROM_STREAM;
  }

  @Override
  public Publisher publisher() {
    return publisher;
  }

  /**
   * Live heap from {@code jcmd <pid> GC.class_histogram} (a full GC, then reachable objects only), direct buffers
   * from {@code /metrics}, the JVM's RSS; and the open streams the gateway counts.
   */
  @Override
  public JsonObject memory() throws Exception {
    long heap = 0;
    long direct = 0;
    long streams = 0;
    for (Node n : nodes) {
      long h = liveHeap(n.pid());
      String metrics = metricsOf(n);
      long d = (long) metric(metrics, "jvm_buffer_memory_used_bytes", "id=\"direct\"");
      heap = heap < 0 || h < 0 ? -1 : heap + h;
      direct = direct < 0 || d < 0 ? -1 : direct + d;
      streams += Math.max(0, (long) metric(metrics, "gateway_sse_streams", null));
    }
    long[] m = ProcStats.memory(nodes.stream().map(Node::pid).toList());
    return new JsonObject().put("heapBytes", heap < 0 ? null : heap).put("directBytes", direct < 0 ? null : direct)
        .put("rssBytes", m[0] < 0 ? null : m[0]).put("pssBytes", m[1] < 0 ? null : m[1])
        .put("method", "heap: live objects from jcmd GC.class_histogram (full GC first); direct: "
            + "jvm_buffer_memory_used_bytes{id=\"direct\"}; RSS/PSS of the JVM process (not its PostgreSQL)"
            + (nodes.size() > 1 ? "; each summed over the " + nodes.size() + " nodes" : ""))
        .put("serverStreams", streams);
  }

  private String metricsOf(Node n) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(n.api().resolve("/metrics")).timeout(Duration.ofSeconds(60))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET /metrics of " + n.name() + " -> " + r.statusCode());
    }
    return r.body();
  }

  /** The metrics of every node, one text (a sum over it sums the nodes). */
  private String allMetrics() throws IOException, InterruptedException {
    StringBuilder b = new StringBuilder();
    for (Node n : nodes) {
      b.append(metricsOf(n)).append('\n');
    }
    return b.toString();
  }

  @Override
  public JsonObject serverCounters() {
    try {
      String metrics = allMetrics();
      JsonObject o = new JsonObject().put("streams", (long) metric(metrics, "gateway_sse_streams", null))
          .put("resets", (long) metric(metrics, "gateway_sse_resets_total", null))
          .put("gapReads", (long) metric(metrics, "gateway_sse_gap_reads_total", null))
          .put("eventLogAppended", (long) metric(metrics, "gateway_event_log_appended_total", null))
          .put("eventLogFailed", (long) metric(metrics, "gateway_event_log_failed_total", null))
          .put("eventLogCommits", (long) metric(metrics, "gateway_event_log_commit_seconds_count", null))
          .put("eventLogCommitSeconds", metric(metrics, "gateway_event_log_commit_seconds_sum", null))
          .put("alarmsRaised", (long) metric(metrics, "gateway_alarms_raised_total", null));
      JsonObject ended = new JsonObject();
      for (String line : metrics.split("\n")) {
        if (line.startsWith("gateway_sse_ended_total{")) {
          String reason = field(line, "reason=\"");
          ended.put(reason, ended.getLong(reason, 0L) + (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        }
      }
      return o.put("ended", ended);
    } catch (Exception e) {
      return new JsonObject().put("error", e.toString());
    }
  }

  /** Sum of the samples of {@code name} whose labels contain {@code label} (any when null); -1 when absent. */
  static double metric(String text, String name, String label) {
    double sum = 0;
    boolean any = false;
    for (String line : text.split("\n")) {
      if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && (label == null || line.contains(label))) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
        any = true;
      }
    }
    return any ? sum : -1;
  }

  private static long liveHeap(long pid) throws InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
          .redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      String[] lines = new String(out, StandardCharsets.UTF_8).split("\n");
      for (int i = lines.length - 1; i >= 0; i--) {
        String l = lines[i].trim();
        if (l.startsWith("Total")) {
          String[] f = l.split("\\s+");
          return Long.parseLong(f[2]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown
    }
    return -1;
  }

  @Override
  public double cpuSeconds() {
    return cluster != null ? cluster.cpuSeconds() : ProcStats.treeCpuSeconds(nodes.get(0).pid());
  }

  /**
   * Every event of the followed type in the log, per region, paged from the start as the admin: the ground truth. The
   * gateway is fresh for each step, so the whole log is this step's.
   */
  @Override
  public Map<String, Committed> committed() throws Exception {
    Map<String, List<long[]>> byRegion = new HashMap<>();
    long after = 0;
    while (true) {
      JsonObject page = new JsonObject(send("GET", "/api/v1/events?after=" + after + "&limit=1000", adminToken, null, 200));
      JsonArray events = page.getJsonArray("events", new JsonArray());
      for (int i = 0; i < events.size(); i++) {
        JsonObject e = events.getJsonObject(i);
        if (eventType().equals(e.getString("type")) && e.getString("region") != null) {
          byRegion.computeIfAbsent(e.getString("region"), k -> new ArrayList<>())
              .add(new long[] {e.getLong("id"), micros(e.getString("at"))});
        }
      }
      after = page.getLong("nextAfter", after);
      if (!page.getBoolean("hasMore", false)) {
        break;
      }
    }
    Map<String, Committed> out = new HashMap<>();
    byRegion.forEach((region, list) -> {
      list.sort((x, y) -> Long.compare(x[0], y[0]));
      long[] keys = new long[list.size()];
      long[] at = new long[list.size()];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = list.get(i)[0];
        at[i] = list.get(i)[1];
      }
      out.put(region, new Committed(keys, at));
    });
    return out;
  }

  /** The id of the newest event in the log (to see when the log has stopped growing). */
  long lastLogId() throws Exception {
    return (long) metric(allMetrics(), "gateway_event_log_appended_total", null);
  }

  @Override
  public JsonObject describe() {
    JsonObject e = new JsonObject();
    env.forEach(e::put);
    JsonArray described = new JsonArray();
    for (Node n : nodes) {
      described.add(new JsonObject().put("name", n.name()).put("pid", n.pid()).put("httpPort", n.httpPort())
          .put("mqttPort", n.mqttPort()).put("log", n.log().toString()));
    }
    JsonObject d = new JsonObject().put("nodes", described).put("env", e);
    if (nodes.size() == 1) {
      d.put("pid", nodes.get(0).pid()).put("httpPort", nodes.get(0).httpPort()).put("mqttPort", nodes.get(0).mqttPort())
          .put("log", nodes.get(0).log().toString());
    }
    return d;
  }

  /** The last lines of a node's log. */
  static List<String> logTail(Node node, int n) {
    try {
      List<String> lines = Files.readAllLines(node.log(), StandardCharsets.UTF_8);
      return lines.subList(Math.max(0, lines.size() - n), lines.size());
    } catch (IOException e) {
      return List.of();
    }
  }

  @Override
  public void close() {
    if (publisher != null) {
      publisher.close();
    }
    if (cluster != null) {
      cluster.close();
    } else {
      nodes.forEach(n -> ProcStats.stop(n.process(), 30));
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }
}
