package org.safecity.load.rtsp;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.safecity.load.GatewayNodes;

/**
 * An RTSP server under test, started here on loopback for one step: the gateway jar, or GStreamer's
 * gst-rtsp-server through a small Python script. Knows its ports, how readers reach a camera, its CPU time and
 * memory, and (the gateway) its per-camera counters.
 */
abstract class RtspTarget implements AutoCloseable {

  /** Memory of the server process; -1 = not known. */
  record Memory(long heapBytes, long directBytes, long rssBytes, String method) {
    JsonObject toJson() {
      return new JsonObject().put("heapBytes", heapBytes < 0 ? null : heapBytes)
          .put("directBytes", directBytes < 0 ? null : directBytes)
          .put("rssBytes", rssBytes < 0 ? null : rssBytes).put("method", method);
    }
  }

  /** One camera's counters as the server saw them. */
  record CameraCounters(long packets, long lost, long framesDiscarded) {
  }

  final String name;
  final int port;
  final int readerPort;
  final Process process;
  final Path log;

  RtspTarget(String name, int port, int readerPort, Process process, Path log) {
    this.name = name;
    this.port = port;
    this.readerPort = readerPort;
    this.process = process;
    this.log = log;
  }

  long pid() {
    return process.pid();
  }

  /** Readers read {@code rtsp://host:readerPort/<prefix><cameraId>}. */
  String readerPathPrefix() {
    return "";
  }

  /** Whether readers get the camera's packets unchanged (same sequence numbers): latency can be matched. */
  abstract boolean relaysUnchanged();

  abstract String describe();

  /** CPU seconds of the server: the process and its children (the gateway's embedded PostgreSQL). */
  double cpuSeconds() {
    return Proc.treeCpuSeconds(pid());
  }

  /** CPU seconds of the server process alone. */
  double processCpuSeconds() {
    return Proc.cpuSeconds(pid());
  }

  abstract Memory memory() throws InterruptedException;

