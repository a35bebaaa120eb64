package org.safecity.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.testing.Cli;
import org.safecity.gateway.testing.OpenApiResponses;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/** Street boxes over REST with real MQTT clients as the boxes: live state, telemetry history, commands. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BoxApiIT {
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static int port;
  static int mqtt;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static String operator;
  static String crewEast;

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    Path devices = dir.resolve("devices.yaml");
    Files.writeString(devices, """
        boxes:
          - id: box-1
            secret: "box-secret-1"
            region: south
            location: { lat: 24.86, lon: 67.01 }
            cameras: []
          - id: box-2
            secret: "box-secret-2"
            region: east
            location: { lat: 24.91, lon: 67.09 }
            cameras: []
        cameras: []
        """);
    port = Ports.free();
    mqtt = Ports.free();
    gateway = Gateway.start(ConfigLoader.load(Optional.empty(), Map.of(
        "SAFECITY_STORE_URL", postgres.url(),
        "SAFECITY_DATA_DIR", dir.resolve("data").toString(),
        "SAFECITY_HTTP_PORT", String.valueOf(port),
        "SAFECITY_MQTT_PORT", String.valueOf(mqtt),
        "SAFECITY_RTSP_ENABLED", "false",
        "SAFECITY_DEVICES_FILE", devices.toString(),
        "SAFECITY_DEVICES_BCRYPT_COST", "4",
        "SAFECITY_AUTH_PASSWORD_BCRYPT_COST", "4",
        "SAFECITY_BOOTSTRAP_ADMIN_SECRET", "admin-secret-1")));
    String admin = AuthIT.loginAt(port, "admin", "admin-secret-1");
    for (JsonObject a : List.of(
        new JsonObject().put("id", "op-1").put("kind", "user").put("role", "operator").put("secret", "op-1-secret"),
        new JsonObject().put("id", "crew-e").put("kind", "user").put("role", "erv-crew").put("secret", "crew-e-secret")
            .put("unit", "erv-2").put("regions", new JsonArray().add("east")))) {
      assertThat(call("POST", "/api/v1/accounts", "/api/v1/accounts", admin, a).statusCode()).isEqualTo(201);
    }
    operator = AuthIT.loginAt(port, "op-1", "op-1-secret");
    crewEast = AuthIT.loginAt(port, "crew-e", "crew-e-secret");
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }

  static HttpResponse<String> call(String method, String template, String path, String token, JsonObject body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token);
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
    }
    return OpenApiResponses.check(method, template, HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  static void telemetry(int battery, String door) throws Exception {
    Cli.Result r = Cli.run(Duration.ofSeconds(20), null, "mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(mqtt),
        "-V", "mqttv5", "-u", "box-1", "-P", "box-secret-1", "-i", "box-1", "-q", "1", "-t", "boxes/box-1/telemetry",
        "-m", "{\"mainsPower\":false,\"batteryPercent\":" + battery + ",\"door\":\"" + door + "\",\"tamper\":false}");
    assertThat(r.exit()).as(r.output()).isZero();
  }

  @Test
  void stateTelemetryHistoryAndRegions() throws Exception {
    telemetry(80, "closed");
    telemetry(79, "open");
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    JsonObject box;
    do {
      box = new JsonObject(call("GET", "/api/v1/boxes/{boxId}", "/api/v1/boxes/box-1", operator, null).body());
    } while (box.getJsonObject("lastTelemetry") == null || box.getJsonObject("lastTelemetry").getInteger("batteryPercent") != 79
        && System.nanoTime() < deadline);
    assertThat(box.getJsonArray("conditions").getList()).contains("on-battery", "door-open");
    assertThat(box.getJsonObject("lastTelemetry").getString("door")).isEqualTo("open");

    var history = new JsonObject(call("GET", "/api/v1/boxes/{boxId}/telemetry", "/api/v1/boxes/box-1/telemetry?limit=10",
        operator, null).body()).getJsonArray("telemetry");
    assertThat(history.stream().map(e -> ((JsonObject) e).getJsonObject("body").getInteger("batteryPercent")))
        .as("newest first").containsExactly(79, 80);

    var all = new JsonObject(call("GET", "/api/v1/boxes", "/api/v1/boxes", crewEast, null).body()).getJsonArray("boxes");
    assertThat(all.stream().map(b -> ((JsonObject) b).getString("id"))).containsExactly("box-2");
    assertThat(call("GET", "/api/v1/boxes/{boxId}", "/api/v1/boxes/box-1", crewEast, null).statusCode()).isEqualTo(403);
    assertThat(call("GET", "/api/v1/boxes/{boxId}", "/api/v1/boxes/box-9", operator, null).statusCode()).isEqualTo(404);
  }

  @Test
  void aCommandReachesTheBoxOverMqtt() throws Exception {
    Process box = Cli.start("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(mqtt), "-V", "mqttv5", "-u", "box-1",
        "-P", "box-secret-1", "-i", "box-1", "-q", "1", "-t", "boxes/box-1/cmd", "-C", "1", "-W", "30");
    try {
      Thread.sleep(1000); // subscribed
      assertThat(call("POST", "/api/v1/boxes/{boxId}/commands", "/api/v1/boxes/box-1/commands", crewEast,
          new JsonObject().put("action", "siren-on")).statusCode()).as("crews do not command boxes").isEqualTo(403);
      var bad = call("POST", "/api/v1/boxes/{boxId}/commands", "/api/v1/boxes/box-1/commands", operator,
          new JsonObject().put("action", "camera-power-cycle"));
      assertThat(bad.statusCode()).as("the device contract needs cameraId").isEqualTo(400);
      var sent = call("POST", "/api/v1/boxes/{boxId}/commands", "/api/v1/boxes/box-1/commands", operator,
          new JsonObject().put("action", "siren-on").put("durationSeconds", 60));
      assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
      String id = new JsonObject(sent.body()).getString("commandId");
      assertThat(box.waitFor(30, TimeUnit.SECONDS)).isTrue();
      String received = new String(box.getInputStream().readAllBytes());
      assertThat(new JsonObject(received.trim()).getString("commandId")).isEqualTo(id);
      assertThat(received).contains("\"action\":\"siren-on\"").contains("\"durationSeconds\":60");
    } finally {
      box.destroyForcibly();
    }
  }
}
