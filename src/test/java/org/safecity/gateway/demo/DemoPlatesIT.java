package org.safecity.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safecity.gateway.testing.Cli;
import org.safecity.gateway.testing.GatewayProcess;
import org.safecity.gateway.testing.OpenApiResponses;
import org.safecity.gateway.testing.Ports;

/**
 * The demo city's hotlisted-plate scene with recognition on, as a newcomer would run it: the packaged jar's
 * {@code demo} fetches the OCR models its own way (into the folder the recognition tests share, so a second run
 * finds them verified), and a small city with short script times plays theft, power cut, then the car with
 * {@value DemoClip#HOTLISTED_PLATE} at a red-light camera. The event log (over the contract-validated API) then holds
 * exactly one {@code recognition.plate.hit} for that plate at that camera and its e-challan; no other camera reads
 * a plate; the operator's console, open before the scene, shows both in its live feed once (screenshot
 * {@code target/demo/demo-plates-console.png}).
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class DemoPlatesIT {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  /** The models folder the recognition tests share ({@code recognition.Pictures.MODELS}). */
  static final Path MODELS = Path.of("target", "test-models").toAbsolutePath();
  static GatewayProcess demo;
  static int port;
  static final Map<String, String> logins = new HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    Path data = GatewayProcess.tempDir("demo-plates");
    port = Ports.free();
    demo = GatewayProcess.start(Map.of(
            "SAFECITY_HTTP_PORT", String.valueOf(port),
            "SAFECITY_MQTT_PORT", String.valueOf(Ports.free()),
            "SAFECITY_RECOGNITION_MODELS_DIR", MODELS.toString(),
            "SAFECITY_BOOTSTRAP_ADMIN_SECRET", ""),
        "demo", "--data-dir", data.resolve("city").toString(), "--boxes", "2", "--cameras", "4",
        "--first-incident-after", "5s", "--incident-every", "10s", "--incident-step", "1s",
        "--box-keepalive", "3s", "--recover-after", "4s");
    demo.awaitUp(Duration.ofSeconds(120));
    awaitOutput(Pattern.compile("(?m)^  State    .*$"), Duration.ofSeconds(60));
    Matcher m = Pattern.compile("(?m)^  Login    (\\S+) / (\\S+)  \\(").matcher(demo.output());
    while (m.find()) {
      logins.put(m.group(1), m.group(2));
    }
    assertThat(logins).containsKeys("admin", "operator");
  }

  @AfterAll
  static void stop() throws Exception {
    if (demo != null) {
      demo.close();
    }
  }

  @Test
  void theHotlistedCarAtARedLightCameraIsOneHitAndOneEchallanInTheLogAndTheConsole() throws Exception {
    assertThat(demo.output()).contains("  Hotlist  LEA-1234 (stolen); red-light cameras (e-challans): cam-s01-1, cam-e01-1")
        .contains("in turn: theft, power cut, hotlisted plate (while the plate recognizer is on)");
    String operator = login("operator");
    JsonObject listed = new JsonObject(get("/api/v1/hotlist/LEA-1234", "/api/v1/hotlist/{plate}", operator).body());
    assertThat(listed.getString("reason")).isEqualTo("stolen");

    // The operator's console is open before the scene: its live feed must show what the gateway reads.
    Process console = startConsole();
    List<JsonObject> consoleLines = Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> readLines(console, consoleLines), "console-output");
    reader.start();

    awaitOutput(Pattern.compile("demo: the plate recognizer is on"), Duration.ofSeconds(180));
    Matcher scene = awaitOutput(Pattern.compile("demo incident \\d+: hotlisted plate at (\\S+) \\((south|east)\\): a car "
        + "with the hotlisted plate LEA-1234 runs the red light at (\\S+):"), Duration.ofSeconds(90));
    String box = scene.group(1);
    String region = scene.group(2);
    String camera = scene.group(3);
    assertThat(camera).isIn("cam-s01-1", "cam-e01-1").startsWith("cam-" + box.substring(4));

    JsonObject hit = poll(Duration.ofSeconds(60), "a recognition.plate.hit at " + camera, () -> events(operator).stream()
        .filter(e -> e.getString("type").equals("recognition.plate.hit")).findFirst().orElse(null));
    assertThat(hit.getString("source")).isEqualTo(camera);
    assertThat(hit.getString("region")).isEqualTo(region);
    JsonObject body = hit.getJsonObject("body");
    assertThat(body.getString("plate")).isEqualTo("LEA-1234");
    assertThat(body.getString("rawText")).isEqualTo("LEA-1234");
    assertThat(body.getString("reason")).isEqualTo("stolen");
    assertThat(body.getDouble("confidence")).isGreaterThan(0.8);
    assertThat(body.getJsonObject("snapshots").getLong("frame")).isNotNull();

    JsonObject issued = poll(Duration.ofSeconds(30), "an e-challan at " + camera, () -> events(operator).stream()
        .filter(e -> e.getString("type").equals("echallan.issued")).findFirst().orElse(null));
    assertThat(issued.getString("source")).isEqualTo(camera);
    assertThat(issued.getJsonObject("body").getString("plate")).isEqualTo("LEA-1234");
    assertThat(issued.getJsonObject("body").getString("rule")).isEqualTo("red-light");
    JsonArray challans = new JsonObject(get("/api/v1/echallans?camera=" + camera, "/api/v1/echallans", operator).body())
        .getJsonArray("echallans");
    assertThat(challans).hasSize(1);
    assertThat(challans.getJsonObject(0).getString("plate")).isEqualTo("LEA-1234");
    assertThat(challans.getJsonObject(0).getString("status")).isEqualTo("issued");

    // The car passes once: the camera goes back to its street, and the log holds one hit and one e-challan, at
    // that camera only (the test-pattern cameras are not sampled, the other red-light camera saw no car).
    awaitOutput(Pattern.compile("hotlisted plate at " + box + " \\(" + region + "\\): the car has gone; " + camera
        + " shows its street again"), Duration.ofSeconds(30));
    poll(Duration.ofSeconds(20), camera + " streaming again", () -> "streaming".equals(new JsonObject(
        get("/api/v1/cameras/" + camera, "/api/v1/cameras/{cameraId}", operator).body()).getString("health")) ? true : null);
    Thread.sleep(2000); // an e-challan's event goes through the outbox
    List<JsonObject> all = events(operator);
    assertThat(all.stream().filter(e -> e.getString("type").startsWith("recognition.")))
        .as("recognition events").hasSize(1);
    assertThat(all.stream().filter(e -> e.getString("type").equals("echallan.issued"))).hasSize(1);
    assertThat(all.stream().filter(e -> e.getString("type").equals("hotlist.added"))).hasSize(1);

    // The console's feed: the hit and the e-challan, each once, from the camera that read them.
    assertThat(console.waitFor(180, TimeUnit.SECONDS)).as("console script ended: %s", consoleLines).isTrue();
    reader.join(5000);
    assertThat(console.exitValue()).as("%s", consoleLines).isZero();
    JsonObject shown = DemoIT.step(consoleLines, "hits");
    assertThat(shown.getJsonArray("hits")).hasSize(1);
    assertThat(shown.getJsonArray("hits").getString(0)).contains("hotlisted plate LEA-1234 (stolen)").contains(camera);
    assertThat(shown.getString("hitSev")).isEqualTo("HOTLIST");
    assertThat(shown.getJsonArray("hitIds").getString(0)).isEqualTo(String.valueOf(hit.getLong("id")));
    assertThat(shown.getJsonArray("challans")).hasSize(1);
    assertThat(shown.getJsonArray("challans").getString(0)).contains("LEA-1234, red-light").contains(camera);
    assertThat(shown.getJsonArray("problems")).as("no script errors in the page").isEmpty();
    assertThat(Path.of("target", "demo", "demo-plates-console.png")).exists();

    demo.signalTerm();
    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as(demo.output()).isZero();
    assertThat(demo.output()).contains("gateway stopped clean=true");
    demo.assertNoBlockedThreads();
  }

  // ------------------------------------------------------------------------------------------ helpers

  static Process startConsole() throws Exception {
    Cli.Result install = Cli.run(Duration.ofMinutes(5), null, "bash", ".ci/install-console-client");
    assertThat(install.exit()).as("bash .ci/install-console-client: " + install.output()).isZero();
    assertThat(Path.of("/usr/bin/chromium")).as("Debian's chromium (.ci/test installs it)").exists();
    Path shots = Path.of("target", "demo").toAbsolutePath();
    Files.createDirectories(shots);
    ProcessBuilder pb = new ProcessBuilder("node", "src/test/resources/demo/demo-plates-console.cjs",
        "http://127.0.0.1:" + port, "operator", logins.get("operator"), "LEA-1234", shots.toString())
        .redirectErrorStream(true);
    pb.environment().put("NODE_PATH", Path.of(".ci/console-client/node_modules").toAbsolutePath().toString());
    Process node = pb.start();
    node.getOutputStream().close();
    return node;
  }

  static void readLines(Process p, List<JsonObject> lines) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        System.out.println("[console] " + line);
        lines.add(line.startsWith("{") ? new JsonObject(line) : new JsonObject().put("raw", line));
      }
    } catch (Exception e) {
      lines.add(new JsonObject().put("raw", "reading failed: " + e));
    }
  }

  static String login(String user) throws Exception {
    HttpResponse<String> res;
    int tries = 0;
    do {
      if (tries > 0) {
        Thread.sleep(1000); // 503 with Retry-After: every password checker busy (the demo's crews log in too)
      }
      res = OpenApiResponses.check("POST", "/api/v1/auth/token", HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/api/v1/auth/token"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("username", user)
              .put("password", logins.get(user)).encode())).build(), HttpResponse.BodyHandlers.ofString()));
    } while (res.statusCode() == 503 && res.headers().firstValue("Retry-After").isPresent() && ++tries < 10);
    assertThat(res.statusCode()).as("login as %s: %s", user, res.body()).isEqualTo(200);
    return new JsonObject(res.body()).getString("accessToken");
  }

  static HttpResponse<String> get(String path, String template, String token) throws Exception {
    var res = OpenApiResponses.check("GET", template, HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + path)).header("Authorization", "Bearer " + token).build(),
        HttpResponse.BodyHandlers.ofString()));
    assertThat(res.statusCode()).as("GET %s: %s", path, res.body()).isEqualTo(200);
    return res;
  }

  /** The whole event log, page by page, minus the boxes' telemetry. */
  static List<JsonObject> events(String token) throws Exception {
    List<JsonObject> out = new ArrayList<>();
    long after = 0;
    while (true) {
      JsonObject page = new JsonObject(get("/api/v1/events?after=" + after + "&limit=1000", "/api/v1/events", token).body());
      page.getJsonArray("events").stream().map(JsonObject.class::cast)
          .filter(e -> !e.getString("type").endsWith("telemetry")).forEach(out::add);
      after = page.getLong("nextAfter");
      if (!page.getBoolean("hasMore")) {
        return out;
      }
    }
  }

  static <T> T poll(Duration timeout, String what, DemoIT.Probe<T> probe) throws Exception {
    return DemoIT.poll(timeout, what, probe);
  }

  static Matcher awaitOutput(Pattern p, Duration timeout) throws Exception {
    return poll(timeout, "output matching " + p, () -> {
      Matcher m = p.matcher(demo.output());
      return m.find() ? m : null;
    });
  }
}
