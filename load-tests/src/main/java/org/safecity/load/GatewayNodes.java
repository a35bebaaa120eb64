package org.safecity.load;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gateway cluster for the scale-out runs ({@code --nodes N} of the benchmarks): one PostgreSQL (embedded, its own
 * process) and N edge nodes, each the gateway jar in its own JVM, clustered over loopback with explicit member
 * lists, sharing the store, the devices file, the token-signing key pair and the bootstrap admin's secret, as
 * {@code docs/DEPLOYMENT.md} lays them out. Clients spread over the nodes as a TCP load balancer would.
 */
public final class GatewayNodes implements AutoCloseable {
  /** One edge node: its process and where it listens. */
  public record Node(String name, Process process, int httpPort, int mqttPort, int rtspPort, Path log) {
    public URI api() {
      return URI.create("http://127.0.0.1:" + httpPort);
    }

    public long pid() {
      return process.pid();
    }
  }

  private static final Pattern MEMBERS = Pattern.compile("(?m)^gateway_cluster_members\\{[^}]*role=\"edge\"[^}]*\\} (\\S+)$");

  private final EmbeddedPostgres postgres;
  private final Path pgDir;
  private final List<Node> nodes;
  private final String adminSecret;
  private final Map<String, String> shared;

  private GatewayNodes(EmbeddedPostgres postgres, Path pgDir, List<Node> nodes, String adminSecret,
      Map<String, String> shared) {
    this.postgres = postgres;
    this.pgDir = pgDir;
    this.nodes = nodes;
    this.adminSecret = adminSecret;
    this.shared = shared;
  }

