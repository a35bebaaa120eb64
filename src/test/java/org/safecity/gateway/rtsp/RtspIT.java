package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.config.ConfigLoader;
import java.util.Set;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.testing.OpenApiResponses;
import org.safecity.gateway.testing.Cli;
import org.safecity.gateway.testing.EventWatch;
import org.safecity.gateway.testing.Ffmpeg;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * The RTSP edge with real cameras and players: Debian's ffmpeg pushes H.264 and H.265 over TCP and UDP, and
 * ffmpeg/ffprobe read them back through the gateway and decode every frame at the pushed resolution.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RtspIT {
  static final Duration T = Duration.ofSeconds(30);
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static EventWatch events;
  static int rtspPort;
  static int httpPort;
  static int mqttPort;
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
            cameras: [cam-264, cam-265, cam-late, cam-stall, cam-hashed, cam-nopub, cam-full]
          - id: box-site
            secret: "site-secret"
            region: east
            location: { lat: 24.90, lon: 67.10 }
            cameras: [cam-site]
        cameras:
        """);
    for (String id : List.of("cam-264", "cam-265", "cam-late", "cam-stall", "cam-full")) {
      y.append(camera(id, "\"pub-" + id + "\""));
    }
    y.append(camera("cam-site", "\"pub-cam-site\"").replace("box: box-1", "box: box-site"));
    y.append(camera("cam-hashed", "\"" + at.favre.lib.crypto.bcrypt.BCrypt.withDefaults().hashToString(4, "pub-cam-hashed".toCharArray()) + "\""));
    y.append("""
          - id: cam-nopub
            box: box-1
            region: south
            location: { lat: 24.86, lon: 67.01 }
            readUser: viewer
            readSecret: "read-secret"
        """);
    Files.writeString(devices, y);
    rtspPort = Ports.free();
    httpPort = Ports.free();
    mqttPort = Ports.free();
    int udp = Ports.freeUdpPair();
    gateway = Gateway.start(ConfigLoader.load(Optional.empty(), Map.ofEntries(
        Map.entry("SAFECITY_STORE_URL", postgres.url()),
        Map.entry("SAFECITY_DATA_DIR", dir.resolve("data").toString()),
        Map.entry("SAFECITY_HTTP_PORT", String.valueOf(httpPort)),
        Map.entry("SAFECITY_MQTT_PORT", String.valueOf(mqttPort)),
        Map.entry("SAFECITY_RTSP_PORT", String.valueOf(rtspPort)),
        Map.entry("SAFECITY_RTSP_UDP_RTP_PORT", String.valueOf(udp)),
        Map.entry("SAFECITY_RTSP_UDP_RTCP_PORT", String.valueOf(udp + 1)),
        Map.entry("SAFECITY_RTSP_MAX_READERS_PER_CAMERA", "2"),
        Map.entry("SAFECITY_DEVICES_FILE", devices.toString()),
        Map.entry("SAFECITY_DEVICES_BCRYPT_COST", "4"),
        Map.entry("SAFECITY_HEALTH_CAMERA_STALLED_AFTER", "2s"),
        Map.entry("SAFECITY_HEALTH_CAMERA_OFFLINE_AFTER", "5s"),
        Map.entry("SAFECITY_HEALTH_TICK_INTERVAL", "250ms"))));
    events = new EventWatch(gateway.eventLog());
  }

  static String camera(String id, String publishSecret) {
    return "  - id: " + id + "\n    box: box-1\n    region: south\n    location: { lat: 24.86, lon: 67.01 }\n"
        + "    publishUser: " + id + "\n    publishSecret: " + publishSecret + "\n"
        + "    readUser: viewer\n    readSecret: \"read-secret\"\n";
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }

  @AfterEach
  void killCameras() {
    cameras.forEach(Process::destroyForcibly);
  }

  static String publishUrl(String cam) {
    return "rtsp://" + cam + ":pub-" + cam + "@127.0.0.1:" + rtspPort + "/" + cam;
  }

  static String readUrl(String cam) {
    return "rtsp://viewer:read-secret@127.0.0.1:" + rtspPort + "/" + cam;
  }

  Process push(String cam, String codec, String size, String transport, int gop) throws Exception {
    Process p = Ffmpeg.push(publishUrl(cam), codec, size, transport, gop);
    cameras.add(p);
    awaitPublishing(cam, p);
    return p;
  }

  static void awaitPublishing(String cam, Process p) throws Exception {
    long deadline = System.nanoTime() + T.toNanos();
    while (System.nanoTime() < deadline) {
      var s = gateway.streams().snapshot(cam);
      if (s.isPresent() && s.get().publishing() && s.get().frames() > 0) {
        return;
      }
      if (!p.isAlive()) {
        throw new AssertionError("ffmpeg ended: " + new String(p.getInputStream().readAllBytes()));
      }
      Thread.sleep(100);
    }
    throw new AssertionError(cam + " did not start publishing");
  }

  @Test
  void h264PushedOverTcpIsDecodedByReadersOverTcpAndUdp() throws Exception {
    push("cam-264", "libx264", "640x360", "tcp", 25);
    assertThat(Ffmpeg.probe(readUrl("cam-264"), "tcp").output().trim()).isEqualTo("h264,640,360");
    for (String transport : List.of("tcp", "udp")) {
      Ffmpeg.Read r = Ffmpeg.read(readUrl("cam-264"), transport, 50, T);
      assertThat(r.exit()).as(r.output()).isZero();
      assertThat(r.frames()).as(transport).hasSize(50);
      assertThat(r.frameSizes()).as("every frame decoded at 640x360 (yuv420p)").containsOnly(640 * 360 * 3 / 2);
      assertThat(r.messages()).as("decoder complaints").isEmpty();
    }
    var stats = gateway.streams().snapshot("cam-264").orElseThrow();
    assertThat(stats.codec()).isEqualTo("H264");
    assertThat(stats.width()).isEqualTo(640);
    assertThat(stats.height()).isEqualTo(360);
    assertThat(stats.packetsLost()).isZero();
    assertThat(stats.framesDiscarded()).isZero();
    assertThat(stats.source()).contains("rtsp push from 127.0.0.1");

    // The same figures through the REST contract.
    var http = java.net.http.HttpClient.newHttpClient();
    String bearer = "Bearer " + token(Role.OPERATOR, Set.of());
    var res = OpenApiResponses.check("GET", "/api/v1/cameras/{cameraId}", http.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + httpPort + "/api/v1/cameras/cam-264")).header("Authorization", bearer).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    var camera = new io.vertx.core.json.JsonObject(res.body());
    assertThat(camera.getString("health")).isEqualTo("streaming");
    assertThat(camera.getString("box")).isEqualTo("box-1");
    assertThat(camera.getJsonObject("stream").getBoolean("publishing")).isTrue();
    assertThat(camera.getJsonObject("stream").getString("codec")).isEqualTo("H264");
    assertThat(camera.getJsonObject("stream").getInteger("width")).isEqualTo(640);
    var all = OpenApiResponses.check("GET", "/api/v1/cameras", http.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + httpPort + "/api/v1/cameras")).header("Authorization", bearer).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()));
    assertThat(new io.vertx.core.json.JsonObject(all.body()).getJsonArray("cameras")).hasSize(8);
    var missing = OpenApiResponses.check("GET", "/api/v1/cameras/{cameraId}", http.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + httpPort + "/api/v1/cameras/cam-404")).header("Authorization", bearer).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.headers().firstValue("Content-Type")).contains("application/problem+json");
  }

  static String token(Role role, Set<String> regions) {
    String unit = role == Role.ERV_CREW ? "erv-1" : null;
    return gateway.tokens().issue(new Principal("it-" + role.wire(), role, Optional.ofNullable(unit), regions, Set.of())).token();
  }

  @Test
  void readersMayLogInWithTheirApiTokenWithinTheirRegion() throws Exception {
    push("cam-264", "libx264", "160x120", "tcp", 25);
    String base = "rtsp://127.0.0.1:" + rtspPort + "/cam-264";
    assertThat(Ffmpeg.probe(base + "?token=" + token(Role.OPERATOR, Set.of()), "tcp").output().trim())
        .as("staff, token in the query").isEqualTo("h264,160,120");
    // As a Basic password (ffmpeg would choose the Digest also offered, which cannot carry a token).
    try (RawRtsp c = new RawRtsp(rtspPort)) {
      RawRtsp.Response r = c.request("DESCRIBE", base, java.util.Map.of("Authorization",
          RawRtsp.basic("crew", token(Role.ERV_CREW, Set.of("south")))), null);
      assertThat(r.status()).as("the region's crew, token as the Basic password").isEqualTo(200);
      assertThat(r.body()).contains("m=video");
    }
    Cli.Result otherRegion = Ffmpeg.probe(base + "?token=" + token(Role.ERV_CREW, Set.of("east")), "tcp");
    assertThat(otherRegion.exit()).isNotZero();
    assertThat(otherRegion.output()).contains("403");
    assertThat(Ffmpeg.probe(base + "?token=" + token(Role.OPERATOR, Set.of()).replace('.', 'x') + ".a.b", "tcp").output())
        .contains("401");
  }

  @Test
  void h265PushedOverUdpIsDecodedByReadersOverUdpAndTcp() throws Exception {
    push("cam-265", "libx265", "320x240", "udp", 25);
    assertThat(Ffmpeg.probe(readUrl("cam-265"), "udp").output().trim()).isEqualTo("hevc,320,240");
    for (String transport : List.of("udp", "tcp")) {
      Ffmpeg.Read r = Ffmpeg.read(readUrl("cam-265"), transport, 40, T);
      assertThat(r.exit()).as(r.output()).isZero();
      assertThat(r.frames()).as(transport).hasSize(40);
      assertThat(r.frameSizes()).containsOnly(320 * 240 * 3 / 2);
    }
    var stats = gateway.streams().snapshot("cam-265").orElseThrow();
    assertThat(stats.codec()).isEqualTo("H265");
    assertThat(stats.width()).isEqualTo(320);
    assertThat(stats.height()).isEqualTo(240);
  }

  @Test
  void aLateReaderStartsAtTheLastKeyframeAndDecodesAtOnce() throws Exception {
    // A keyframe every 4 s: a reader joining mid-GOP without the cache would wait or decode garbage.
    push("cam-late", "libx264", "320x240", "tcp", 100);
    Thread.sleep(500); // publishing starts at a keyframe: the next one is 3.5 s away
    long started = System.nanoTime();
    Cli.Result first = Cli.run(T, null, "ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0",
        "-show_frames", "-read_intervals", "%+#1", "-show_entries", "frame=key_frame,pict_type", "-of", "csv=p=0",
        readUrl("cam-late"));
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(first.exit()).as(first.output()).isZero();
    assertThat(first.output().trim().split("\n")[0]).as("first decoded frame: key_frame,pict_type").startsWith("1,I");
    assertThat(tookMs).as("first frame without waiting for the next keyframe (3.5 s away)").isLessThan(2000);
    Ffmpeg.Read r = Ffmpeg.read(readUrl("cam-late"), "tcp", 30, T);
    assertThat(r.frames()).hasSize(30);
    assertThat(r.messages()).as("decoder complaints").isEmpty();
  }

  @Test
  void wrongOrMissingCredentialsAreRefusedPrecisely() throws Exception {
    push("cam-full", "libx264", "320x240", "tcp", 25);
    Cli.Result wrong = Ffmpeg.probe("rtsp://viewer:nope@127.0.0.1:" + rtspPort + "/cam-full", "tcp");
    assertThat(wrong.exit()).isNotZero();
    assertThat(wrong.output()).contains("401");
    Cli.Result none = Ffmpeg.probe("rtsp://127.0.0.1:" + rtspPort + "/cam-full", "tcp");
    assertThat(none.output()).contains("401");
    Cli.Result publishCredsToRead = Ffmpeg.probe("rtsp://cam-full:pub-cam-full@127.0.0.1:" + rtspPort + "/cam-full", "tcp");
    assertThat(publishCredsToRead.output()).as("publish credentials do not read").contains("401");
    Cli.Result unknown = Ffmpeg.probe("rtsp://viewer:read-secret@127.0.0.1:" + rtspPort + "/cam-404", "tcp");
    assertThat(unknown.output()).contains("404");
    Process noPublisher = Ffmpeg.push("rtsp://x:y@127.0.0.1:" + rtspPort + "/cam-nopub", "libx264", "160x120", "tcp", 25);
    cameras.add(noPublisher);
    assertThat(noPublisher.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(noPublisher.getInputStream().readAllBytes())).contains("403");
  }

  @Test
  void aHashedSecretStillPublishesWithBasic() throws Exception {
    // Digest needs the plain secret; with only a bcrypt hash the gateway offers Basic, which ffmpeg then uses.
    push("cam-hashed", "libx264", "160x120", "tcp", 25);
    assertThat(Ffmpeg.probe(readUrl("cam-hashed"), "tcp").output().trim()).isEqualTo("h264,160,120");
  }

  @Test
  void readersBeyondTheLimitGetNotEnoughBandwidth() throws Exception {
    push("cam-full", "libx264", "160x120", "tcp", 25);
    List<Process> readers = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        readers.add(Cli.start("ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i", readUrl("cam-full"), "-f", "null", "-"));
      }
      long deadline = System.nanoTime() + T.toNanos();
      while (gateway.streams().snapshot("cam-full").orElseThrow().readers() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      Cli.Result third = Ffmpeg.probe(readUrl("cam-full"), "tcp");
      assertThat(third.exit()).isNotZero();
      assertThat(third.output()).contains("453");
    } finally {
      readers.forEach(Process::destroyForcibly);
    }
  }

  @Test
  void aCameraThatStopsSendingIsStalledThenOfflineWithinItsBounds() throws Exception {
    Process camera = push("cam-stall", "libx264", "160x120", "tcp", 25);
    events.await(0, T, "camera.streaming", e -> e.type().equals("camera.streaming") && e.source().equals("cam-stall"));
    long after = events.lastId();
    camera.destroyForcibly().waitFor();
    long stopped = System.nanoTime();
    LoggedEvent stalled = events.await(after, T, "camera.stalled",
        e -> e.type().equals("camera.stalled") && e.source().equals("cam-stall"));
    double stalledAfter = (System.nanoTime() - stopped) / 1e9;
    // bound: health.cameraStalledAfter (2 s) + one tick (0.25 s), plus the log commit
    assertThat(stalledAfter).isBetween(1.5, 3.5);
    assertThat(stalled.body()).containsEntry("box", "box-1").containsEntry("from", "streaming");
    LoggedEvent offline = events.await(stalled.id(), T, "camera.offline",
        e -> e.type().equals("camera.offline") && e.source().equals("cam-stall"));
    assertThat((System.nanoTime() - stopped) / 1e9).isBetween(4.5, 6.5);
    assertThat(offline.region()).isEqualTo("south");
  }

  @Test
  void aBoxAndItsCamerasGoingDarkTogetherIsOnePowerOrLinkLostAlarm() throws Exception {
    // The box is online over MQTT (a real client holding the connection) and its one camera streams.
    Process box = Cli.start("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-V", "mqttv311",
        "-u", "box-site", "-P", "site-secret", "-i", "box-site", "-k", "5", "-t", "boxes/box-site/cmd");
    cameras.add(box);
    push("cam-site", "libx264", "160x120", "tcp", 25);
    events.await(0, T, "box-site connected", e -> e.source().equals("box-site") && e.type().equals("box.online"));
    long after = events.lastId();
    // The site loses power: the box's link and its camera's stream go at once.
    box.destroyForcibly();
    cameras.forEach(Process::destroyForcibly);
    LoggedEvent alarm = events.await(after, T, "power-or-link-lost",
        EventWatch.alarm("power-or-link-lost", "box-site"));
    assertThat(alarm.region()).isEqualTo("east");
    assertThat(events.all().stream().filter(e -> e.id() > after)
        .filter(e -> e.type().equals("alarm.raised") && "camera-down".equals(e.body().get("kind"))))
        .as("the camera's own alarm is absorbed into the site alarm").isEmpty();
  }

  @Test
  void rtcpReceiverReportsGoToThePublisherAndSenderReportsToReaders() throws Exception {
    push("cam-full", "libx264", "160x120", "tcp", 25);
    try (RawRtsp reader = new RawRtsp(rtspPort)) {
      java.util.Map<String, String> auth = java.util.Map.of("Authorization", RawRtsp.basic("viewer", "read-secret"));
      assertThat(reader.request("DESCRIBE", "rtsp://127.0.0.1:" + rtspPort + "/cam-full", auth, null).status()).isEqualTo(200);
      RawRtsp.Response setup = reader.request("SETUP", "rtsp://127.0.0.1:" + rtspPort + "/cam-full/trackID=0",
          java.util.Map.of("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"), null);
      String session = setup.header("Session").split(";")[0];
      assertThat(reader.request("PLAY", "rtsp://127.0.0.1:" + rtspPort + "/cam-full", java.util.Map.of("Session", session),
          null).status()).isEqualTo(200);
      // Sender reports come every 5 s; keepalives carry us there while packets flow.
      long deadline = System.nanoTime() + Duration.ofSeconds(12).toNanos();
      while (reader.frames.stream().noneMatch(f -> f.getKey() == 1) && System.nanoTime() < deadline) {
        reader.request("GET_PARAMETER", "rtsp://127.0.0.1:" + rtspPort + "/cam-full", java.util.Map.of("Session", session), null);
        Thread.sleep(500);
      }
      byte[] sr = reader.frames.stream().filter(f -> f.getKey() == 1).findFirst().orElseThrow().getValue();
      assertThat(sr[1] & 0xff).as("RTCP SR").isEqualTo(200);
      assertThat(reader.frames.stream().filter(f -> f.getKey() == 0).count()).as("RTP on channel 0").isPositive();
      long ssrc = java.nio.ByteBuffer.wrap(sr, 4, 4).getInt() & 0xffffffffL;
      byte[] rtp = reader.frames.stream().filter(f -> f.getKey() == 0).findFirst().orElseThrow().getValue();
      assertThat(ssrc).as("the SR speaks for the relayed SSRC").isEqualTo(java.nio.ByteBuffer.wrap(rtp, 8, 4).getInt() & 0xffffffffL);
    }
  }
}
