package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.testing.Cli;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * A gateway in this JVM with a real PostgreSQL and pulled cameras, and the real players (ffmpeg, ffprobe) that
 * read them back through its RTSP edge.
 */
final class PullGateway implements AutoCloseable {
  static final Duration T = Duration.ofSeconds(30);

  final TestPostgres postgres;
  final Gateway gateway;
  final int rtspPort;
  final int httpPort;
  final Path devices;
  // HTTP/1.1: the JDK client's h2c upgrade attempt is of no use against a scrape endpoint.
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  PullGateway(Path dir, String cameras, Map<String, String> env) throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    devices = dir.resolve("devices.yaml");
    writeDevices(cameras);
    rtspPort = Ports.free();
    httpPort = Ports.free();
    Map<String, String> all = new HashMap<>(Map.of(
        "SAFECITY_STORE_URL", postgres.url(),
        "SAFECITY_DATA_DIR", dir.resolve("data").toString(),
        "SAFECITY_HTTP_PORT", String.valueOf(httpPort),
        "SAFECITY_MQTT_PORT", String.valueOf(Ports.free()),
        "SAFECITY_RTSP_PORT", String.valueOf(rtspPort),
        "SAFECITY_RTSP_UDP_RTP_PORT", String.valueOf(Ports.free()),
        "SAFECITY_RTSP_UDP_RTCP_PORT", String.valueOf(Ports.free()),
        "SAFECITY_DEVICES_FILE", devices.toString(),
        "SAFECITY_DEVICES_BCRYPT_COST", "4"));
    all.putAll(env);
    try {
      gateway = Gateway.start(ConfigLoader.load(Optional.empty(), all));
    } catch (Exception e) {
      postgres.close();
      throw e;
    }
  }

  /** Box box-1 with these cameras ({@link #camera} entries); written to a new file renamed over the old one. */
  void writeDevices(String cameras) throws Exception {
    writeDevices(devices, cameras);
  }

  /** As {@link #writeDevices(String)}, to any devices file (the cluster test's edges share one); none is an empty list. */
  static void writeDevices(Path devices, String cameras) throws Exception {
    Path tmp = devices.resolveSibling("devices.yaml.new");
    Files.writeString(tmp, """
        boxes:
          - id: box-1
            secret: "box-secret"
            region: south
            location: { lat: 24.86, lon: 67.01 }
            cameras: [%s]
        cameras:%s
        %s""".formatted(String.join(", ", cameraIds(cameras)), cameras.isEmpty() ? " []" : "", cameras));
    Files.move(tmp, devices, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** One camera of box-1, read with viewer/secret, pulled from {@code source}. */
  static String camera(String id, String source) {
    return "  - id: " + id + "\n    box: box-1\n    region: south\n    location: { lat: 24.86, lon: 67.01 }\n"
        + "    readUser: viewer\n    readSecret: \"secret\"\n    source: \"" + source + "\"\n";
  }

  private static java.util.List<String> cameraIds(String cameras) {
    return Pattern.compile("- id: (\\S+)").matcher(cameras).results().map(m -> m.group(1)).toList();
  }

  String url(String camera) {
    return "rtsp://viewer:secret@127.0.0.1:" + rtspPort + "/" + camera;
  }

  boolean publishing(String camera) {
    return gateway.streams().snapshot(camera).map(StreamStats.Snapshot::publishing).orElse(false);
  }

  StreamStats.Snapshot snapshot(String camera) {
    return gateway.streams().snapshot(camera).orElseThrow();
  }

  /** 50 decoded frames through the gateway, read as a player would; ffmpeg's output when it failed. */
  Cli.Result ffmpeg(String camera) throws Exception {
    return Cli.run(T, null, "ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", url(camera),
        "-frames:v", "50", "-f", "null", "-");
  }

  void ffmpegReads(String camera) throws Exception {
    Cli.Result r = ffmpeg(camera);
    assertThat(r.exit()).as(r.output()).isZero();
  }

  Cli.Result ffprobe(String camera) throws Exception {
    return Cli.run(T, null, "ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0",
        "-show_entries", "stream=codec_name,width,height", "-of", "default=nw=1", url(camera));
  }

  /** ffprobe through the gateway sees the test pattern's H.264 640x360. */
  void ffprobeSeesTheTestPattern(String camera) throws Exception {
    Cli.Result r = ffprobe(camera);
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("codec_name=h264", "width=640", "height=360");
  }

  /** A per-camera counter from /metrics, 0 when not there yet. */
  double metric(String name, String camera) {
    try {
      HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      Matcher m = Pattern.compile("(?m)^" + name + "\\{camera=\"" + camera + "\",?\\} (\\S+)$").matcher(res.body());
      return m.find() ? Double.parseDouble(m.group(1)) : 0;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError(what + " not within " + timeout.toSeconds() + " s");
      }
      Thread.sleep(100);
    }
  }

  @Override
  public void close() {
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }
}
