package org.safecity.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.testing.CuttableProxy;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * The command-centre console in a real browser (Debian's Chromium driven by playwright-core): an operator logs in,
 * sees an alarm arrive with its severity, acknowledges and dispatches its incident to the proposed unit, reads a
 * camera's figures, and — with the page's connection cut while alarms are committed — is told it is disconnected
 * and then shows every one of those alarms exactly once. The page goes through a {@link CuttableProxy}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ConsoleIT {
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static int port;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final Duration WAIT = Duration.ofSeconds(60);

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    Path devices = dir.resolve("devices.yaml");
    Files.writeString(devices, """
        boxes:
          - id: box-1
            secret: "box-secret"
            region: south
            location: { lat: 24.8600, lon: 67.0100 }
            cameras: [cam-1]
          - id: box-2
            secret: "box-secret"
            region: south
            location: { lat: 24.8700, lon: 67.0200 }
            cameras: []
        cameras:
          - id: cam-1
            region: south
            box: box-1
            location: { lat: 24.8601, lon: 67.0101 }
        """);
    port = Ports.free();
    gateway = Gateway.start(ConfigLoader.load(Optional.empty(), Map.of(
        "SAFECITY_STORE_URL", postgres.url(),
        "SAFECITY_DATA_DIR", dir.resolve("data").toString(),
        "SAFECITY_HTTP_PORT", String.valueOf(port),
        "SAFECITY_MQTT_ENABLED", "false",
        "SAFECITY_RTSP_ENABLED", "false",
        "SAFECITY_DEVICES_FILE", devices.toString(),
        "SAFECITY_DEVICES_BCRYPT_COST", "4",
        "SAFECITY_AUTH_PASSWORD_BCRYPT_COST", "4",
        "SAFECITY_BOOTSTRAP_ADMIN_SECRET", "admin-secret-1")));
    String admin = AuthIT.loginAt(port, "admin", "admin-secret-1");
    account(admin, "op-1", "operator", null, List.of());
    account(admin, "crew-07", "erv-crew", "erv-07", List.of("south"));
    account(admin, "crew-09", "erv-crew", "erv-09", List.of("south"));
    String operator = AuthIT.loginAt(port, "op-1", "op-1-secret");
    for (String u : List.of("erv-07", "erv-09")) {
      var r = call("POST", "/api/v1/units", operator, new JsonObject().put("id", u).put("region", "south"));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }
    position("erv-07", "crew-07", 24.95, 67.20); // ~20 km from box-1
    position("erv-09", "crew-09", 24.862, 67.012); // ~300 m: the one to propose
  }

  static void account(String admin, String id, String role, String unit, List<String> regions) throws Exception {
    JsonObject b = new JsonObject().put("id", id).put("kind", "user").put("role", role).put("secret", id + "-secret")
        .put("regions", new JsonArray(regions)).put("scopes", new JsonArray());
    if (unit != null) {
      b.put("unit", unit);
    }
    assertThat(call("POST", "/api/v1/accounts", admin, b).statusCode()).isEqualTo(201);
  }

  static void position(String unit, String crew, double lat, double lon) throws Exception {
    var r = call("POST", "/api/v1/units/" + unit + "/position", AuthIT.loginAt(port, crew, crew + "-secret"),
        new JsonObject().put("lat", lat).put("lon", lon));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }

  static HttpResponse<String> call(String method, String path, String token, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static LoggedEvent raise(String key, String box, String severity) throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("key", key);
    body.put("kind", "power-or-link-lost");
    body.put("severity", severity);
    body.put("summary", "Box " + box + " (south): power or link lost");
    body.put("details", Map.of());
    return Blocking.await(gateway.eventLog().append(new NewEvent("alarm.raised", box, "south", Instant.now(), body)),
        Duration.ofSeconds(10), "raise");
  }

  @Test
  void theConsoleIsServedAtTheRootWithAPolicyThatAllowsNoRemoteScript() throws Exception {
    var page = call("GET", "/", null, null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.body()).contains("<script type=\"module\" src=\"js/app.js\">").doesNotContain("http://", "https://");
    String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertThat(csp).contains("script-src 'self'", "connect-src 'self'", "object-src 'none'").doesNotContain("unsafe");
    assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
    String modified = page.headers().firstValue("Last-Modified").orElseThrow();
    var again = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
        .header("If-Modified-Since", modified).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).as("revalidated, not downloaded again").isEqualTo(304);
    var js = call("GET", "/js/app.js", null, null);
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("Content-Type").orElse("")).contains("javascript");
    assertThat(call("GET", "/no-such-page.html", null, null).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/api/v1/alarms", null, null).statusCode()).as("the API still needs a token").isEqualTo(401);
  }

  @Test
  void anOperatorDispatchesFromTheConsoleAndMissesNoAlarmAcrossACutConnection() throws Exception {
    // Captured, not inherited: npm would make an inherited stdin non-blocking and write into the test runner's
    // own channel (surefire talks to this JVM over its stdin/stdout).
    org.safecity.gateway.testing.Cli.Result install = org.safecity.gateway.testing.Cli.run(java.time.Duration.ofMinutes(5),
        null, "bash", ".ci/install-console-client");
    assertThat(install.exit()).as("bash .ci/install-console-client: " + install.output()).isZero();
    assertThat(Path.of("/usr/bin/chromium")).as("Debian's chromium (.ci/test installs it)").exists();
    Path shots = Path.of("target", "console");
    Files.createDirectories(shots);
    try (CuttableProxy proxy = new CuttableProxy(port)) {
      ProcessBuilder pb = new ProcessBuilder("node", "src/test/resources/console/console-e2e.cjs",
          "http://127.0.0.1:" + proxy.port(), "op-1", "op-1-secret", shots.toAbsolutePath().toString())
          .redirectErrorStream(true);
      pb.environment().put("NODE_PATH", Path.of(".ci/console-client/node_modules").toAbsolutePath().toString());
      Process node = pb.start();
      LinkedBlockingQueue<JsonObject> lines = new LinkedBlockingQueue<>();
      List<JsonObject> all = Collections.synchronizedList(new ArrayList<>());
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            JsonObject o = line.startsWith("{") ? new JsonObject(line) : new JsonObject().put("raw", line);
            all.add(o);
            lines.add(o);
          }
        } catch (Exception e) {
          lines.add(new JsonObject().put("raw", e.toString()));
        }
      }, "console-output");
      reader.setDaemon(true);
      reader.start();
      Writer toNode = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8);
      try {
        JsonObject loaded = await(lines, o -> "loaded".equals(o.getString("step")), all);
        assertThat(loaded.getInteger("status")).isEqualTo(200);
        assertThat(loaded.getString("csp")).contains("script-src 'self'");
        await(lines, o -> "live".equals(o.getString("step")), all);

        // Phase 1: the alarm, its severity, the incident acknowledged and dispatched to the proposed unit.
        LoggedEvent alarm = raise("site:box-1", "box-1", "CRITICAL");
        send(toNode, new JsonObject().put("cmd", "alarm").put("eventId", alarm.id()).put("source", "box-1"));
        JsonObject shown = await(lines, o -> "alarm-shown".equals(o.getString("step")), all);
        assertThat(shown.getString("severity")).isEqualTo("CRITICAL");
        assertThat(shown.getString("text")).contains("Box box-1 (south): power or link lost");
        JsonObject dispatched = await(lines, o -> "dispatched".equals(o.getString("step")), all);
        assertThat(dispatched.getString("proposed")).as("the nearest unit of the region").isEqualTo("erv-09");
        assertThat(dispatched.getString("unit")).isEqualTo("erv-09");
        assertThat(dispatched.getJsonArray("steps").stream().map(String::valueOf))
            .anyMatch(s -> s.startsWith("acknowledge by op-1")).anyMatch(s -> s.startsWith("dispatch by op-1 → erv-09"));
        assertThat(dispatched.getJsonObject("stats").getString("codec")).as("the camera's figures are shown").isNotBlank();
        String operator = AuthIT.loginAt(port, "op-1", "op-1-secret");
        JsonObject incident = new JsonObject(call("GET", "/api/v1/incidents/" + dispatched.getLong("incidentId"),
            operator, null).body());
        assertThat(incident.getString("state")).as("the gateway agrees").isEqualTo("dispatched");
        assertThat(incident.getString("unit")).isEqualTo("erv-09");
        assertThat(incident.getString("source")).isEqualTo("box-1");

        // Phase 2: the network goes away (reconnects wait) while alarms commit, then comes back.
        int requestsBefore = proxy.requests().size();
        proxy.hold();
        proxy.cut();
        send(toNode, new JsonObject().put("cmd", "cut"));
        JsonObject down = await(lines, o -> "disconnected-shown".equals(o.getString("step")), all);
        assertThat(down.getString("text")).containsIgnoringCase("disconnected");
        List<Long> missed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          missed.add(raise("site:box-2:" + i, "box-2", i % 2 == 0 ? "MAJOR" : "MINOR").id());
        }
        Thread.sleep(1000);
        proxy.release();
        send(toNode, new JsonObject().put("cmd", "expect").put("eventIds", new JsonArray(new ArrayList<>(missed))));
        JsonObject resumed = await(lines, o -> "resumed".equals(o.getString("step")), all);
        List<Long> onPage = resumed.getJsonArray("shown").stream().map(n -> ((Number) n).longValue()).toList();
        assertThat(onPage).as("every alarm committed while cut off, once each").containsAll(missed)
            .doesNotHaveDuplicates().contains(alarm.id());
        assertThat(resumed.getJsonArray("problems")).as("no script errors").isEmpty();
        assertThat(proxy.requests().subList(requestsBefore, proxy.requests().size()))
            .as("the browser's EventSource resumed with Last-Event-ID")
            .anyMatch(r -> r.startsWith("GET /api/v1/events/stream") && r.toLowerCase().contains("last-event-id:"));
        synchronized (all) {
          List<String> banner = all.stream().filter(o -> o.containsKey("conn")).map(o -> o.getString("conn")).toList();
          assertThat(String.join(" ", banner)).as("banner states in order").containsPattern("live.*down.*live");
        }
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("%s", all).isTrue();
        assertThat(node.exitValue()).as("%s", all).isZero();
        assertThat(shots.resolve("console-dispatched.png")).exists();
        assertThat(shots.resolve("console-resumed.png")).exists();
      } finally {
        node.destroyForcibly();
      }
    }
  }

  static void send(Writer w, JsonObject command) throws Exception {
    w.write(command.encode() + "\n");
    w.flush();
  }

  static JsonObject await(LinkedBlockingQueue<JsonObject> lines, Predicate<JsonObject> want, List<JsonObject> all)
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (;;) {
      JsonObject o = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertThat(o).as("console script output so far: %s", all).isNotNull();
      assertThat(o.containsKey("error")).as("console script failed: %s", all).isFalse();
      if (want.test(o)) {
        return o;
      }
    }
  }
}
