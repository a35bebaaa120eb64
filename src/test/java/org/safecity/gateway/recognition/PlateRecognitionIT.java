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
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.testing.EventWatch;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * Plates end to end: street scenes with plates rendered in Java, encoded to H.264 and pushed over RTSP by real
 * ffmpeg, recognised by the gateway's own pipeline (per-camera sampling → bus → FFmpeg decode → PaddleOCR → plate
 * formats → hotlist, enforcement). The hotlisted plate gives exactly one hotlist hit with the right text; the
 * enforcement camera whose window is open gives one e-challan, the one whose window is closed none; a camera
 * sampled at 2 fps takes more frames than one sampled at keyframes, and one with sampling off none.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class PlateRecognitionIT {
  static final Duration T = Duration.ofSeconds(90);
  static final DateTimeFormatter HM = DateTimeFormatter.ofPattern("HH:mm");
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static EventWatch events;
  static int rtspPort;
  static int httpPort;
  static final List<Process> cameras = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path models = PlatePictures.models();
    postgres = new TestPostgres(dir.resolve("pg"));
    // Enforcement windows in UTC around now: one open (an hour either side), one closed (two to three hours ahead).
    LocalTime now = LocalTime.now(ZoneOffset.UTC);
    String open = now.minusHours(1).format(HM) + "-" + now.plusHours(1).format(HM);
    String closed = now.plusHours(2).format(HM) + "-" + now.plusHours(3).format(HM);
    Path devices = dir.resolve("devices.yaml");
    StringBuilder y = new StringBuilder("""
        boxes:
          - id: box-1
            secret: "box-secret"
            region: south
            location: { lat: 24.86, lon: 67.01 }
            cameras: [cam-hot, cam-in, cam-out, cam-off]
        cameras:
        """);
    Map<String, String> extra = Map.of(
        "cam-hot", "    sample: { fps: 2 }\n",
        "cam-in", "    enforcement: { rule: red-light, window: \"" + open + "\" }\n    sample: keyframes\n",
        "cam-out", "    enforcement: { rule: red-light, window: \"" + closed + "\" }\n",
        "cam-off", "    sample: off\n");
    for (String id : List.of("cam-hot", "cam-in", "cam-out", "cam-off")) {
      y.append("  - id: ").append(id).append("\n    box: box-1\n    region: south\n    location: { lat: 24.8601, lon: 67.0102 }\n")
          .append("    publishUser: ").append(id).append("\n    publishSecret: \"pub-").append(id).append("\"\n")
          .append(extra.get(id));
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
        Map.entry("SAFECITY_RECOGNITION_DEADLINE", "5s"))));
    events = new EventWatch(gateway.eventLog());
  }

  @AfterAll
  static void stop() throws InterruptedException {
    for (Process p : cameras) {
      p.destroy();
      p.waitFor(5, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }

  /** A camera showing a still scene: real ffmpeg encodes it as 10 fps H.264, a keyframe every {@code gop} frames. */
  static void show(String cam, BufferedImage picture, int gop) throws Exception {
    Path png = dir.resolve(cam + ".png");
    ImageIO.write(picture, "png", png.toFile());
    cameras.add(new ProcessBuilder("ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-loop", "1", "-framerate", "10",
        "-i", png.toString(), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", String.valueOf(gop),
        "-keyint_min", String.valueOf(gop), "-bf", "0", "-pix_fmt", "yuv420p", "-f", "rtsp", "-rtsp_transport", "tcp",
        "rtsp://" + cam + ":pub-" + cam + "@127.0.0.1:" + rtspPort + "/" + cam).redirectErrorStream(true)
        .redirectOutput(dir.resolve(cam + ".log").toFile()).start());
  }

  static JsonObject readiness() throws Exception {
    return new JsonObject(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
        + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  static void awaitProcessed(String cam, long frames) throws Exception {
    Tally t = gateway.recognition().orElseThrow().fanOut().tally(cam, "plate");
    long deadline = System.nanoTime() + T.toNanos();
    while (t.processed() < frames) {
      assertThat(System.nanoTime()).as(cam + ": frames recognised " + t.processed() + ", failed " + t.failed()
          + ", dropped " + t.droppedTotal()).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  static List<LoggedEvent> of(String type, String cam) throws Exception {
    return events.all().stream().filter(e -> e.type().equals(type) && e.source().equals(cam)).toList();
  }

  @Test
  void aHotlistedPlateIsOneHitAndAnOpenEnforcementWindowOneEchallan() throws Exception {
    Recognition recognition = gateway.recognition().orElseThrow();
    long deadline = System.nanoTime() + T.toNanos();
    JsonObject plate;
    do {
      plate = readiness().getJsonObject("checks").getJsonObject("recognition.plate");
      Thread.sleep(200);
    } while (!"UP".equals(plate.getString("status")) && System.nanoTime() < deadline);
    assertThat(plate.getString("status")).as(plate.encode()).isEqualTo("UP");
    assertThat(plate.getString("detail")).contains("hotlist version 0, 0 plates");

    Principal supervisor = new Principal("sup-1", Role.SUPERVISOR, Optional.empty(), Set.of(), Set.of());
    var change = recognition.hotlist().add(supervisor, "LEA-1234", "stolen", Optional.of("taken in Saddar"), "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    recognition.reloadHotlist().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    long after = events.lastId();

    show("cam-hot", PlatePictures.scene("LEA-1234"), 20);
    show("cam-in", PlatePictures.scene("KHI-4471"), 20);
    show("cam-out", PlatePictures.scene("RIK-7720"), 20);
    show("cam-off", PlatePictures.scene("LEA-1234"), 20);

    LoggedEvent hit = events.await(after, T, "a plate hit", e -> e.type().equals("recognition.plate.hit"));
    assertThat(hit.source()).isEqualTo("cam-hot");
    assertThat(hit.region()).isEqualTo("south");
    assertThat(hit.body().get("plate")).isEqualTo("LEA-1234");
    assertThat(hit.body().get("rawText")).isEqualTo("LEA-1234");
    assertThat(((Number) hit.body().get("confidence")).doubleValue()).isGreaterThan(0.8);
    assertThat(hit.body().get("reason")).isEqualTo("stolen");
    assertThat(hit.body().get("note")).isEqualTo("taken in Saddar");
    assertThat(((Number) hit.body().get("listVersion")).longValue()).isEqualTo(change.version());
    @SuppressWarnings("unchecked")
    Map<String, Object> snapshots = (Map<String, Object>) hit.body().get("snapshots");
    var row = gateway.database().pool().preparedQuery("SELECT kind, camera_id, jpeg FROM recognition_snapshots WHERE id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(((Number) snapshots.get("frame")).longValue())).toCompletionStage()
        .toCompletableFuture().get(10, TimeUnit.SECONDS).iterator().next();
    assertThat(row.getString(0)).isEqualTo("plate-frame");
    BufferedImage frame = ImageIO.read(new java.io.ByteArrayInputStream(row.getBuffer(2).getBytes()));
    assertThat(frame.getWidth()).isEqualTo(640);
    assertThat(frame.getHeight()).isEqualTo(360);

    LoggedEvent issued = events.await(after, T, "an e-challan", e -> e.type().equals("echallan.issued"));
    assertThat(issued.source()).isEqualTo("cam-in");
    assertThat(issued.body().get("plate")).isEqualTo("KHI-4471");
    assertThat(issued.body().get("rule")).isEqualTo("red-light");
    assertThat(issued.body().get("status")).isEqualTo("issued");

    // Many more frames of every sampled camera recognised: still one hit and one e-challan, nothing else.
    awaitProcessed("cam-hot", 8);
    awaitProcessed("cam-in", 4);
    awaitProcessed("cam-out", 4);
    Thread.sleep(1500); // an e-challan's event goes through the outbox
    assertThat(of("recognition.plate.hit", "cam-hot")).hasSize(1);
    assertThat(events.all().stream().filter(e -> e.id() > after && e.type().equals("recognition.plate.hit"))).hasSize(1);
    assertThat(of("echallan.issued", "cam-in")).hasSize(1);
    assertThat(of("echallan.issued", "cam-out")).as("outside its window").isEmpty();
    var challans = recognition.echallans().page(supervisor, Optional.empty(), Optional.empty(), Optional.empty(), 0, 50)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(challans).hasSize(1);
    assertThat(challans.get(0).getString("camera")).isEqualTo("cam-in");
    assertThat(challans.get(0).getString("plate")).isEqualTo("KHI-4471");
    assertThat(challans.get(0).getJsonObject("location").getDouble("lat")).isEqualTo(24.8601);

    // Per-camera sampling from the devices file: 2 fps against a keyframe every 2 s; off takes nothing.
    var fanOut = recognition.fanOut();
    assertThat(fanOut.sampled("cam-hot")).as("fps 2 vs keyframes (%s)", fanOut.sampled("cam-in"))
        .isGreaterThanOrEqualTo(2 * fanOut.sampled("cam-in"));
    assertThat(fanOut.sampled("cam-off")).isZero();
    assertThat(fanOut.tally("cam-off", "plate").sent()).isZero();
    assertThat(fanOut.tally("cam-hot", "plate").failed()).isZero();
  }
}
