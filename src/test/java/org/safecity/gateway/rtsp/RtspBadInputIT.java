package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
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
 * Hostile and broken RTSP/RTP input: each gets a precise status or its connection closed, and a real camera
 * streaming through the same gateway meanwhile is still decoded whole afterwards.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RtspBadInputIT {
  static final Duration T = Duration.ofSeconds(30);
  static final String SDP = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=hostile\r\nt=0 0\r\n"
      + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:streamid=0\r\n";
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static int port;
  static Process goodCamera;

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
            cameras: [cam-good, cam-evil]
        cameras:
        """);
    for (String id : new String[] {"cam-good", "cam-evil"}) {
      y.append("  - id: ").append(id).append("\n    box: box-1\n    region: south\n    location: { lat: 24.86, lon: 67.01 }\n")
          .append("    publishUser: ").append(id).append("\n    publishSecret: \"pub-").append(id).append("\"\n")
          .append("    readUser: viewer\n    readSecret: \"read-secret\"\n");
    }
    Files.writeString(devices, y);
    port = Ports.free();
    int udp = Ports.freeUdpPair();
    gateway = Gateway.start(ConfigLoader.load(Optional.empty(), Map.ofEntries(
        Map.entry("SAFECITY_STORE_URL", postgres.url()),
        Map.entry("SAFECITY_DATA_DIR", dir.resolve("data").toString()),
        Map.entry("SAFECITY_HTTP_PORT", String.valueOf(Ports.free())),
        Map.entry("SAFECITY_MQTT_PORT", String.valueOf(Ports.free())),
        Map.entry("SAFECITY_RTSP_PORT", String.valueOf(port)),
        Map.entry("SAFECITY_RTSP_UDP_RTP_PORT", String.valueOf(udp)),
        Map.entry("SAFECITY_RTSP_UDP_RTCP_PORT", String.valueOf(udp + 1)),
        Map.entry("SAFECITY_RTSP_MAX_HEADER_BYTES", "2048"),
        Map.entry("SAFECITY_RTSP_MAX_SDP_BYTES", "4096"),
        Map.entry("SAFECITY_RTSP_MAX_SESSIONS_PER_CONNECTION", "2"),
        Map.entry("SAFECITY_RTSP_SESSION_TIMEOUT", "5s"),
        Map.entry("SAFECITY_DEVICES_FILE", devices.toString()),
        Map.entry("SAFECITY_DEVICES_BCRYPT_COST", "4"))));
    goodCamera = Ffmpeg.push("rtsp://cam-good:pub-cam-good@127.0.0.1:" + port + "/cam-good", "libx264", "320x240", "tcp", 25);
    long deadline = System.nanoTime() + T.toNanos();
    while (gateway.streams().snapshot("cam-good").map(s -> s.frames() == 0).orElse(true)) {
      assertThat(System.nanoTime()).as("cam-good publishing").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stop() {
    if (goodCamera != null) {
      goodCamera.destroyForcibly();
    }
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }

  static String url(String cam) {
    return "rtsp://127.0.0.1:" + port + "/" + cam;
  }

  static void goodCameraStillDecodesWhole() throws Exception {
    Ffmpeg.Read r = Ffmpeg.read("rtsp://viewer:read-secret@127.0.0.1:" + port + "/cam-good", "tcp", 25, T);
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.frames()).hasSize(25);
    assertThat(r.messages()).isEmpty();
  }

  @Test
  void binaryGarbageGets400AndTheConnectionClosed() throws Exception {
    byte[] junk = new byte[512];
    new Random(7).nextBytes(junk);
    junk[0] = 0x17; // not '$', not a method's first letter
    try (RawRtsp c = new RawRtsp(port)) {
      c.sendRaw(junk);
      RawRtsp.Response r = c.read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body()).contains("expected an RTSP request line");
      assertThat(c.closedByServer()).isTrue();
    }
    goodCameraStillDecodesWhole();
  }

  @Test
  void hugeOrEndlessHeadersGet431AndTheConnectionClosed() throws Exception {
    try (RawRtsp c = new RawRtsp(port)) {
      c.sendRaw("OPTIONS " + url("cam-good") + " RTSP/1.0\r\nCSeq: 1\r\nX-Filler: " + "a".repeat(4000) + "\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(431);
      assertThat(c.closedByServer()).isTrue();
    }
    try (RawRtsp c = new RawRtsp(port)) {
      // Never ends its headers: refused once the limit is reached, not buffered forever.
      c.sendRaw("OPTIONS " + url("cam-good") + " RTSP/1.0\r\nCSeq: 1\r\n");
      for (int i = 0; i < 100; i++) {
        c.sendRaw("X-" + i + ": " + "b".repeat(40) + "\r\n");
      }
      assertThat(c.read().status()).isEqualTo(431);
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void badCSeqAndUnknownMethodsAreAnsweredAndTheConnectionKeepsWorking() throws Exception {
    try (RawRtsp c = new RawRtsp(port)) {
      c.sendRaw("OPTIONS " + url("cam-good") + " RTSP/1.0\r\n\r\n");
      RawRtsp.Response noCseq = c.read();
      assertThat(noCseq.status()).isEqualTo(400);
      assertThat(noCseq.body()).contains("CSeq");
      c.sendRaw("OPTIONS " + url("cam-good") + " RTSP/1.0\r\nCSeq: twelve\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(400);
      RawRtsp.Response unknown = c.request("FROBNICATE", url("cam-good"), Map.of(), null);
      assertThat(unknown.status()).isEqualTo(501);
      assertThat(unknown.header("Public")).contains("DESCRIBE");
      RawRtsp.Response ok = c.request("OPTIONS", url("cam-good"), Map.of(), null);
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.header("CSeq")).isEqualTo("2");
    }
  }

  @Test
  void wrongContentLengthsAreRefused() throws Exception {
    try (RawRtsp c = new RawRtsp(port)) {
      c.sendRaw("ANNOUNCE " + url("cam-evil") + " RTSP/1.0\r\nCSeq: 1\r\nContent-Length: lots\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(400);
      assertThat(c.closedByServer()).isTrue();
    }
    try (RawRtsp c = new RawRtsp(port)) {
      c.sendRaw("ANNOUNCE " + url("cam-evil") + " RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(400);
    }
    try (RawRtsp c = new RawRtsp(port)) {
      c.sendRaw("ANNOUNCE " + url("cam-evil") + " RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 999999999\r\n\r\n");
      RawRtsp.Response r = c.read();
      assertThat(r.status()).as("larger than rtsp.maxSdpBytes, refused before buffering").isEqualTo(413);
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void brokenSdpAndTransportsGetPreciseErrors() throws Exception {
    try (RawRtsp c = new RawRtsp(port)) {
      Map<String, String> auth = Map.of("Authorization", RawRtsp.basic("cam-evil", "pub-cam-evil"),
          "Content-Type", "application/sdp");
      RawRtsp.Response bad = c.request("ANNOUNCE", url("cam-evil"), auth, "v=0\r\nm=video\r\n");
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.body()).contains("m=<media> <port> <proto> <fmt>");
      RawRtsp.Response noMedia = c.request("ANNOUNCE", url("cam-evil"), auth, "v=0\r\ns=x\r\n");
      assertThat(noMedia.body()).contains("no media section");
      assertThat(c.request("ANNOUNCE", url("cam-evil"), auth, SDP).status()).isEqualTo(200);
      RawRtsp.Response multicast = c.request("SETUP", url("cam-evil") + "/streamid=0",
          Map.of("Transport", "RTP/AVP;multicast;mode=record"), null);
      assertThat(multicast.status()).isEqualTo(461);
      RawRtsp.Response noSession = c.request("RECORD", url("cam-evil"), Map.of("Session", "nope"), null);
      assertThat(noSession.status()).isEqualTo(454);
    }
  }

  @Test
  void malformedRtpIsCountedAndDroppedWhileOtherStreamsCarryOn() throws Exception {
    try (RawRtsp c = new RawRtsp(port)) {
      Map<String, String> auth = Map.of("Authorization", RawRtsp.basic("cam-evil", "pub-cam-evil"));
      assertThat(c.request("ANNOUNCE", url("cam-evil"), Map.of("Authorization", auth.get("Authorization"),
          "Content-Type", "application/sdp"), SDP).status()).isEqualTo(200);
      RawRtsp.Response setup = c.request("SETUP", url("cam-evil") + "/streamid=0",
          Map.of("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"), null);
      assertThat(setup.status()).isEqualTo(200);
      String session = setup.header("Session").split(";")[0];
      assertThat(c.request("RECORD", url("cam-evil"), Map.of("Session", session), null).status()).isEqualTo(200);
      var before = gateway.streams().snapshot("cam-evil").orElseThrow(); // stats outlive streams: compare deltas
      c.interleaved(0, new byte[] {0x40, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x65}); // RTP version 1
      c.interleaved(0, new byte[] {(byte) 0x80, 96}); // shorter than an RTP header
      c.interleaved(0, rtp(2, 3000, true, new byte[] {0x7c, 0x05, 1, 2, 3})); // FU-A end without a start
      c.interleaved(0, rtp(3, 6000, true, new byte[] {0x7c, (byte) 0x85, 9})); // FU-A start ...
      c.interleaved(0, rtp(5, 6000, true, new byte[] {0x7c, 0x45, 9})); // ... whose middle (seq 4) never came
      c.interleaved(9, new byte[] {1, 2, 3}); // a channel nobody set up
      c.interleaved(0, rtp(6, 9000, true, new byte[] {0x65, (byte) 0x88, 0, 1})); // a whole (IDR) unit
      assertThat(c.request("GET_PARAMETER", url("cam-evil"), Map.of("Session", session), null).status()).isEqualTo(200);
      var s = gateway.streams().snapshot("cam-evil").orElseThrow();
      assertThat(s.malformedPackets() - before.malformedPackets()).isEqualTo(2);
      assertThat(s.framesDiscarded() - before.framesDiscarded()).as("FU-A without start, FU-A with a gap")
          .isGreaterThanOrEqualTo(2);
      assertThat(s.frames() - before.frames()).as("only the whole unit counts as a frame").isEqualTo(1);
    }
    goodCameraStillDecodesWhole();
  }

  @Test
  void sessionsPerConnectionAreLimited() throws Exception {
    try (RawRtsp c = new RawRtsp(port)) {
      Map<String, String> auth = Map.of("Authorization", RawRtsp.basic("viewer", "read-secret"));
      String first = null;
      for (int i = 0; i < 2; i++) {
        RawRtsp.Response r = c.request("SETUP", url("cam-good") + "/trackID=0",
            Map.of("Authorization", auth.get("Authorization"), "Transport", "RTP/AVP/TCP;unicast"), null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Transport")).startsWith("RTP/AVP/TCP;unicast;interleaved=");
        first = first == null ? r.header("Session").split(";")[0] : first;
      }
      RawRtsp.Response otherCamera = c.request("PLAY", url("cam-evil"), Map.of("Session", first), null);
      assertThat(otherCamera.status()).as("a session plays only its own camera").isEqualTo(400);
      RawRtsp.Response third = c.request("SETUP", url("cam-good") + "/trackID=0", Map.of("Transport", "RTP/AVP/TCP;unicast"), null);
      assertThat(third.status()).isEqualTo(453);
      assertThat(third.body()).contains("rtsp.maxSessionsPerConnection");
    }
  }

  @Test
  void aSilentConnectionIsClosedAfterTheSessionTimeoutAndAKeepaliveHoldsIt() throws Exception {
    try (RawRtsp idle = new RawRtsp(port); RawRtsp alive = new RawRtsp(port)) {
      long start = System.nanoTime();
      assertThat(idle.request("OPTIONS", url("cam-good"), Map.of(), null).status()).isEqualTo(200);
      assertThat(alive.request("OPTIONS", url("cam-good"), Map.of(), null).status()).isEqualTo(200);
      for (int i = 0; i < 4; i++) {
        Thread.sleep(2000);
        assertThat(alive.request("GET_PARAMETER", url("cam-good"), Map.of(), null).status()).isEqualTo(200);
      }
      // the idle one: closed once rtsp.sessionTimeout (5 s) has passed, at the next check (every 1.25 s)
      assertThat(idle.closedByServer()).isTrue();
      double after = (System.nanoTime() - start) / 1e9;
      assertThat(after).isBetween(5.0, 10.0);
      assertThat(alive.request("OPTIONS", url("cam-good"), Map.of(), null).status()).as("kept alive").isEqualTo(200);
    }
  }

  @Test
  void aPublisherGetsReceiverReportsForItsTrack() throws Exception {
    try (RawRtsp c = new RawRtsp(port)) {
      Map<String, String> auth = Map.of("Authorization", RawRtsp.basic("cam-evil", "pub-cam-evil"));
      assertThat(c.request("ANNOUNCE", url("cam-evil"), Map.of("Authorization", auth.get("Authorization"),
          "Content-Type", "application/sdp"), SDP).status()).isEqualTo(200);
      RawRtsp.Response setup = c.request("SETUP", url("cam-evil") + "/streamid=0",
          Map.of("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"), null);
      String session = setup.header("Session").split(";")[0];
      assertThat(c.request("RECORD", url("cam-evil"), Map.of("Session", session), null).status()).isEqualTo(200);
      long deadline = System.nanoTime() + Duration.ofSeconds(12).toNanos();
      int seq = 100;
      while (c.frames.stream().noneMatch(f -> f.getKey() == 1) && System.nanoTime() < deadline) {
        c.interleaved(0, rtp(seq++, seq * 3600L, true, new byte[] {0x65, (byte) 0x88, 0, 1}));
        c.request("GET_PARAMETER", url("cam-evil"), Map.of("Session", session), null);
        Thread.sleep(200);
      }
      byte[] rr = c.frames.stream().filter(f -> f.getKey() == 1).findFirst().orElseThrow().getValue();
      assertThat(rr[1] & 0xff).as("RTCP RR").isEqualTo(201);
      assertThat(rr[0] & 0x1f).as("one report block").isEqualTo(1);
      long reportedSsrc = java.nio.ByteBuffer.wrap(rr, 8, 4).getInt() & 0xffffffffL;
      assertThat(reportedSsrc).as("about the publisher's SSRC").isEqualTo(0x01020304L);
    }
  }

  /** An RTP packet, payload type 96, SSRC 0x01020304. */
  static byte[] rtp(int seq, long ts, boolean marker, byte[] payload) {
    byte[] p = new byte[12 + payload.length];
    p[0] = (byte) 0x80;
    p[1] = (byte) ((marker ? 0x80 : 0) | 96);
    p[2] = (byte) (seq >> 8);
    p[3] = (byte) seq;
    p[4] = (byte) (ts >> 24);
    p[5] = (byte) (ts >> 16);
    p[6] = (byte) (ts >> 8);
    p[7] = (byte) ts;
    p[8] = 1;
    p[9] = 2;
    p[10] = 3;
    p[11] = 4;
    System.arraycopy(payload, 0, p, 12, payload.length);
    return p;
  }
}