  /** Per-camera counters after the run; null when the server has none. */
  Map<String, CameraCounters> cameraCounters() throws IOException, InterruptedException {
    return null;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  void awaitListening(Duration timeout, int... ports) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int p : ports) {
      while (!listening(p)) {
        if (!process.isAlive()) {
          throw new IOException(name + " exited with " + process.exitValue() + " before listening; see " + log);
        }
        if (System.nanoTime() > deadline) {
          throw new IOException(name + " did not listen on " + p + " within " + timeout.toSeconds() + " s; see " + log);
        }
        Thread.sleep(100);
      }
    }
  }

  /** The end of its log (for errors: the work dir may be deleted). */
  List<String> logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return all.subList(Math.max(0, all.size() - lines), all.size());
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  /** SIGTERM, up to 20 s, then SIGKILL. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  // -------------------------------------------------------------------------------------------- gateway

  /** The SafeCity gateway jar, RTSP over TCP only, MQTT off, on loopback ports. */
  static final class Gateway extends RtspTarget {
    private final URI api;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Path jar;

    private Gateway(int port, Process p, Path log, URI api, Path jar) {
      super("gateway", port, port, p, log);
      this.api = api;
      this.jar = jar;
    }

    static Gateway start(Path jar, List<String> javaOpts, Map<String, String> extraEnv, Path dir, Path devices,
                         int maxConnections, Duration readyTimeout) throws IOException, InterruptedException {
      int http = freePort();
      int rtsp = freePort();
      Path log = dir.resolve("gateway.log");
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(javaOpts);
      cmd.add("-jar");
      cmd.add(jar.toString());
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      Map<String, String> env = pb.environment();
      env.putAll(environment(dir, http, rtsp, devices, maxConnections));
      env.putAll(extraEnv);
      Process p = pb.start();
      Gateway g = new Gateway(rtsp, p, log, URI.create("http://127.0.0.1:" + http), jar);
      long deadline = System.nanoTime() + readyTimeout.toNanos();
      while (g.status("/health/ready") != 200) {
        if (!p.isAlive()) {
          throw new IOException("the gateway exited with " + p.exitValue() + " before it was ready; see " + log);
        }
        if (System.nanoTime() > deadline) {
          g.close();
          throw new IOException("the gateway was not ready within " + readyTimeout.toSeconds() + " s; see " + log);
        }
        Thread.sleep(250);
      }
      g.awaitListening(Duration.ofSeconds(10), rtsp);
      return g;
    }

    /** The environment the benchmark starts the gateway with (the README's table). */
    static Map<String, String> environment(Path dir, int http, int rtsp, Path devices, int maxConnections) {
      Map<String, String> env = new java.util.LinkedHashMap<>();
      env.put("SAFECITY_DATA_DIR", dir.resolve("gateway-data").toString());
      env.put("SAFECITY_HTTP_HOST", "127.0.0.1");
      env.put("SAFECITY_HTTP_PORT", Integer.toString(http));
      env.put("SAFECITY_MQTT_ENABLED", "false");
      env.put("SAFECITY_RTSP_HOST", "127.0.0.1");
      env.put("SAFECITY_RTSP_PORT", Integer.toString(rtsp));
      env.put("SAFECITY_RTSP_UDP_RTP_PORT", "0");
      env.put("SAFECITY_RTSP_MAX_CONNECTIONS", Integer.toString(maxConnections));
      env.put("SAFECITY_DEVICES_FILE", devices.toAbsolutePath().toString());
      // Every camera's publish secret and the read secret are hashed at start; at the production cost (10) that
      // alone is minutes of CPU for a thousand cameras on 2 cores. The output says so.
      env.put("SAFECITY_DEVICES_BCRYPT_COST", "4");
      // The cameras' boxes never connect (MQTT is off): without this, every box is declared offline
      // ("never-seen") 30 s after start, a burst of alarms written to PostgreSQL in the middle of a step.
      env.put("SAFECITY_HEALTH_BOX_SILENT_AFTER", "12h");
      return env;
    }

    /** Base URI of its HTTP API, without a trailing slash. */
    URI api() {
      return api;
    }

    @Override
    boolean relaysUnchanged() {
      return true;
    }

    @Override
    String describe() {
      return jar + " (pid " + pid() + ", RTSP 127.0.0.1:" + port + ", API " + api + ")";
    }

    int status(String path) {
      try {
        return http.send(HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (IOException e) {
        return -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }

    String get(String path) throws IOException, InterruptedException {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(30))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("GET " + path + " -> " + r.statusCode());
      }
      return r.body();
    }

    /**
     * Live heap: the total of {@code jcmd <pid> GC.class_histogram}, which runs a full GC first and counts only
     * reachable objects (a read of the heap pools under load would also count the garbage allocated since the
     * GC). Direct memory: {@code jvm_buffer_memory_used_bytes{id="direct"}} from /metrics (Netty's pooled packet
     * buffers live there, not on the heap). RSS of the JVM (its PostgreSQL children not included), the minimum
     * of 3 reads.
     */
    @Override
    Memory memory() throws InterruptedException {
      String method;
      long heap = liveHeapBytes();
      if (heap >= 0) {
        method = "live heap from jcmd GC.class_histogram";
      } else {
        method = "heap pools from /metrics (jcmd failed)";
        try {
          heap = Prometheus.heapBytes(get("/metrics"));
        } catch (IOException e) {
          heap = -1;
        }
      }
      long direct = -1;
      try {
        direct = Prometheus.directBytes(get("/metrics"));
      } catch (IOException e) {
        // unknown
      }
      long rss = Long.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        if (i > 0) {
          Thread.sleep(300);
        }
        long r = Proc.rssBytes(pid());
        if (r >= 0) {
          rss = Math.min(rss, r);
        }
      }
      return new Memory(heap, direct, rss == Long.MAX_VALUE ? -1 : rss, method + "; direct from /metrics; RSS min of 3");
    }

    private long liveHeapBytes() throws InterruptedException {
      Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      if (!Files.isExecutable(jcmd)) {
        return -1;
      }
      try {
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), "GC.class_histogram")
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
          return -1;
        }
        return histogramTotal(out);
      } catch (IOException e) {
        return -1;
      }
    }

    /** The bytes of the {@code Total} line of a class histogram; -1 when there is none. */
    static long histogramTotal(String histogram) {
      for (String line : histogram.split("\n")) {
        String t = line.trim();
        if (t.startsWith("Total")) {
          String[] f = t.split("\\s+");
          try {
            return Long.parseLong(f[f.length - 1]);
          } catch (NumberFormatException e) {
            return -1;
          }
        }
      }
      return -1;
    }

    @Override
    Map<String, CameraCounters> cameraCounters() throws IOException, InterruptedException {
      return Prometheus.cameras(get("/metrics"));
    }
  }

  // -------------------------------------------------------------------------------------------- cluster

  /**
   * N gateway edge nodes ({@link GatewayNodes}) as one RTSP server for the scale-out runs: the simulator sends
   * camera i to node i mod N ({@code --ports}) and reads it back from the same node; memory, CPU and the cameras'
   * counters are summed over the nodes.
   */
  static final class Cluster extends RtspTarget {
    private final GatewayNodes nodes;
    private final List<Gateway> members;

    private Cluster(GatewayNodes nodes, List<Gateway> members) {
      super("gateway", members.get(0).port, members.get(0).port, members.get(0).process, members.get(0).log);
      this.nodes = nodes;
      this.members = members;
    }

    static Cluster start(int n, Path jar, List<String> javaOpts, Map<String, String> extraEnv, Path dir, Path devices,
                         int maxConnections, Duration readyTimeout) throws Exception {
      Map<String, String> env = new java.util.LinkedHashMap<>(Gateway.environment(dir, 0, 0, devices, maxConnections));
      // Ports, data dirs and the devices file are each node's own (GatewayNodes sets them).
      env.keySet().removeIf(k -> k.endsWith("_PORT") || k.endsWith("_HOST") || k.equals("SAFECITY_DATA_DIR")
          || k.equals("SAFECITY_DEVICES_FILE"));
      env.putAll(extraEnv);
      GatewayNodes g = GatewayNodes.start(n, jar, javaOpts, env, dir, devices, readyTimeout);
      List<Gateway> members = new ArrayList<>();
      for (GatewayNodes.Node node : g.nodes()) {
        members.add(new Gateway(node.rtspPort(), node.process(), node.log(), node.api(), jar));
      }
      Cluster c = new Cluster(g, members);
      try {
        c.awaitListening(Duration.ofSeconds(10), c.ports().stream().mapToInt(Integer::intValue).toArray());
      } catch (IOException e) {
        c.close();
        throw e;
      }
      return c;
    }

    /** Every node's RTSP port, in node order. */
    List<Integer> ports() {
      return members.stream().map(m -> m.port).toList();
    }

    @Override
    boolean relaysUnchanged() {
      return true;
    }

    @Override
    String describe() {
      return members.size() + " gateway nodes sharing one PostgreSQL (pids " + String.join(", ",
          members.stream().map(m -> Long.toString(m.pid())).toList()) + ", RTSP ports " + ports() + ")";
    }

    @Override
    double cpuSeconds() {
      return nodes.cpuSeconds();
    }

    @Override
    double processCpuSeconds() {
      double sum = 0;
      for (Gateway m : members) {
        sum += Math.max(0, Proc.cpuSeconds(m.pid()));
      }
      return sum;
    }

    @Override
    Memory memory() throws InterruptedException {
      long heap = 0;
      long direct = 0;
      long rss = 0;
      String method = "";
      for (Gateway m : members) {
        Memory x = m.memory();
        heap = heap < 0 || x.heapBytes() < 0 ? -1 : heap + x.heapBytes();
        direct = direct < 0 || x.directBytes() < 0 ? -1 : direct + x.directBytes();
        rss = rss < 0 || x.rssBytes() < 0 ? -1 : rss + x.rssBytes();
        method = x.method();
      }
      return new Memory(heap, direct, rss, method + "; summed over " + members.size() + " nodes");
    }

    @Override
    Map<String, CameraCounters> cameraCounters() throws IOException, InterruptedException {
      Map<String, CameraCounters> all = new java.util.HashMap<>();
      for (Gateway m : members) {
        m.cameraCounters().forEach((id, c) -> all.merge(id, c, (a, b) -> new CameraCounters(a.packets() + b.packets(),
            a.lost() + b.lost(), a.framesDiscarded() + b.framesDiscarded())));
      }
      return all;
    }

    @Override
    public void close() {
      nodes.close();
    }
  }

  // ------------------------------------------------------------------------------------------ gstreamer

  /**
   * GStreamer's gst-rtsp-server (Debian's gir1.2-gst-rtsp-server-1.0, driven from Python through GObject
   * introspection): a RECORD factory per camera on one port, whose pipeline depayloads and parses the H.264 and
   * hands it through proxysink/proxysrc to a shared PLAY factory on a second port that payloads it again for the
   * readers. The script is the jar's resource {@code gst_rtsp_relay.py}.
   */
  static final class Gstreamer extends RtspTarget {
    private final String version;

    private Gstreamer(int port, int readerPort, Process p, Path log, String version) {
      super("gstreamer", port, readerPort, p, log);
      this.version = version;
    }

    static Gstreamer start(Path python, Path dir, String idPrefix, int cameras) throws IOException,
        InterruptedException {
      Path script = dir.resolve("gst_rtsp_relay.py");
      try (InputStream in = RtspTarget.class.getResourceAsStream("gst_rtsp_relay.py")) {
        if (in == null) {
          throw new IOException("gst_rtsp_relay.py is missing from the jar");
        }
        Files.write(script, in.readAllBytes());
      }
      int port = freePort();
      int readerPort = freePort();
      Path log = dir.resolve("gstreamer.log");
      ProcessBuilder pb = new ProcessBuilder(python.toString(), "-u", script.toString(), "--port",
          Integer.toString(port), "--reader-port", Integer.toString(readerPort), "--cameras", Integer.toString(cameras),
          "--id-prefix", idPrefix).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      Process p = pb.start();
      // The script prints "ready <GStreamer version>" once both servers are attached to their main loops.
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      String version = null;
      while (version == null) {
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
          if (line.startsWith("ready ")) {
            version = line.substring(6).trim();
          }
        }
        if (version != null) {
          break;
        }
        if (!p.isAlive() || System.nanoTime() > deadline) {
          p.destroyForcibly();
          throw new IOException("gst-rtsp-server did not start (" + (p.isAlive() ? "no 'ready' within 60 s"
              : "exit " + p.exitValue()) + "); see " + log);
        }
        Thread.sleep(100);
      }
      Gstreamer g = new Gstreamer(port, readerPort, p, log, version);
      g.awaitListening(Duration.ofSeconds(10), port, readerPort);
      return g;
    }

    @Override
    boolean relaysUnchanged() {
      return false; // depayloaded and payloaded again: new SSRC, sequence numbers and timestamps
    }

    @Override
    String describe() {
      return "gst-rtsp-server " + version + " (pid " + pid() + ", publish 127.0.0.1:" + port + ", read 127.0.0.1:"
          + readerPort + ")";
    }

    String version() {
      return version;
    }

    @Override
    Memory memory() throws InterruptedException {
      long rss = Long.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        if (i > 0) {
          Thread.sleep(300);
        }
        long r = Proc.rssBytes(pid());
        if (r >= 0) {
          rss = Math.min(rss, r);
        }
      }
      return new Memory(-1, -1, rss == Long.MAX_VALUE ? -1 : rss, "RSS, min of 3 reads");
    }
  }

  /** The few Prometheus series the benchmark reads. */
  static final class Prometheus {
    private Prometheus() {
    }

    /** Sum of {@code jvm_memory_used_bytes{area="heap",...}}; -1 when absent. */
    static long heapBytes(String text) {
      double sum = 0;
      boolean any = false;
      for (String line : text.split("\n")) {
        if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
          sum += value(line);
          any = true;
        }
      }
      return any ? (long) sum : -1;
    }

    /** {@code jvm_buffer_memory_used_bytes{id="direct"}}; -1 when absent. */
    static long directBytes(String text) {
      for (String line : text.split("\n")) {
        if (line.startsWith("jvm_buffer_memory_used_bytes{") && line.contains("id=\"direct\"")) {
          return (long) value(line);
        }
      }
      return -1;
    }

    /** Per camera: packets received, packets lost, frames discarded. */
    static Map<String, CameraCounters> cameras(String text) {
      Map<String, long[]> v = new HashMap<>();
      for (String line : text.split("\n")) {
        int field;
        if (line.startsWith("gateway_camera_packets_total{")) {
          field = 0;
        } else if (line.startsWith("gateway_camera_packets_lost{")) {
          field = 1;
        } else if (line.startsWith("gateway_camera_frames_discarded_total{")) {
          field = 2;
        } else {
          continue;
        }
        String camera = label(line, "camera");
        if (camera != null) {
          v.computeIfAbsent(camera, k -> new long[3])[field] = (long) value(line);
        }
      }
      Map<String, CameraCounters> out = new HashMap<>();
      v.forEach((k, a) -> out.put(k, new CameraCounters(a[0], a[1], a[2])));
      return out;
    }

    static String label(String line, String name) {
      String key = name + "=\"";
      int i = line.indexOf(key);
      if (i < 0) {
        return null;
      }
      int end = line.indexOf('"', i + key.length());
      return end < 0 ? null : line.substring(i + key.length(), end);
    }

    static double value(String line) {
      return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
    }
  }
}
