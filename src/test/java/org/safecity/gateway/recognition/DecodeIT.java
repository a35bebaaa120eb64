package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.testing.Ffmpeg;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * Recognition's decode path with real cameras: Debian's ffmpeg pushes solid colours in H.264 and H.265 over
 * RTSP to the gateway in-process; the sampler sends the keyframes over the event bus to the workers, which decode
 * them with bytedeco's FFmpeg. A probe recognizer keeps what it is given, so the test sees the pictures exactly
 * as a face or plate recognizer would; a deliberately slow one shows that ingest does not wait for it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DecodeIT {
  static final Duration T = Duration.ofSeconds(30);
  static final int SLOW_MILLIS = 500;
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static int rtspPort;
  static int httpPort;
  /** The newest picture the probe recognizer got, per camera. */
  static final Map<String, DecodedFrame> latest = new ConcurrentHashMap<>();
  static final Map<String, AtomicInteger> slowRunning = new ConcurrentHashMap<>();
  static final AtomicInteger slowOverlap = new AtomicInteger();
  final List<Process> cameras = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    Path devices = dir.resolve("devices.yaml");
    StringBuilder y = new StringBuilder("""
        boxes:
          - id: box-1
            secret: "box-secret"
            region: south
            location: { lat: 24.86, lon: 67.01 }
            cameras: [cam-colour, cam-265, cam-flood]
        cameras:
        """);
    for (String id : List.of("cam-colour", "cam-265", "cam-flood")) {
      y.append("  - id: ").append(id).append("\n    box: box-1\n    region: south\n    location: { lat: 24.86, lon: 67.01 }\n")
          .append("    publishUser: ").append(id).append("\n    publishSecret: \"pub-").append(id).append("\"\n");
    }
    Files.writeString(devices, y);
    rtspPort = Ports.free();
    httpPort = Ports.free();
    int udp = Ports.freeUdpPair();
    gateway = Gateway.start(ConfigLoader.load(Optional.empty(), Map.ofEntries(
        Map.entry("SAFECITY_STORE_URL", postgres.url()),
        Map.entry("SAFECITY_DATA_DIR", dir.resolve("data").toString()),
        Map.entry("SAFECITY_HTTP_PORT", String.valueOf(httpPort)),
        Map.entry("SAFECITY_MQTT_PORT", String.valueOf(Ports.free())),
        Map.entry("SAFECITY_RTSP_PORT", String.valueOf(rtspPort)),
        Map.entry("SAFECITY_RTSP_UDP_RTP_PORT", String.valueOf(udp)),
        Map.entry("SAFECITY_RTSP_UDP_RTCP_PORT", String.valueOf(udp + 1)),
        Map.entry("SAFECITY_DEVICES_FILE", devices.toString()),
        Map.entry("SAFECITY_DEVICES_BCRYPT_COST", "4"),
        Map.entry("SAFECITY_RECOGNITION_SAMPLE_MODE", "keyframes"),
        Map.entry("SAFECITY_RECOGNITION_MAX_FPS", "25"),
        Map.entry("SAFECITY_RECOGNITION_DEADLINE", "2s"),
        Map.entry("SAFECITY_RECOGNITION_FETCH_MODELS", "false"))));
    Recognition recognition = gateway.recognition().orElseThrow();
    recognition.addWorker("probe", f -> latest.put(f.cameraId(), f)).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
    recognition.addWorker("slow", f -> {
      if (f.cameraId().equals("cam-flood")) {
        AtomicInteger running = slowRunning.computeIfAbsent(f.cameraId(), c -> new AtomicInteger());
        if (running.incrementAndGet() > 1) {
          slowOverlap.incrementAndGet();
        }
        try {
          Thread.sleep(SLOW_MILLIS); // a recognizer far slower than the camera's keyframes
        } finally {
          running.decrementAndGet();
        }
      }
    }).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
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

  Process push(String cam, String source, String codec, int gop) throws Exception {
    Process p = Ffmpeg.pushSource("rtsp://" + cam + ":pub-" + cam + "@127.0.0.1:" + rtspPort + "/" + cam, source, codec,
        "tcp", gop);
    cameras.add(p);
    return p;
  }

  /** Waits for the probe to get a picture of {@code cam} that {@code matches}. */
  static DecodedFrame awaitPicture(String cam, Process camera, Predicate<DecodedFrame> matches) throws Exception {
    long deadline = System.nanoTime() + T.toNanos();
    while (System.nanoTime() < deadline) {
      DecodedFrame f = latest.get(cam);
      if (f != null && matches.test(f)) {
        return f;
      }
      if (!camera.isAlive()) {
        throw new AssertionError("ffmpeg ended: " + new String(camera.getInputStream().readAllBytes()));
      }
      Thread.sleep(50);
    }
    throw new AssertionError(cam + ": no matching picture; the newest was " + describe(latest.get(cam)));
  }

  static String describe(DecodedFrame f) {
    return f == null ? "none" : f.width() + "x" + f.height() + " centre #" + Integer.toHexString(f.rgb(f.width() / 2, f.height() / 2));
  }

  /** Pixels further than {@code tolerance} (any channel) from {@code rgb}. */
  static int off(DecodedFrame f, int rgb, int tolerance) {
    int n = 0;
    for (int y = 0; y < f.height(); y++) {
      for (int x = 0; x < f.width(); x++) {
        int p = f.rgb(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          if (Math.abs((p >> shift & 0xff) - (rgb >> shift & 0xff)) > tolerance) {
            n++;
            break;
          }
        }
      }
    }
    return n;
  }

  @Test
  void h264KeyframesDecodeAtThePushedSizeInThePushedColourAndANewStreamIsFollowed() throws Exception {
    Process red = push("cam-colour", "color=c=red:size=320x240:rate=25", "libx264", 25);
    DecodedFrame r = awaitPicture("cam-colour", red, f -> true);
    assertThat(r.width()).isEqualTo(320);
    assertThat(r.height()).isEqualTo(240);
    assertThat(r.region()).isEqualTo("south");
    // Through 4:2:0 and BT.601 limited range and back, red stays red within a few levels (BGR order checked too).
    assertThat(off(r, 0xff0000, 12)).as("pixels not red in " + describe(r)).isZero();
    red.destroy();
    red.waitFor(5, TimeUnit.SECONDS);

    // The camera comes back with another colour and another size: a new stream, a new decoder context.
    Process blue = push("cam-colour", "color=c=blue:size=352x288:rate=25", "libx264", 25);
    DecodedFrame b = awaitPicture("cam-colour", blue, f -> f.width() == 352);
    assertThat(b.height()).isEqualTo(288);
    assertThat(off(b, 0x0000ff, 12)).as("pixels not blue in " + describe(b)).isZero();
    Tally probe = gateway.recognition().orElseThrow().fanOut().tally("cam-colour", "probe");
    assertThat(probe.failed()).isZero();
    assertThat(probe.processed()).isPositive();
  }

  @Test
  void h265KeyframesDecodeToo() throws Exception {
    // ffmpeg's "green" is #008000; half levels survive the round trip as well as full ones.
    Process green = push("cam-265", "color=c=green:size=384x216:rate=25", "libx265", 25);
    DecodedFrame g = awaitPicture("cam-265", green, f -> true);
    assertThat(g.width()).isEqualTo(384);
    assertThat(g.height()).isEqualTo(216);
    assertThat(off(g, 0x008000, 12)).as("pixels not green in " + describe(g)).isZero();
    assertThat(gateway.recognition().orElseThrow().fanOut().tally("cam-265", "probe").failed()).isZero();
  }

  @Test
  void aSlowWorkerNeitherSlowsIngestNorQueuesFramesAndEveryDropIsCounted() throws Exception {
    // Five keyframes a second; the slow worker takes half a second for each.
    Process flood = push("cam-flood", "testsrc=size=320x240:rate=25", "libx264", 5);
    awaitPicture("cam-flood", flood, f -> true);
    Recognition recognition = gateway.recognition().orElseThrow();
    Tally slow = recognition.fanOut().tally("cam-flood", "slow");
    Tally probe = recognition.fanOut().tally("cam-flood", "probe");
    long sampledBefore = recognition.fanOut().sampled("cam-flood");
    long slowBefore = slow.processed();
    int maxHeld = 0;
    List<Double> fps = new ArrayList<>();
    long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
    while (System.nanoTime() < until) {
      maxHeld = Math.max(maxHeld, slow.held());
      fps.add(gateway.streams().snapshot("cam-flood").orElseThrow().fps());
      Thread.sleep(100);
    }
    long sampled = recognition.fanOut().sampled("cam-flood") - sampledBefore;
    long slowDone = slow.processed() - slowBefore;
    // A reader still gets every frame from the relay meanwhile.
    Ffmpeg.Read read = Ffmpeg.read("rtsp://127.0.0.1:" + rtspPort + "/cam-flood?token="
        + gateway.tokens().issue(new org.safecity.gateway.auth.Principal("it", org.safecity.gateway.auth.Role.OPERATOR,
        Optional.empty(), java.util.Set.of(), java.util.Set.of())).token(), "tcp", 25, T);
    assertThat(read.frames()).as(read.output()).hasSize(25);

    // Ingest keeps the camera's rate: the last seconds' samples (the first may still be warming up).
    assertThat(fps.subList(fps.size() / 2, fps.size())).as("stream fps while the slow worker lags").allMatch(f -> f >= 22.0);
    assertThat(sampled).as("keyframes taken in 8 s at 5 a second").isBetween(30L, 50L);
    assertThat(slowDone).as("the slow worker did what it could, one frame at a time").isBetween(8L, 17L);
    assertThat(slowOverlap).as("never two frames of one camera at once in one worker type").hasValue(0);
    assertThat(maxHeld).as("frames held for the slow worker: in flight plus one waiting").isLessThanOrEqualTo(2);
    assertThat(slow.dropped(Drop.SUPERSEDED)).as("the rest were replaced by newer ones").isGreaterThanOrEqualTo(sampled - slowDone - 4);
    assertThat(probe.processed()).as("the fast worker is not held back by the slow one").isGreaterThan(slowDone * 2);
    assertThat(slow.failed()).isZero();

    // The same figures in /metrics.
    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metric(metrics, "gateway_recognition_frames_dropped_total", "camera=\"cam-flood\",reason=\"superseded\",worker=\"slow\""))
        .isGreaterThanOrEqualTo((double) slow.dropped(Drop.SUPERSEDED) - 10).isPositive();
    assertThat(metric(metrics, "gateway_recognition_frames_dropped_total", "camera=\"cam-flood\",reason=\"superseded\",worker=\"probe\""))
        .isNotNull();
    assertThat(metric(metrics, "gateway_recognition_frames_sampled_total", "camera=\"cam-flood\"")).isPositive();
    assertThat(metric(metrics, "gateway_recognition_decode_seconds_count", "camera=\"cam-flood\",worker=\"slow\"")).isPositive();
    assertThat(metric(metrics, "gateway_recognition_decode_seconds_sum", "camera=\"cam-flood\",worker=\"slow\"")).isPositive();
    assertThat(metric(metrics, "gateway_recognition_frames_held", "camera=\"cam-flood\",worker=\"slow\"")).isBetween(0.0, 2.0);
  }

  /** A sample's value from Prometheus text, null when absent. */
  static Double metric(String text, String name, String labels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : null;
  }
}
