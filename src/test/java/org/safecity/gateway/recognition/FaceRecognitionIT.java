package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.testing.EventWatch;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * The face watchlist end to end: a person is enrolled from a real photograph, real ffmpeg pushes pictures as
 * H.264 video over RTSP, and the gateway's own pipeline (sampler → bus → decode → detect, align, embed → match)
 * commits one hit for the enrolled person, seen in a transformed copy of the photo, and none for another person
 * or a picture without a face.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class FaceRecognitionIT {
  static final Duration T = Duration.ofSeconds(60);
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static EventWatch events;
  static int rtspPort;
  static int httpPort;
  final List<Process> cameras = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path models = Pictures.models();
    postgres = new TestPostgres(dir.resolve("pg"));
    Path devices = dir.resolve("devices.yaml");
    StringBuilder y = new StringBuilder("""
        boxes:
          - id: box-1
            secret: "box-secret"
            region: south
            location: { lat: 24.86, lon: 67.01 }
            cameras: [cam-a, cam-b, cam-c]
        cameras:
        """);
    for (String id : List.of("cam-a", "cam-b", "cam-c")) {
      y.append("  - id: ").append(id).append("\n    box: box-1\n    region: south\n    location: { lat: 24.86, lon: 67.01 }\n")
          .append("    publishUser: ").append(id).append("\n    publishSecret: \"pub-").append(id).append("\"\n");
    }
    Files.writeString(devices, y);
    rtspPort = Ports.free();
    httpPort = Ports.free();
    gateway = Gateway.start(ConfigLoader.load(Optional.empty(), Map.ofEntries(
        Map.entry("SAFECITY_STORE_URL", postgres.url()),
        Map.entry("SAFECITY_DATA_DIR", dir.resolve("data").toString()),
        Map.entry("SAFECITY_HTTP_PORT", String.valueOf(httpPort)),
        Map.entry("SAFECITY_MQTT_ENABLED", "false"),
        Map.entry("SAFECITY_RTSP_PORT", String.valueOf(rtspPort)),
        Map.entry("SAFECITY_RTSP_UDP_RTP_PORT", "0"),
        Map.entry("SAFECITY_DEVICES_FILE", devices.toString()),
        Map.entry("SAFECITY_DEVICES_BCRYPT_COST", "4"),
        Map.entry("SAFECITY_RECOGNITION_MODELS_DIR", models.toAbsolutePath().toString()),
        Map.entry("SAFECITY_RECOGNITION_FETCH_MODELS", "false"),
        Map.entry("SAFECITY_RECOGNITION_MAX_FPS", "2"),
        Map.entry("SAFECITY_RECOGNITION_DEADLINE", "5s"))));
    events = new EventWatch(gateway.eventLog());
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }

  @AfterEach
  void killCameras() throws InterruptedException {
    for (Process p : cameras) {
      p.destroy();
      p.waitFor(5, TimeUnit.SECONDS);
    }
    cameras.clear();
  }

  /** A camera showing a still picture: real ffmpeg encodes it as 25 fps H.264 (a keyframe a second) over RTSP. */
  Process show(String cam, BufferedImage picture) throws Exception {
    Path png = dir.resolve(cam + "-" + System.nanoTime() + ".png");
    ImageIO.write(picture, "png", png.toFile());
    Process p = new ProcessBuilder("ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-loop", "1", "-framerate", "25",
        "-i", png.toString(), "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-c:v", "libx264", "-preset", "ultrafast",
        "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p", "-f", "rtsp", "-rtsp_transport", "tcp",
        "rtsp://" + cam + ":pub-" + cam + "@127.0.0.1:" + rtspPort + "/" + cam).redirectErrorStream(true).start();
    cameras.add(p);
    return p;
  }

  static JsonObject readiness() throws Exception {
    return new JsonObject(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
        + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  static void awaitProcessed(String cam, long frames) throws Exception {
    Tally t = gateway.recognition().orElseThrow().fanOut().tally(cam, "face");
    long deadline = System.nanoTime() + T.toNanos();
    while (t.processed() < frames) {
      assertThat(System.nanoTime()).as(cam + ": frames recognised " + t.processed() + ", failed " + t.failed()
          + ", dropped " + t.droppedTotal()).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  List<LoggedEvent> hits(long after, String cam) throws Exception {
    return events.all().stream().filter(e -> e.id() > after && e.type().equals("recognition.face.hit")
        && e.source().equals(cam)).toList();
  }

  @Test
  void anEnrolledPersonIsRecognisedOnceAndOthersAreNot() throws Exception {
    Recognition recognition = gateway.recognition().orElseThrow();
    // The face recognizer comes on when its models are verified, before anyone is enrolled.
    long deadline = System.nanoTime() + T.toNanos();
    JsonObject face;
    do {
      face = readiness().getJsonObject("checks").getJsonObject("recognition.face");
      Thread.sleep(200);
    } while (!"UP".equals(face.getString("status")) && System.nanoTime() < deadline);
    assertThat(face.getString("status")).as(face.encode()).isEqualTo("UP");
    assertThat(face.getString("detail")).contains("watchlist version 0, 0 photos");
    assertThat(recognition.fanOut().workerTypes()).as("nothing decoded for an empty watchlist").doesNotContain("face");

    BufferedImage astronaut = Pictures.image("astronaut.png");
    long version = recognition.enrollFace("p-1", "Eileen Collins", "wanted", Pictures.frame("enrol", astronaut),
        "astronaut.png").toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    assertThat(version).isEqualTo(1);
    assertThat(recognition.fanOut().workerTypes()).contains("face");
    long after = events.lastId();

    // A camera sees her smaller, brighter and off-centre; two other cameras see someone else and a cup of coffee.
    show("cam-a", Pictures.brightness(Pictures.cropped(Pictures.scaled(astronaut, 0.8), 30, 0, 380, 300), 1.15f, 5));
    show("cam-b", Pictures.image("grace_hopper.jpg"));
    show("cam-c", Pictures.image("coffee.png"));
    LoggedEvent hit = events.await(after, T, "a face hit at cam-a", e -> e.type().equals("recognition.face.hit"));
    assertThat(hit.source()).isEqualTo("cam-a");
    assertThat(hit.region()).isEqualTo("south");
    assertThat(hit.body().get("personId")).isEqualTo("p-1");
    assertThat(hit.body().get("name")).isEqualTo("Eileen Collins");
    assertThat(hit.body().get("reason")).isEqualTo("wanted");
    assertThat(((Number) hit.body().get("listVersion")).longValue()).isEqualTo(1);
    assertThat(((Number) hit.body().get("score")).doubleValue()).isGreaterThan(0.8);
    @SuppressWarnings("unchecked")
    Map<String, Object> snapshots = (Map<String, Object>) hit.body().get("snapshots");
    for (String kind : List.of("face", "frame")) {
      long id = ((Number) snapshots.get(kind)).longValue();
      var rows = gateway.database().pool().preparedQuery("SELECT kind, camera_id, jpeg FROM recognition_snapshots WHERE id = $1")
          .execute(io.vertx.sqlclient.Tuple.of(id)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      var row = rows.iterator().next();
      assertThat(row.getString(0)).isEqualTo(kind);
      assertThat(row.getString(1)).isEqualTo("cam-a");
      byte[] jpeg = row.getBuffer(2).getBytes();
      BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(jpeg));
      assertThat(img).as(kind + " snapshot is a JPEG").isNotNull();
      if (kind.equals("frame")) {
        assertThat(img.getWidth()).isEqualTo(380);
        assertThat(img.getHeight()).isEqualTo(300);
      }
    }

    // Several more frames of every camera recognised: still one hit (one sighting), none elsewhere.
    awaitProcessed("cam-a", 6);
    awaitProcessed("cam-b", 6);
    awaitProcessed("cam-c", 6);
    assertThat(hits(after, "cam-a")).hasSize(1);
    assertThat(hits(after, "cam-b")).as("Grace Hopper is not on the list").isEmpty();
    assertThat(hits(after, "cam-c")).as("no face in a cup of coffee").isEmpty();
    assertThat(recognition.fanOut().tally("cam-a", "face").failed()).isZero();

    // Taken off the list: the workers follow the new version, and frames stop going to the face workers.
    assertThat(recognition.watchlist().remove("p-1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
        .isEqualTo(2);
    deadline = System.nanoTime() + T.toNanos();
    while (recognition.watchlistIndex().version() != 2 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(recognition.watchlistIndex().entries()).isEmpty();
    assertThat(recognition.fanOut().workerTypes()).doesNotContain("face");
  }
}
