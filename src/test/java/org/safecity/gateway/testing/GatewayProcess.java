package org.safecity.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The packaged gateway ({@code target/safecity-gateway.jar}) as a real child process: what an operator runs.
 * Output is kept for assertions; {@link #assertNoBlockedThreads()} checks the child's own blocked-thread warnings.
 */
public final class GatewayProcess implements AutoCloseable {
  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  public final int httpPort;

  private final Thread pump;

  private GatewayProcess(Process process, int httpPort) {
    this.process = process;
    this.httpPort = httpPort;
    pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
          System.out.println("[gateway] " + line);
        }
      } catch (IOException ignored) {
        // process ended
      }
    }, "gateway-output");
    pump.setDaemon(true);
    pump.start();
  }

  /** The bootstrap administrator's secret every test process gets unless the test sets its own. */
  public static final String ADMIN_SECRET = "test-admin-secret";

  /** Logs in over the API; the access token. */
  public static String login(int httpPort, String username, String password) throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    var res = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort + "/api/v1/auth/token"))
        .header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(new io.vertx.core.json.JsonObject()
            .put("username", username).put("password", password).encode())).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return new io.vertx.core.json.JsonObject(res.body()).getString("accessToken");
  }

  /** The bootstrap administrator's token. */
  public String adminToken() throws Exception {
    return login(httpPort, "admin", ADMIN_SECRET);
  }

  public static Path jar() {
    Path jar = Path.of(System.getProperty("gateway.jar", "target/safecity-gateway.jar"));
    assertThat(jar).as("packaged jar (run through `mvn verify`)").exists();
    return jar;
  }

  /** Starts the jar with these environment variables (data dir, ports ...) and extra arguments. */
  public static GatewayProcess start(Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m",
        // A native crash report goes where the test's report is kept, not into the working directory.
        "-XX:ErrorFile=target/hs_err_gateway_pid%p.log", "-jar", jar().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> e = pb.environment();
    e.keySet().removeIf(k -> k.startsWith("SAFECITY_"));
    Map<String, String> all = new HashMap<>(env);
    all.putIfAbsent("SAFECITY_MQTT_ENABLED", "false");
    all.putIfAbsent("SAFECITY_RTSP_PORT", String.valueOf(Ports.free()));
    all.putIfAbsent("SAFECITY_RTSP_UDP_RTP_PORT", "0");
    all.putIfAbsent("SAFECITY_BOOTSTRAP_ADMIN_SECRET", ADMIN_SECRET);
    e.putAll(all);
    String port = all.getOrDefault("SAFECITY_HTTP_PORT", "8080");
    int http = port.matches("\\d+") ? Integer.parseInt(port) : -1;
    return new GatewayProcess(pb.start(), http);
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Waits for the start-up banner. */
  public GatewayProcess awaitUp(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (lines.stream().anyMatch(l -> l.startsWith("SafeCity Gateway is up"))) {
        return this;
      }
      if (!process.isAlive()) {
        throw new AssertionError("gateway exited with " + process.exitValue() + ":\n" + output());
      }
      Thread.sleep(50);
    }
    throw new AssertionError("gateway not up within " + timeout + ":\n" + output());
  }

  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("gateway still running after " + timeout + ":\n" + output());
    }
    pump.join(5000); // read its last lines before anyone asserts on them
    return process.exitValue();
  }

  public void signalTerm() {
    // SIGTERM through the handle: Process.destroy() would also close our end of its output pipe.
    process.toHandle().destroy();
  }

  public void kill() {
    process.toHandle().destroyForcibly(); // SIGKILL
  }

  public long pid() {
    return process.pid();
  }

  public String output() {
    return String.join("\n", lines);
  }

  /** The last {@code n} lines of its output (for an assertion's message). */
  public String tail(int n) {
    List<String> all = new ArrayList<>(lines);
    return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
  }

  public void assertNoBlockedThreads() {
    assertThat(lines).as("blocked-thread warnings in the gateway's log").noneMatch(l -> l.contains("has been blocked for"));
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  public static Path tempDir(String prefix) throws IOException {
    Path base = Path.of("target", "it-data");
    Files.createDirectories(base);
    return Files.createTempDirectory(base, prefix).toAbsolutePath();
  }
}
