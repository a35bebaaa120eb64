package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.rtsp.PullGateway.T;
import static org.safecity.gateway.rtsp.PullGateway.await;
import static org.safecity.gateway.rtsp.PullGateway.camera;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.testing.Cli;
import org.safecity.gateway.testing.EventWatch;
import org.safecity.gateway.testing.Ports;
import org.slf4j.LoggerFactory;

/**
 * The pull client against GStreamer's RTSP server (a real third-party implementation), read back through the
 * gateway with real ffmpeg and ffprobe, with a real PostgreSQL. Each test has a GStreamer server of its own.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RtspPullIT {
  static final String BASIC_PASSWORD = "p@ss:word/1";
  static final String DIGEST_PASSWORD = "dig3st-secret";
  static final String WRONG_PASSWORD = "not-the-password";
  static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  @TempDir
  static Path dir;
  static PullGateway g;
  static EventWatch events;
  static GstRtspServer basic;
  static GstRtspServer digest;
  static GstRtspServer refusing;
  static GstRtspServer silent;
  static String cameras;

  @BeforeAll
  static void start() throws Exception {
    logs.start();
    root().addAppender(logs);
    basic = new GstRtspServer(Ports.free(), "basic", "cam", BASIC_PASSWORD);
    digest = new GstRtspServer(Ports.free(), "digest", "cam", DIGEST_PASSWORD);
    refusing = new GstRtspServer(Ports.free(), "basic", "cam", "the-real-one");
    silent = new GstRtspServer(Ports.free(), "none", "", "");
    cameras = camera("cam-tcp", basic.url("cam:p%40ss%3Aword%2F1", ""))
        + camera("cam-udp", digest.url("cam:" + DIGEST_PASSWORD, "?transport=udp"))
        + camera("cam-bad", refusing.url("cam:" + WRONG_PASSWORD, ""))
        + camera("cam-silent", silent.url("", ""));
    g = new PullGateway(dir, cameras, Map.of("SAFECITY_RTSP_PULL_RETRY_MIN", "200ms",
        "SAFECITY_RTSP_PULL_RETRY_MAX", "2s",
        "SAFECITY_RTSP_SESSION_TIMEOUT", "5s",
        "SAFECITY_HEALTH_CAMERA_STALLED_AFTER", "1s",
        "SAFECITY_DEVICES_RELOAD_INTERVAL", "200ms"));
    events = new EventWatch(g.gateway.eventLog());
  }

  static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  @AfterAll
  static void stop() throws Exception {
    if (g != null) {
      g.close();
    }
    for (GstRtspServer s : new GstRtspServer[] {basic, digest, refusing, silent}) {
      if (s != null) {
        s.close();
      }
    }
    root().detachAppender(logs);
  }

  static List<String> messages() {
    synchronized (logs) {
      return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  @Test
  void aPulledCameraIsReadThroughTheGatewayAndComesBackAfterItsSourceDies() throws Exception {
    await(T, "cam-tcp publishing", () -> g.publishing("cam-tcp"));
    g.ffprobeSeesTheTestPattern("cam-tcp");
    g.ffmpegReads("cam-tcp");
    assertThat(g.snapshot("cam-tcp").source()).isEqualTo("rtsp pull rtsp://127.0.0.1:" + basic.port() + "/stream1 over TCP");
    double connects = g.metric("gateway_rtsp_pull_connects_total", "cam-tcp");
    assertThat(connects).isGreaterThanOrEqualTo(1);

    long before = events.lastId();
    basic.kill();
    await(Duration.ofSeconds(10), "cam-tcp no longer publishing", () -> !g.publishing("cam-tcp"));
    events.await(before, T, "cam-tcp stalled", e -> e.type().equals("camera.stalled") && e.source().equals("cam-tcp"));
    assertThat(g.metric("gateway_rtsp_pull_failures_total", "cam-tcp")).isGreaterThanOrEqualTo(1);

    basic.start(); // same port, same mount: the camera is back
    await(T, "cam-tcp publishing again", () -> g.publishing("cam-tcp"));
    events.await(before, T, "cam-tcp streaming", e -> e.type().equals("camera.streaming") && e.source().equals("cam-tcp"));
    g.ffmpegReads("cam-tcp");
    assertThat(g.metric("gateway_rtsp_pull_connects_total", "cam-tcp")).isGreaterThan(connects);
  }

  @Test
  void aDigestProtectedSourceIsPulledOverUdp() throws Exception {
    await(T, "cam-udp publishing", () -> g.publishing("cam-udp"));
    StreamStats.Snapshot s = g.snapshot("cam-udp");
    assertThat(s.source()).isEqualTo("rtsp pull rtsp://127.0.0.1:" + digest.port() + "/stream1 over UDP");
    g.ffprobeSeesTheTestPattern("cam-udp");
    g.ffmpegReads("cam-udp");
    StreamStats.Snapshot later = g.snapshot("cam-udp");
    assertThat(later.packets()).isGreaterThan(s.packets());
    assertThat(later.width()).isEqualTo(640);
  }

  @Test
  void wrongSourceCredentialsAreRetriedWithGrowingWaitsAndNeverLogged() throws Exception {
    await(T, "four refused attempts", () -> g.metric("gateway_rtsp_pull_failures_total", "cam-bad") >= 4);
    assertThat(g.publishing("cam-bad")).isFalse();
    assertThat(g.metric("gateway_rtsp_pull_connects_total", "cam-bad")).isZero();
    List<String> log = messages();
    assertThat(log).anyMatch(m -> m.equals("camera cam-bad: pulling rtsp://127.0.0.1:" + refusing.port()
        + "/stream1 failed: the camera refused the source URL's credentials (DESCRIBE answered 401)"));
    // The waits' ceiling doubles from rtsp.pullRetryMin and stops at rtsp.pullRetryMax.
    List<Long> ceilings = new ArrayList<>();
    Pattern p = Pattern.compile("^camera cam-bad: pulling again in (\\d+) ms \\(failure \\d+ in a row, ceiling (\\d+) ms\\)$");
    for (String m : log) {
      Matcher x = p.matcher(m);
      if (x.find()) {
        assertThat(Long.parseLong(x.group(1))).isBetween(200L, Long.parseLong(x.group(2)));
        ceilings.add(Long.parseLong(x.group(2)));
      }
    }
    assertThat(ceilings).startsWith(200L, 400L, 800L).allMatch(c -> c <= 2000);
    // The gateway is unharmed: the others still play.
    await(T, "cam-udp publishing", () -> g.publishing("cam-udp"));
    for (String secret : List.of(WRONG_PASSWORD, BASIC_PASSWORD, "p%40ss%3Aword", DIGEST_PASSWORD)) {
      assertThat(messages()).noneMatch(m -> m.contains(secret));
    }
  }

  @Test
  void aSourceThatStopsSendingIsDroppedAfterTheSessionTimeoutAndPulledAgain() throws Exception {
    await(T, "cam-silent publishing", () -> g.publishing("cam-silent"));
    // SIGSTOP: the camera's connection stays open but nothing comes over it, as with a hung encoder.
    Cli.Result stop = Cli.run(T, null, "kill", "-STOP", String.valueOf(silent.pid()));
    assertThat(stop.exit()).as(stop.output()).isZero();
    try {
      await(Duration.ofSeconds(15), "cam-silent dropped", () -> !g.publishing("cam-silent"));
      assertThat(messages()).anyMatch(m -> m.startsWith("camera cam-silent: pull from rtsp://127.0.0.1:" + silent.port()
          + "/stream1 ended after ") && m.endsWith(": no packet for 5 s (rtsp.sessionTimeout)"));
    } finally {
      Cli.run(T, null, "kill", "-CONT", String.valueOf(silent.pid()));
    }
    await(Duration.ofSeconds(40), "cam-silent publishing again", () -> g.publishing("cam-silent"));
    g.ffmpegReads("cam-silent");
  }

  @Test
  void camerasAddedToAndRemovedFromTheDevicesFileAreStartedAndStopped() throws Exception {
    await(T, "cam-udp publishing", () -> g.publishing("cam-udp"));
    double udpConnects = g.metric("gateway_rtsp_pull_connects_total", "cam-udp");
    g.writeDevices(cameras + camera("cam-late", basic.url("cam:p%40ss%3Aword%2F1", "")));
    await(T, "cam-late publishing", () -> g.publishing("cam-late"));
    g.ffprobeSeesTheTestPattern("cam-late");
    g.writeDevices(cameras);
    await(T, "cam-late stopped", () -> !g.publishing("cam-late"));
    assertThat(messages()).contains("camera cam-late: no longer pulled (removed from the devices file or its source gone)");
    assertThat(g.metric("gateway_rtsp_pull_connects_total", "cam-udp")).as("the cameras that stay are not touched")
        .isEqualTo(udpConnects);
  }
}