  /**
   * Starts PostgreSQL and {@code n} edge nodes with {@code env} (the benchmark's settings; ports, store, cluster
   * and paths are set here) and waits until every node is ready and sees all {@code n} edges.
   */
  public static GatewayNodes start(int n, Path jar, List<String> javaOpts, Map<String, String> env, Path workDir,
      Path devicesFile, Duration ready) throws Exception {
    Files.createDirectories(workDir);
    Path pgDir = workDir.resolve("postgres").toAbsolutePath();
    EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(pgDir)
        .setCleanDataDirectory(true).setOverrideWorkingDirectory(workDir.resolve("pg-bin").toFile())
        // Every node's pool plus its LISTEN connection, and room for the benchmark's own reads.
        .setServerConfig("max_connections", Integer.toString(40 + 20 * n)).start();
    Path keys = writeKeyPair(workDir.resolve("keys"));
    String adminSecret = UUID.randomUUID().toString();
    int[] clusterPorts = new int[n];
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < n; i++) {
      clusterPorts[i] = Broker.freePort();
      members.append(i == 0 ? "" : ",").append("127.0.0.1:").append(clusterPorts[i]);
    }
    Map<String, String> shared = new LinkedHashMap<>();
    shared.put("SAFECITY_STORE_URL", "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres");
    shared.put("SAFECITY_NODE_ROLE", "edge");
    shared.put("SAFECITY_CLUSTER_ENABLED", "true");
    shared.put("SAFECITY_CLUSTER_NAME", "safecity-bench-" + UUID.randomUUID());
    shared.put("SAFECITY_CLUSTER_HOST", "127.0.0.1");
    shared.put("SAFECITY_CLUSTER_MEMBERS", members.toString());
    shared.put("SAFECITY_AUTH_PRIVATE_KEY_FILE", keys.resolve("private.pem").toString());
    shared.put("SAFECITY_AUTH_PUBLIC_KEY_FILE", keys.resolve("public.pem").toString());
    shared.put("SAFECITY_DEVICES_FILE", devicesFile.toAbsolutePath().toString());
    shared.put("SAFECITY_RECOGNITION_FETCH_MODELS", "false");
    List<Node> nodes = new ArrayList<>();
    GatewayNodes g = new GatewayNodes(pg, pgDir, nodes, adminSecret, shared);
    try {
      for (int i = 0; i < n; i++) {
        String name = "edge-" + (i + 1);
        int http = Broker.freePort();
        int mqtt = Broker.freePort();
        int rtsp = Broker.freePort();
        Path log = workDir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(javaOpts);
        cmd.add("-jar");
        cmd.add(jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("SAFECITY_"));
        e.putAll(env);
        e.putAll(shared);
        e.put("SAFECITY_DATA_DIR", workDir.resolve(name).toString());
        e.put("SAFECITY_NODE_NAME", name);
        e.put("SAFECITY_CLUSTER_PORT", Integer.toString(clusterPorts[i]));
        e.put("SAFECITY_HTTP_HOST", "127.0.0.1");
        e.put("SAFECITY_HTTP_PORT", Integer.toString(http));
        e.put("SAFECITY_MQTT_HOST", "127.0.0.1");
        e.put("SAFECITY_MQTT_PORT", Integer.toString(mqtt));
        e.put("SAFECITY_RTSP_HOST", "127.0.0.1");
        e.put("SAFECITY_RTSP_PORT", Integer.toString(rtsp));
        e.put("SAFECITY_RTSP_UDP_RTP_PORT", "0");
        e.put("SAFECITY_BOOTSTRAP_ADMIN_SECRET", adminSecret);
        nodes.add(new Node(name, pb.start(), http, mqtt, rtsp, log));
      }
      g.awaitReady(ready);
      return g;
    } catch (Exception e) {
      g.close();
      throw e;
    }
  }

  private void awaitReady(Duration timeout) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Node node : nodes) {
      while (true) {
        if (!node.process().isAlive()) {
          throw new IOException(node.name() + " exited with " + node.process().exitValue() + " before it was ready; see "
              + node.log());
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("the cluster was not ready within " + timeout.toSeconds() + " s (" + node.name()
              + " sees " + edges(http, node) + " of " + nodes.size() + " edges); see " + node.log());
        }
        if (status(http, node, "/health/ready") == 200 && edges(http, node) == nodes.size()) {
          break;
        }
        Thread.sleep(250);
      }
    }
  }

  private static int status(HttpClient http, Node node, String path) {
    try {
      return http.send(HttpRequest.newBuilder(node.api().resolve(path)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The edge members a node sees ({@code gateway_cluster_members{role="edge"}}), -1 when unknown. */
  static int edges(HttpClient http, Node node) {
    try {
      String text = http.send(HttpRequest.newBuilder(node.api().resolve("/metrics")).timeout(Duration.ofSeconds(5))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = MEMBERS.matcher(text);
      return m.find() ? (int) Double.parseDouble(m.group(1)) : -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** An ES256 pair in the PEM forms the gateway reads (PKCS#8 private key, X.509 public key). */
  static Path writeKeyPair(Path dir) throws Exception {
    Files.createDirectories(dir);
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = g.generateKeyPair();
    Files.writeString(dir.resolve("private.pem"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()),
        StandardCharsets.US_ASCII);
    Files.writeString(dir.resolve("public.pem"), pem("PUBLIC KEY", pair.getPublic().getEncoded()),
        StandardCharsets.US_ASCII);
    return dir;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  public List<Node> nodes() {
    return nodes;
  }

  /** Node {@code i mod N}: how the benchmarks spread their clients (round robin, as a TCP balancer would). */
  public Node node(int i) {
    return nodes.get(Math.floorMod(i, nodes.size()));
  }

  public String adminSecret() {
    return adminSecret;
  }

  /** The settings every node shares (store, cluster, keys, devices), for the results. */
  public Map<String, String> shared() {
    return shared;
  }

  /** CPU seconds of every node and of PostgreSQL's processes so far, from /proc. */
  public double cpuSeconds() {
    double total = 0;
    for (Node node : nodes) {
      total += Math.max(0, ProcStats.treeCpuSeconds(node.pid()));
    }
    for (long pid : ProcStats.withCommandLine(pgDir.toString())) {
      total += Math.max(0, ProcStats.cpuSeconds(pid));
    }
    return total;
  }

  /** Stops the nodes (SIGTERM, then SIGKILL after 20 s) and PostgreSQL. */
  @Override
  public void close() {
    for (Node node : nodes) {
      node.process().destroy();
    }
    for (Node node : nodes) {
      try {
        if (!node.process().waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
          node.process().destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      postgres.close();
    } catch (IOException e) {
      System.err.println("PostgreSQL did not stop cleanly: " + e.getMessage());
    }
  }
}
