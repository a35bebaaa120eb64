package org.safecity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.testing.Eventually.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safecity.gateway.testing.Ffmpeg;
import org.safecity.gateway.testing.GatewayProcess;
import org.safecity.gateway.testing.OpenApiResponses;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * Camera health on two edge nodes (real processes, one PostgreSQL): a camera streams to one of them, yet both show
 * it streaming, each change is written once (not once per node), a camera that streams nowhere goes offline once,
 * and the box's judge learns its camera is down wherever the camera streamed.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CameraHealthClusterIT {
  static final String CLUSTER_NAME = "safecity-it-" + java.util.UUID.randomUUID();
  static final Duration UP = Duration.ofSeconds(120);
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static Path dir;
  static TestPostgres pg;
  static GatewayProcess a;
  static GatewayProcess b;
  static int rtspA;
  static int rtspB;
  static final List<Process> cameras = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    dir = GatewayProcess.tempDir("camera-cluster");
    pg = new TestPostgres(dir.resolve("pg"));
    Path devices = dir.resolve("devices.yaml");
    Files.writeString(devices, """
        boxes:
          - id: box-1
            secret: "box-secret"
            region: south
            location: { lat: 24.86, lon: 67.01 }
            cameras: [cam-1, cam-2]
        cameras:
          - id: cam-1
            box: box-1
            region: south
            location: { lat: 24.86, lon: 67.01 }
            publishUser: cam-1
            publishSecret: "pub-cam-1"
          - id: cam-2
            box: box-1
            region: south
            location: { lat: 24.86, lon: 67.01 }
        """);
    int[] cluster = {Ports.free(), Ports.free()};
    rtspA = Ports.free();
    rtspB = Ports.free();
    a = start("edge-a", cluster[0], cluster, rtspA, devices);
    b = start("edge-b", cluster[1], cluster, rtspB, devices);
    a.awaitUp(UP);
    b.awaitUp(UP);
  }

  static GatewayProcess start(String name, int clusterPort, int[] cluster, int rtsp, Path devices) throws Exception {
    return GatewayProcess.start(new HashMap<>(Map.ofEntries(
        Map.entry("SAFECITY_DATA_DIR", dir.resolve(name).toString()),
        Map.entry("SAFECITY_STORE_URL", pg.url()),
        Map.entry("SAFECITY_HTTP_PORT", String.valueOf(Ports.free())),
        Map.entry("SAFECITY_HTTP_INSTANCES", "1"),
        Map.entry("SAFECITY_RTSP_PORT", String.valueOf(rtsp)),
        Map.entry("SAFECITY_RTSP_INSTANCES", "1"),
        Map.entry("SAFECITY_DEVICES_FILE", devices.toString()),
        Map.entry("SAFECITY_DEVICES_BCRYPT_COST", "4"),
        Map.entry("SAFECITY_RECOGNITION_ENABLED", "false"),
        Map.entry("SAFECITY_HEALTH_CAMERA_STALLED_AFTER", "2s"),
        // Long enough for cam-1 to connect after the start (else it is offline before it ever streamed).
        Map.entry("SAFECITY_HEALTH_CAMERA_OFFLINE_AFTER", "15s"),
        Map.entry("SAFECITY_NODE_ROLE", "edge"),
        Map.entry("SAFECITY_NODE_NAME", name),
        Map.entry("SAFECITY_CLUSTER_ENABLED", "true"),
        // A name of this run's own: a node left over from another test on these loopback ports cannot join.
        Map.entry("SAFECITY_CLUSTER_NAME", CLUSTER_NAME),
        Map.entry("SAFECITY_CLUSTER_PORT", String.valueOf(clusterPort)),
        Map.entry("SAFECITY_CLUSTER_MEMBERS", "127.0.0.1:" + cluster[0] + ",127.0.0.1:" + cluster[1]),
        Map.entry("SAFECITY_CLUSTER_FAILURE_TIMEOUT", "3s"))));
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process p : cameras) {
      p.destroy();
      p.waitFor(5, TimeUnit.SECONDS);
    }
    for (GatewayProcess g : new GatewayProcess[] {a, b}) {
      if (g != null) {
        g.close();
      }
    }
    if (pg != null) {
      pg.close();
    }
  }

  static HttpResponse<String> get(GatewayProcess g, String path, String token) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort + path))
        .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String health(GatewayProcess g, String token, String camera) throws Exception {
    var r = OpenApiResponses.check("GET", "/api/v1/cameras/{cameraId}", get(g, "/api/v1/cameras/" + camera, token));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body()).getString("health");
  }

  static List<JsonObject> events(String token) throws Exception {
    List<JsonObject> out = new ArrayList<>();
    long from = 0;
    while (true) {
      var r = OpenApiResponses.check("GET", "/api/v1/events", get(b, "/api/v1/events?after=" + from + "&limit=500", token));
      JsonArray page = new JsonObject(r.body()).getJsonArray("events");
      page.forEach(e -> out.add((JsonObject) e));
      if (page.size() < 500) {
        return out;
      }
      from = page.getJsonObject(page.size() - 1).getLong("id");
    }
  }

  static long count(List<JsonObject> events, String type, String source) {
    return events.stream().filter(e -> e.getString("type").equals(type) && e.getString("source").equals(source)).count();
  }

  Process push(int rtsp) throws Exception {
    Process p = Ffmpeg.push("rtsp://cam-1:pub-cam-1@127.0.0.1:" + rtsp + "/cam-1", "libx264", "320x240", "tcp", 25);
    cameras.add(p);
    return p;
  }

  @Test
  void everyEdgeShowsTheCameraAsItIsAndEachChangeIsWrittenOnce() throws Exception {
    Process camera = push(rtspA);
    String tokenA = a.adminToken();
    String tokenB = b.adminToken();
    // cam-1 streams to A only; B shows it streaming too. cam-2 streams nowhere: offline on both.
    await("cam-1 streaming and cam-2 offline on both nodes", Duration.ofSeconds(60), () -> {
      assertThat(health(a, tokenA, "cam-1")).isEqualTo("streaming");
      assertThat(health(b, tokenB, "cam-1")).isEqualTo("streaming");
      assertThat(health(a, tokenA, "cam-2")).isEqualTo("offline");
      assertThat(health(b, tokenB, "cam-2")).isEqualTo("offline");
    });
    Thread.sleep(3000); // a few more health ticks on both nodes
    List<JsonObject> events = events(tokenB);
    assertThat(count(events, "camera.streaming", "cam-1")).as("written once, not by each node").isEqualTo(1);
    assertThat(count(events, "camera.stalled", "cam-1") + count(events, "camera.offline", "cam-1"))
        .as("B never saw cam-1's frames itself, yet never took it for down").isZero();
    assertThat(count(events, "camera.offline", "cam-2")).isEqualTo(1);

    // The camera stops: stalled, then offline, once each; the box's judge learns it is down.
    camera.destroy();
    await("cam-1 stalled, on both nodes", Duration.ofSeconds(15), () -> {
      assertThat(health(a, tokenA, "cam-1")).isEqualTo("stalled");
      assertThat(health(b, tokenB, "cam-1")).isEqualTo("stalled");
    });
    await("cam-1 offline on both nodes", Duration.ofSeconds(30), () -> {
      assertThat(health(a, tokenA, "cam-1")).isEqualTo("offline");
      assertThat(health(b, tokenB, "cam-1")).isEqualTo("offline");
    });
    // It comes back on the other node.
    push(rtspB);
    await("cam-1 streaming again on both nodes", Duration.ofSeconds(30), () -> {
      assertThat(health(a, tokenA, "cam-1")).isEqualTo("streaming");
      assertThat(health(b, tokenB, "cam-1")).isEqualTo("streaming");
    });
    Thread.sleep(3000);
    events = events(tokenB);
    assertThat(count(events, "camera.stalled", "cam-1")).isEqualTo(1);
    assertThat(count(events, "camera.offline", "cam-1")).isEqualTo(1);
    assertThat(count(events, "camera.streaming", "cam-1")).isEqualTo(2);
    List<JsonObject> boxEvents = events.stream().filter(e -> e.getString("source").equals("box-1")
        && "cam-1".equals(e.getJsonObject("body").getJsonObject("details", new JsonObject()).getString("cameraId",
        e.getJsonObject("body").getString("cameraId")))).toList();
    assertThat(boxEvents.stream().filter(e -> e.getString("type").equals("camera.down")).count())
        .as("the box's judge saw cam-1 go down once: %s", boxEvents).isEqualTo(1);
    assertThat(boxEvents.stream().filter(e -> e.getString("type").equals("camera.up")).count()).isEqualTo(1);
    a.assertNoBlockedThreads();
    b.assertNoBlockedThreads();
  }
}
