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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.safecity.gateway.testing.Cli;
import org.safecity.gateway.testing.GatewayProcess;
import org.safecity.gateway.testing.OpenApiResponses;
import org.safecity.gateway.testing.Ports;

/**
 * The demo city as a newcomer runs it: {@code java -jar target/safecity-gateway.jar demo}, with the scripted times
 * shortened. Logging in with the printed logins, the API shows every camera streaming H.264 and every box online,
 * the ERV units moving; the scripted theft raises exactly one theft-suspected alarm (the box's cameras stalled,
 * no separate offline or camera alarm) which clears when the box is back; the power cut puts a box on battery; in
 * the console (Chromium) an operator dispatches the theft's incident and the demo's crew reports on scene. A
 * screenshot is saved as {@code target/demo/demo-console.png}. Recognition is off here, so the hotlisted-plate
 * scene is skipped, which the demo says once ({@link DemoPlatesIT} plays it).
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoIT {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final int CAMERAS = 24;
  static final int BOXES = 24;
  static GatewayProcess demo;
  static int port;
  static final Map<String, String> logins = new HashMap<>();
  static String theftBox;

  @BeforeAll
  static void start() throws Exception {
    Path data = GatewayProcess.tempDir("demo");
    port = Ports.free();
    demo = GatewayProcess.start(Map.of(
            "SAFECITY_HTTP_PORT", String.valueOf(port),
            "SAFECITY_MQTT_PORT", String.valueOf(Ports.free()),
            // Not what the demo is about, and it would fetch models: off here to spare the test machine.
            "SAFECITY_RECOGNITION_ENABLED", "false",
            // The demo makes its own administrator secret and prints it: the test must use what was printed.
            "SAFECITY_BOOTSTRAP_ADMIN_SECRET", ""),
        "demo", "--data-dir", data.resolve("city").toString(),
        "--first-incident-after", "20s", "--incident-every", "25s", "--incident-step", "2s",
        "--box-keepalive", "3s", "--recover-after", "20s");
    demo.awaitUp(Duration.ofSeconds(120));
    String banner = awaitOutput(Pattern.compile("(?m)^  State    .*$"), Duration.ofSeconds(60)).group();
    assertThat(banner).contains("the demo's own");
    Matcher m = Pattern.compile("(?m)^  Login    (\\S+) / (\\S+)  \\(").matcher(demo.output());
    while (m.find()) {
      logins.put(m.group(1), m.group(2));
    }
    assertThat(logins).containsOnlyKeys("admin", "operator", "crew-south-1");
    assertThat(logins.get("admin")).as("the demo's own, not the environment's").isNotEqualTo(GatewayProcess.ADMIN_SECRET);
    assertThat(demo.output()).contains("SafeCity demo city: 24 cameras and 24 street boxes in south and east")
        .contains("  Console  http://localhost:" + port + "/");
  }

  @AfterAll
  static void stop() throws Exception {
    if (demo != null) {
      demo.close();
    }
  }

  @Test
  @Order(1)
  void withThePrintedLoginsEveryCameraStreamsAndEveryBoxIsOnline() throws Exception {
    String operator = login("operator");
    JsonArray cameras = poll(Duration.ofSeconds(60), "every camera streaming", () -> {
      JsonArray list = new JsonObject(get("/api/v1/cameras", "/api/v1/cameras", operator).body()).getJsonArray("cameras");
      return list.size() == CAMERAS && list.stream().map(JsonObject.class::cast)
          .allMatch(c -> "streaming".equals(c.getString("health"))
              && c.getJsonObject("stream").getDouble("fps") > 0) ? list : null;
    });
    for (Object o : cameras) {
      JsonObject stream = ((JsonObject) o).getJsonObject("stream");
      assertThat(stream.getString("codec")).isEqualTo("H264");
      assertThat(stream.getInteger("width")).isEqualTo(640);
      assertThat(stream.getInteger("height")).isEqualTo(360);
      assertThat(stream.getString("source")).startsWith("rtsp push from");
    }
    JsonArray boxes = poll(Duration.ofSeconds(60), "every box online", () -> {
      JsonArray list = new JsonObject(get("/api/v1/boxes", "/api/v1/boxes", operator).body()).getJsonArray("boxes");
      return list.size() == BOXES && list.stream().map(JsonObject.class::cast)
          .allMatch(b -> "online".equals(b.getString("link")) && b.getValue("lastTelemetry") != null) ? list : null;
    });
    assertThat(boxes.stream().map(b -> ((JsonObject) b).getString("region")).distinct()).containsOnly("south", "east");

    // Both crews drive and report through the API; a crew logs in with the printed login.
    String crew = login("crew-south-1");
    assertThat(get("/api/v1/units", "/api/v1/units", crew).statusCode()).isEqualTo(200);
    Map<String, JsonObject> before = units(operator);
    assertThat(before).containsOnlyKeys("erv-south-1", "erv-east-1");
    Map<String, JsonObject> after = poll(Duration.ofSeconds(30), "both units moving", () -> {
      Map<String, JsonObject> now = units(operator);
      return now.keySet().stream().allMatch(u -> now.get(u).getValue("location") != null
          && !now.get(u).getValue("location").equals(before.get(u).getValue("location"))) ? now : null;
    });
    assertThat(after.get("erv-south-1").getString("status")).isEqualTo("available");
    login("admin");
  }

  @Test
  @Order(2)
  void theScriptedTheftRaisesExactlyOneTheftAlarmThatClearsWhenTheBoxIsBack() throws Exception {
    theftBox = awaitOutput(Pattern.compile("demo incident \\d+: theft at (\\S+) \\((south|east)\\): gone dark"),
        Duration.ofSeconds(90)).group(1);
    String operator = login("operator");
    JsonObject theft = poll(Duration.ofSeconds(30), "a theft-suspected alarm for " + theftBox,
        () -> alarms(operator, theftBox).stream().filter(a -> a.getString("kind").equals("theft-suspected")).findFirst()
            .orElse(null));
    assertThat(theft.getString("severity")).isEqualTo("CRITICAL");
    assertThat(theft.getLong("incidentId")).as("it became an incident").isNotNull();
    JsonObject box = new JsonObject(get("/api/v1/boxes/" + theftBox, "/api/v1/boxes/{boxId}", operator).body());
    List<String> boxCameras = box.getJsonArray("cameras").stream().map(String::valueOf).toList();
    assertThat(boxCameras).hasSize(2);
    assertThat(theft.getBoolean("active")).as("seen before the box is back (recover-after 20s)").isTrue();
    JsonObject stolen = poll(Duration.ofSeconds(15), "the stolen box offline with its cameras stalled", () -> {
      JsonObject b = new JsonObject(get("/api/v1/boxes/" + theftBox, "/api/v1/boxes/{boxId}", operator).body());
      return "offline".equals(b.getString("link")) && b.getJsonArray("camerasDown").size() == 2 ? b : null;
    });
    assertThat(stolen.getJsonArray("camerasDown").stream().map(String::valueOf)).containsExactlyInAnyOrderElementsOf(boxCameras);
    assertThat(stolen.getJsonArray("conditions").stream().map(String::valueOf)).contains("door-open", "moved");
    assertThat(stolen.getJsonObject("activeAlarms").getMap()).as("theft is the box's one alarm")
        .containsOnly(Map.entry("theft:" + theftBox, "theft-suspected"));

    // Back home: the one alarm clears, and there never was a second one, nor a separate offline or camera alarm.
    JsonObject cleared = poll(Duration.ofSeconds(60), "the theft alarm cleared", () -> alarms(operator, theftBox).stream()
        .filter(a -> a.getLong("id").equals(theft.getLong("id")) && !a.getBoolean("active")).findFirst().orElse(null));
    assertThat(cleared.getString("clearReason")).isEqualTo("box back online inside its geofence");
    List<JsonObject> all = alarms(operator, theftBox);
    assertThat(all.stream().filter(a -> a.getString("kind").equals("theft-suspected"))).hasSize(1);
    assertThat(all.stream().map(a -> a.getString("kind"))).as("every alarm of the box, its cameras' included")
        .doesNotContain("box-offline", "power-or-link-lost", "camera-down", "box-silent");
  }

  @Test
  @Order(3)
  void theScriptedPowerCutPutsABoxOnBattery() throws Exception {
    String cut = awaitOutput(Pattern.compile("demo incident \\d+: power cut at (\\S+) \\("), Duration.ofSeconds(90)).group(1);
    String operator = login("operator");
    poll(Duration.ofSeconds(30), "an on-battery alarm for " + cut, () -> alarms(operator, cut).stream()
        .filter(a -> a.getString("kind").equals("on-battery") && a.getBoolean("active")).findFirst().orElse(null));
    JsonObject box = new JsonObject(get("/api/v1/boxes/" + cut, "/api/v1/boxes/{boxId}", operator).body());
    assertThat(box.getJsonObject("lastTelemetry").getBoolean("mainsPower")).isFalse();
  }

  @Test
  @Order(4)
  void inTheConsoleAnOperatorDispatchesTheTheftAndTheDemoCrewReportsOnScene() throws Exception {
    assertThat(theftBox).as("the theft test ran").isNotNull();
    Cli.Result install = Cli.run(Duration.ofMinutes(5), null, "bash", ".ci/install-console-client");
    assertThat(install.exit()).as("bash .ci/install-console-client: " + install.output()).isZero();
    assertThat(Path.of("/usr/bin/chromium")).as("Debian's chromium (.ci/test installs it)").exists();
    Path shots = Path.of("target", "demo").toAbsolutePath();
    Files.createDirectories(shots);
    ProcessBuilder pb = new ProcessBuilder("node", "src/test/resources/demo/demo-console.cjs",
        "http://127.0.0.1:" + port, "operator", logins.get("operator"), theftBox, shots.toString())
        .redirectErrorStream(true);
    pb.environment().put("NODE_PATH", Path.of(".ci/console-client/node_modules").toAbsolutePath().toString());
    Process node = pb.start();
    node.getOutputStream().close();
    List<JsonObject> lines = Collections.synchronizedList(new ArrayList<>());
    try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.add(line.startsWith("{") ? new JsonObject(line) : new JsonObject().put("raw", line));
      }
    } finally {
      assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(node.exitValue()).as("%s", lines).isZero();
    JsonObject grid = step(lines, "grid");
    assertThat(grid.getInteger("cameras")).isEqualTo(CAMERAS);
    assertThat(step(lines, "theft-shown").getString("severity")).isEqualTo("CRITICAL");
    JsonObject dispatched = step(lines, "dispatched");
    String unit = theftBox.startsWith("box-s") ? "erv-south-1" : "erv-east-1";
    assertThat(dispatched.getString("proposed")).as("the region's unit").isEqualTo(unit);
    JsonObject onScene = step(lines, "on-scene");
    assertThat(onScene.getJsonArray("steps").stream().map(String::valueOf))
        .anyMatch(s -> s.startsWith("dispatch by operator → " + unit))
        .anyMatch(s -> s.startsWith("on-scene by crew-" + unit.substring(4)));
    assertThat(onScene.getJsonArray("problems")).as("no script errors in the page").isEmpty();
    assertThat(shots.resolve("demo-console.png")).exists();
  }

  @Test
  @Order(5)
  void withRecognitionOffTheHotlistedPlateSceneIsSkippedAndTheDemoSaysSoOnce() throws Exception {
    // Its turn is the third; DemoPlatesIT plays it with recognition on.
    awaitOutput(Pattern.compile("demo: hotlisted plate skipped: recognition is disabled \\(recognition.enabled: false\\)"),
        Duration.ofSeconds(120));
    assertThat(demo.output().lines().filter(l -> l.contains("demo: hotlisted plate skipped"))).hasSize(1);
    assertThat(demo.output()).doesNotContain("hotlisted plate at ")
        .contains("  Hotlist  LEA-1234 (stolen); red-light cameras (e-challans): cam-s01-1, cam-e01-1");
  }

  @Test
  @Order(6)
  void sigtermStopsTheCityAndTheGatewayCleanly() throws Exception {
    demo.signalTerm();
    assertThat(demo.awaitExit(Duration.ofSeconds(60))).as(demo.output()).isZero();
    assertThat(demo.output()).contains("gateway stopped clean=true");
    demo.assertNoBlockedThreads();
  }

  // ------------------------------------------------------------------------------------------ helpers

  static JsonObject step(List<JsonObject> lines, String step) {
    synchronized (lines) {
      return lines.stream().filter(o -> step.equals(o.getString("step"))).findFirst()
          .orElseThrow(() -> new AssertionError("no step " + step + " in " + lines));
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

  static Map<String, JsonObject> units(String token) throws Exception {
    Map<String, JsonObject> out = new HashMap<>();
    new JsonObject(get("/api/v1/units", "/api/v1/units", token).body()).getJsonArray("units")
        .forEach(u -> out.put(((JsonObject) u).getString("id"), (JsonObject) u));
    return out;
  }

  static List<JsonObject> alarmsAll(String token) throws Exception {
    return new JsonObject(get("/api/v1/alarms?limit=500", "/api/v1/alarms", token).body()).getJsonArray("alarms")
        .stream().map(JsonObject.class::cast).toList();
  }

  static List<JsonObject> alarms(String token, String source) throws Exception {
    return alarmsAll(token).stream().filter(a -> source.equals(a.getString("source"))).toList();
  }

  interface Probe<T> {
    T get() throws Exception;
  }

  /** Polls {@code probe} until it gives a value (not null), at most {@code timeout}. */
  static <T> T poll(Duration timeout, String what, Probe<T> probe) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      T v = probe.get();
      if (v != null) {
        return v;
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + timeout + ": " + what);
      }
      Thread.sleep(500);
    }
  }

  /** Waits for a line of the demo's output matching {@code p}; the match. */
  static Matcher awaitOutput(Pattern p, Duration timeout) throws Exception {
    return poll(timeout, "output matching " + p, () -> {
      Matcher m = p.matcher(demo.output());
      return m.find() ? m : null;
    });
  }
}
