package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.rtsp.PullGateway.T;
import static org.safecity.gateway.rtsp.PullGateway.await;
import static org.safecity.gateway.rtsp.PullGateway.camera;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.testing.Cli;
import org.safecity.gateway.testing.EventWatch;
import org.safecity.gateway.testing.Ports;

/** rtsp.pullOnDemand: a source is pulled from a reader's DESCRIBE until it has had no reader for a while. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RtspPullOnDemandIT {
  @TempDir
  static Path dir;
  static PullGateway g;
  static GstRtspServer camera;
  static EventWatch events;

  @BeforeAll
  static void start() throws Exception {
    camera = new GstRtspServer(Ports.free(), "basic", "cam", "od-secret");
    // cam-down's source port has nothing listening: every attempt is refused.
    g = new PullGateway(dir, camera("cam-od", camera.url("cam:od-secret", ""))
        + camera("cam-down", "rtsp://127.0.0.1:" + Ports.free() + "/stream1"),
        Map.of("SAFECITY_RTSP_PULL_ON_DEMAND", "true",
            "SAFECITY_RTSP_PULL_RETRY_MIN", "200ms",
            "SAFECITY_RTSP_PULL_RETRY_MAX", "1s",
            "SAFECITY_HEALTH_CAMERA_STALLED_AFTER", "1s"));
    events = new EventWatch(g.gateway.eventLog());
  }

  @AfterAll
  static void stop() throws Exception {
    if (g != null) {
      g.close();
    }
    if (camera != null) {
      camera.close();
    }
  }

  @Test
  void aCameraIsPulledOnlyWhileSomeoneReadsIt() throws Exception {
    Thread.sleep(2000);
    assertThat(g.publishing("cam-od")).as("pulled before anyone asked").isFalse();
    assertThat(g.metric("gateway_rtsp_pull_connects_total", "cam-od")).isZero();

    // The first reader's DESCRIBE starts the pull and waits for it.
    g.ffprobeSeesTheTestPattern("cam-od");
    assertThat(g.metric("gateway_rtsp_pull_connects_total", "cam-od")).isEqualTo(1);
    g.ffmpegReads("cam-od");
    long lastReaderLeft = System.nanoTime();
    assertThat(g.metric("gateway_rtsp_pull_connects_total", "cam-od")).as("one pull for both readers").isEqualTo(1);

    await(Duration.ofSeconds(30), "the pull stopped after its last reader", () -> !g.publishing("cam-od"));
    long idle = System.nanoTime() - lastReaderLeft;
    assertThat(Duration.ofNanos(idle)).isGreaterThanOrEqualTo(PullClient.CLOSE_AFTER.minusSeconds(1));

    // Silence is expected of an on-demand camera nobody reads: health does not report it.
    Thread.sleep(2500);
    assertThat(events.all()).noneMatch(e -> e.type().startsWith("camera.") && e.source().equals("cam-od"));

    // A later reader starts it again.
    g.ffmpegReads("cam-od");
    assertThat(g.metric("gateway_rtsp_pull_connects_total", "cam-od")).isEqualTo(2);
  }

  @Test
  void aReaderOfACameraWhoseSourceIsDownGets404AfterTheStartTimeout() throws Exception {
    long t0 = System.nanoTime();
    Cli.Result r = g.ffprobe("cam-down");
    Duration waited = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(r.exit()).isNotZero();
    assertThat(r.output()).contains("404");
    assertThat(waited).isBetween(PullClient.START_TIMEOUT.minusSeconds(1), T);
    assertThat(g.metric("gateway_rtsp_pull_failures_total", "cam-down")).isGreaterThanOrEqualTo(2);
    // Nobody wants it any more: the attempts stop.
    Thread.sleep(PullClient.CLOSE_AFTER.plusSeconds(2).toMillis());
    double failures = g.metric("gateway_rtsp_pull_failures_total", "cam-down");
    Thread.sleep(3000);
    assertThat(g.metric("gateway_rtsp_pull_failures_total", "cam-down")).isEqualTo(failures);
  }
}
