package org.safecity.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safecity.gateway.testing.GatewayProcess;
import org.safecity.gateway.testing.Ports;

/** The packaged jar as an operator runs it: embedded defaults, ops endpoints, signals, start-up errors. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GatewayProcessIT {
  static final Duration UP = Duration.ofSeconds(90);
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  String token;

  HttpResponse<String> get(int port, String path) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void embeddedDefaultsServeOpsEndpointsAndSigtermExitsZero() throws Exception {
    Path data = GatewayProcess.tempDir("defaults");
    int port = Ports.free();
    try (GatewayProcess gw = GatewayProcess.start(Map.of("SAFECITY_DATA_DIR", data.toString(),
        "SAFECITY_HTTP_PORT", String.valueOf(port))).awaitUp(UP)) {
      assertThat(gw.output()).contains("http://localhost:" + port + "/health/ready").contains("embedded PostgreSQL");

      var ready = get(port, "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).contains("\"status\":\"UP\"");
      assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);

      var metrics = get(port, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("vertx_http_server_requests_total")
          .contains("gateway_event_log_appended_total");

      var anonymous = get(port, "/api/v1/events?after=0&limit=10");
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("WWW-Authenticate")).get().asString().startsWith("Bearer");
      token = gw.adminToken();
      var page = get(port, "/api/v1/events?after=0&limit=10");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("\"events\":[").contains("\"hasMore\":false");

      var bad = get(port, "/api/v1/events?limit=1000000000");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.headers().firstValue("content-type")).contains("application/problem+json");
      assertThat(bad.body()).contains("\"status\":400").contains("limit");
      assertThat(get(port, "/api/v1/events?after=-3").statusCode()).isEqualTo(400);
      assertThat(get(port, "/api/v1/events?after=abc").statusCode()).isEqualTo(400);

      token = null;
      var spec = get(port, "/api/v1/openapi.yaml");
      assertThat(spec.body()).isEqualTo(Files.readString(Path.of("api-spec/openapi.yaml")));

      long t0 = System.nanoTime();
      gw.signalTerm();
      int exit = gw.awaitExit(Duration.ofSeconds(10));
      assertThat(exit).as("exit code after SIGTERM; its last lines:\n%s", gw.tail(40)).isZero();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(10_000);
      assertThat(gw.output()).contains("gateway stopped clean=true");
      gw.assertNoBlockedThreads();
    }
  }

  @Test
  void killedGatewayRestartsOnItsDataDir() throws Exception {
    Path data = GatewayProcess.tempDir("kill");
    int port = Ports.free();
    Map<String, String> env = Map.of("SAFECITY_DATA_DIR", data.toString(), "SAFECITY_HTTP_PORT", String.valueOf(port));
    try (GatewayProcess first = GatewayProcess.start(env).awaitUp(UP)) {
      first.kill(); // SIGKILL: no shutdown hook, its PostgreSQL is orphaned
      first.awaitExit(Duration.ofSeconds(10));
    }
    try (GatewayProcess second = GatewayProcess.start(env).awaitUp(UP)) {
      assertThat(get(port, "/health/ready").statusCode()).isEqualTo(200);
      second.signalTerm();
      assertThat(second.awaitExit(Duration.ofSeconds(10))).isZero();
    }
  }

  @Test
  void portInUseIsNamedWithItsSetting() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      int port = taken.getLocalPort();
      try (GatewayProcess gw = GatewayProcess.start(Map.of("SAFECITY_DATA_DIR", GatewayProcess.tempDir("busy").toString(),
          "SAFECITY_HTTP_PORT", String.valueOf(port)))) {
        assertThat(gw.awaitExit(UP)).isEqualTo(1);
        assertThat(gw.output()).contains("HTTP port " + port + " is already in use")
            .contains("http.port").contains("SAFECITY_HTTP_PORT");
      }
    }
  }

  @Test
  void badConfigurationStopsStartUpWithOneClearLine() throws Exception {
    Path data = GatewayProcess.tempDir("badconf");
    Path file = data.resolve("bad.yaml");
    Files.writeString(file, "http:\n  port: 99999\n");
    try (GatewayProcess gw = GatewayProcess.start(Map.of(), "--config", file.toString())) {
      assertThat(gw.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(gw.output().strip()).isEqualTo("safecity-gateway: config file " + file
          + ", key http.port: expected an integer 1..65535, got \"99999\"");
    }
    try (GatewayProcess gw = GatewayProcess.start(Map.of("SAFECITY_HTTP_PORT", "http"))) {
      assertThat(gw.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(gw.output()).contains("SAFECITY_HTTP_PORT").contains("expected an integer").doesNotContain("Exception");
    }
  }

  @Test
  void withoutABootstrapSecretTheAdminPasswordIsGeneratedAndPrintedOnce() throws Exception {
    Path data = GatewayProcess.tempDir("admin");
    int port = Ports.free();
    Map<String, String> env = Map.of("SAFECITY_DATA_DIR", data.toString(), "SAFECITY_HTTP_PORT", String.valueOf(port),
        "SAFECITY_BOOTSTRAP_ADMIN_SECRET", "");
    String password;
    try (GatewayProcess gw = GatewayProcess.start(env).awaitUp(UP)) {
      // The banner's lines are read from the process by another thread: the admin line may follow "is up" a moment later.
      org.safecity.gateway.testing.Eventually.await("the admin line", Duration.ofSeconds(10), () ->
          assertThat(gw.output()).contains("Admin    username 'admin', password "));
      var line = java.util.Arrays.stream(gw.output().split("\n")).filter(l -> l.contains("Admin    username 'admin', password "))
          .findFirst().orElseThrow(() -> new AssertionError("no admin line in:\n" + gw.output()));
      password = line.substring(line.lastIndexOf(' ') + 1);
      assertThat(GatewayProcess.login(port, "admin", password)).isNotBlank();
      gw.signalTerm();
      gw.awaitExit(Duration.ofSeconds(30));
    }
    try (GatewayProcess gw = GatewayProcess.start(env).awaitUp(UP)) {
      assertThat(gw.output()).as("printed only on the first start").doesNotContain("Admin    username");
      assertThat(GatewayProcess.login(port, "admin", password)).as("kept across restarts").isNotBlank();
      assertThat(gw.output()).doesNotContain(password);
    }
  }
}
