package org.safecity.gateway.recognition;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safecity.gateway.testing.GatewayProcess;
import org.safecity.gateway.testing.OpenApiResponses;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * Recognition over worker JVMs, with real processes: an edge node (RTSP, API; no recognizer of its own) and a
 * recognition worker, each the packaged jar in its own JVM, clustered over loopback and sharing one PostgreSQL.
 * Cameras push H.264 of a street scene with a hotlisted plate over RTSP with real ffmpeg; the edge samples them
 * and its dispatcher sends the frames to the worker it learnt from its announcements, which reads the plate and
 * commits the hit. Killing the worker with SIGKILL counts its frames in flight as {@code worker-lost} at the edge
 * as soon as the cluster sees it gone; a new worker that joins is sent frames at once and commits new hits.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RecognitionClusterIT {
  static final String CLUSTER_NAME = "safecity-it-" + java.util.UUID.randomUUID();
  static final Duration UP = Duration.ofSeconds(120);
  static final Duration T = Duration.ofSeconds(90);
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final List<String> CAMERAS = List.of("cam-1", "cam-2", "cam-3");

  static Path dir;
  static TestPostgres pg;
  static GatewayProcess edge;
  static GatewayProcess worker1;
  static GatewayProcess worker2;
  static int rtsp;
  static int[] cluster;
  static Path models;
  static final List<Process> cameras = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    models = PlatePictures.models().toAbsolutePath();
    dir = GatewayProcess.tempDir("recognition-cluster");
    pg = new TestPostgres(dir.resolve("pg"));
    Path devices = dir.resolve("devices.yaml");
    StringBuilder y = new StringBuilder("""
        boxes:
          - id: box-1
            secret: "box-secret"
            region: south
            location: { lat: 24.86, lon: 67.01 }
            cameras: [cam-1, cam-2, cam-3]
        cameras:
        """);
    for (String id : CAMERAS) {
      // Two frames a second each: more than one worker on this machine reads, so it always has frames in flight.
      y.append("  - id: ").append(id).append("\n    box: box-1\n    region: south\n    location: { lat: 24.8601, lon: 67.0102 }\n")
          .append("    publishUser: ").append(id).append("\n    publishSecret: \"pub-").append(id).append("\"\n")
          .append("    sample: { fps: 2 }\n");
    }
    Files.writeString(devices, y);
    rtsp = Ports.free();
    cluster = new int[] {Ports.free(), Ports.free(), Ports.free()};
    edge = start("edge-1", "edge", cluster[0], Map.of("SAFECITY_RTSP_PORT", String.valueOf(rtsp),
        "SAFECITY_RTSP_INSTANCES", "1", "SAFECITY_DEVICES_FILE", devices.toString(), "SAFECITY_DEVICES_BCRYPT_COST", "4"));
    worker1 = start("worker-1", "worker", cluster[1], Map.of());
    edge.awaitUp(UP);
    worker1.awaitUp(UP);
  }

  static GatewayProcess start(String name, String role, int clusterPort, Map<String, String> extra) throws Exception {
    Map<String, String> env = new HashMap<>(Map.ofEntries(
        Map.entry("SAFECITY_DATA_DIR", dir.resolve(name).toString()),
        Map.entry("SAFECITY_STORE_URL", pg.url()),
        Map.entry("SAFECITY_HTTP_PORT", String.valueOf(Ports.free())),
        Map.entry("SAFECITY_HTTP_INSTANCES", "1"),
        Map.entry("SAFECITY_NODE_ROLE", role),
        Map.entry("SAFECITY_NODE_NAME", name),
        Map.entry("SAFECITY_CLUSTER_ENABLED", "true"),
        // A name of this run's own: a node left over from another test on these loopback ports cannot join.
        Map.entry("SAFECITY_CLUSTER_NAME", CLUSTER_NAME),
        Map.entry("SAFECITY_CLUSTER_PORT", String.valueOf(clusterPort)),
        Map.entry("SAFECITY_CLUSTER_MEMBERS", "127.0.0.1:" + cluster[0] + ",127.0.0.1:" + cluster[1] + ",127.0.0.1:"
            + cluster[2]),
        Map.entry("SAFECITY_CLUSTER_FAILURE_TIMEOUT", "3s"),
        Map.entry("SAFECITY_RECOGNITION_MODELS_DIR", models.toString()),
        Map.entry("SAFECITY_RECOGNITION_FETCH_MODELS", "false"),
        Map.entry("SAFECITY_RECOGNITION_DEADLINE", "5s"),
        Map.entry("SAFECITY_RECOGNITION_THREADS", "1"),
        Map.entry("SAFECITY_RECOGNITION_CREDITS", "2"),
        // A plate seen again at a camera is a new hit after 2 s, so hits keep coming while a worker reads.
        Map.entry("SAFECITY_RECOGNITION_PLATE_REPEAT_AFTER", "2s")));
    env.putAll(extra);
    return GatewayProcess.start(env);
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process p : cameras) {
      p.destroy();
      p.waitFor(5, TimeUnit.SECONDS);
    }
    for (GatewayProcess g : new GatewayProcess[] {edge, worker1, worker2}) {
      if (g != null) {
        g.close();
      }
    }
    if (pg != null) {
      pg.close();
    }
  }

  static HttpResponse<String> get(int port, String path, String token) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The sum of a metric's samples whose labels contain every one of {@code labels}. */
  static double metric(GatewayProcess g, String name, String... labels) throws Exception {
    String text = get(g.httpPort, "/metrics", null).body();
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(text);
    double sum = 0;
    while (m.find()) {
      boolean all = true;
      for (String l : labels) {
        all &= m.group(1).contains(l);
      }
      if (all) {
        sum += Double.parseDouble(m.group(2));
      }
    }
    return sum;
  }

  /** Plate hits committed after {@code after}, read over the edge's API (contract-checked). */
  static List<JsonObject> hits(String token, long after) throws Exception {
    List<JsonObject> out = new ArrayList<>();
    long from = after;
    while (true) {
      var r = OpenApiResponses.check("GET", "/api/v1/events",
          get(edge.httpPort, "/api/v1/events?after=" + from + "&limit=500", token));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonArray page = new JsonObject(r.body()).getJsonArray("events");
      for (Object o : page) {
        JsonObject e = (JsonObject) o;
        if (e.getString("type").equals("recognition.plate.hit")) {
          out.add(e);
        }
      }
      if (page.size() < 500) {
        return out;
      }
      from = page.getJsonObject(page.size() - 1).getLong("id");
    }
  }

  static long lastId(String token) throws Exception {
    long last = 0;
    long from = 0;
    while (true) {
      var r = get(edge.httpPort, "/api/v1/events?after=" + from + "&limit=500", token);
      JsonArray page = new JsonObject(r.body()).getJsonArray("events");
      if (!page.isEmpty()) {
        last = page.getJsonObject(page.size() - 1).getLong("id");
      }
      if (page.size() < 500) {
        return last;
      }
      from = last;
    }
  }

  static void show(String cam) throws Exception {
    Path png = dir.resolve(cam + ".png");
    ImageIO.write(PlatePictures.scene("LEA-1234"), "png", png.toFile());
    cameras.add(new ProcessBuilder("ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-loop", "1", "-framerate", "10",
        "-i", png.toString(), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "10",
        "-keyint_min", "10", "-bf", "0", "-pix_fmt", "yuv420p", "-f", "rtsp", "-rtsp_transport", "tcp",
        "rtsp://" + cam + ":pub-" + cam + "@127.0.0.1:" + rtsp + "/" + cam).redirectErrorStream(true)
        .redirectOutput(dir.resolve(cam + ".log").toFile()).start());
  }

  @Test
  void framesGoToTheWorkerJvmAKilledWorkersFramesAreLostAndANewWorkerResumes() throws Exception {
    String token = edge.adminToken();
    var added = OpenApiResponses.check("POST", "/api/v1/hotlist", HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + edge.httpPort + "/api/v1/hotlist")).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
            .put("plate", "LEA-1234").put("reason", "stolen").encode())).build(), HttpResponse.BodyHandlers.ofString()));
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    // The edge runs no recognizer: it learns the worker's plate type from the worker's announcement.
    await("the edge knows worker-1's plate worker", T, () -> {
      assertThat(metric(edge, "gateway_recognition_workers", "worker=\"plate\"")).isEqualTo(1.0);
      assertThat(metric(edge, "gateway_recognition_credits", "worker=\"plate\"")).isEqualTo(2.0);
    });
    // The log is read from the process's output by another thread: the line may come a moment after the metric.
    // The worker may run faces too (the shared models folder has their files once a face test fetched them).
    await("the edge's log line for worker-1", Duration.ofSeconds(10), () ->
        assertThat(edge.output()).containsPattern("worker worker-1 takes frames for \\[[a-z, ]*plate"));
    assertThat(edge.output()).doesNotContain("recognizer plate is on");

    long start = lastId(token);
    for (String cam : CAMERAS) {
      show(cam);
    }
    await("a plate hit from worker-1", T, () -> {
      List<JsonObject> hits = hits(token, start);
      assertThat(hits).isNotEmpty();
      JsonObject hit = hits.get(0);
      assertThat(CAMERAS).contains(hit.getString("source"));
      assertThat(hit.getString("region")).as("from the edge's registry, carried by the frame").isEqualTo("south");
      assertThat(hit.getJsonObject("body").getString("plate")).isEqualTo("LEA-1234");
      assertThat(hit.getJsonObject("body").getString("reason")).isEqualTo("stolen");
    });
    assertThat(metric(worker1, "gateway_recognition_plate_hits_total")).isPositive();
    assertThat(metric(edge, "gateway_recognition_frames_processed_total", "worker=\"plate\"")).isPositive();
    assertThat(metric(edge, "gateway_recognition_frames_dropped_total", "reason=\"worker-lost\"")).isZero();

    // SIGKILL while the worker holds frames: the edge counts them lost once the cluster sees the member gone.
    await("frames in flight to worker-1", T, () ->
        assertThat(metric(edge, "gateway_recognition_jobs_in_flight", "worker=\"plate\"")).isGreaterThanOrEqualTo(1.0));
    worker1.kill();
    long killedAt = System.nanoTime();
    await("worker-1's frames counted as worker-lost", Duration.ofSeconds(15), () -> {
      assertThat(metric(edge, "gateway_recognition_frames_dropped_total", "worker=\"plate\"", "reason=\"worker-lost\""))
          .isGreaterThanOrEqualTo(1.0);
      assertThat(metric(edge, "gateway_recognition_workers", "worker=\"plate\"")).isZero();
      assertThat(metric(edge, "gateway_recognition_jobs_in_flight", "worker=\"plate\"")).isZero();
    });
    long lostAfterMillis = (System.nanoTime() - killedAt) / 1_000_000;
    assertThat(lostAfterMillis).as("lost within the failure timeout (3 s) and a margin").isLessThan(8_000);
    await("the edge's log line for worker-1 leaving", Duration.ofSeconds(10), () ->
        assertThat(edge.output()).contains("recognition: worker worker-1 left the cluster"));
    // Meanwhile frames are counted as not delivered, never queued.
    await("frames dropped for want of a worker", Duration.ofSeconds(10), () ->
        assertThat(metric(edge, "gateway_recognition_frames_dropped_total", "worker=\"plate\"", "reason=\"no-worker\""))
            .isPositive());
    double lost = metric(edge, "gateway_recognition_frames_dropped_total", "worker=\"plate\"", "reason=\"worker-lost\"");
    assertThat(lost).as("at most its credits").isLessThanOrEqualTo(2.0);

    // A new worker joins at run time: frames go to it and hits come again.
    long beforeJoin = lastId(token);
    worker2 = start("worker-2", "worker", cluster[2], Map.of());
    worker2.awaitUp(UP);
    await("a plate hit from worker-2", T, () -> {
      assertThat(hits(token, beforeJoin)).isNotEmpty();
      assertThat(metric(worker2, "gateway_recognition_plate_hits_total")).isPositive();
    });
    assertThat(metric(edge, "gateway_recognition_workers", "worker=\"plate\"")).isEqualTo(1.0);
    assertThat(metric(edge, "gateway_recognition_frames_dropped_total", "worker=\"plate\"", "reason=\"worker-lost\""))
        .as("nothing more lost").isEqualTo(lost);
    edge.assertNoBlockedThreads();
    worker2.assertNoBlockedThreads();
  }
}
