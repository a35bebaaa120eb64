package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.safecity.gateway.core.CameraWatch.State;

/** Camera health from last-frame times, with the stated bounds: stalled after 5 s, offline after 60 s. */
class CameraWatchTest {
  static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
  static final CameraWatch.Camera CAM = new CameraWatch.Camera("cam-1", "box-1", "south");
  final CameraWatch watch = new CameraWatch(Duration.ofSeconds(5), Duration.ofSeconds(60));
  final Map<String, Long> lastFrame = new HashMap<>();

  CameraWatchTest() {
    watch.reload(List.of(CAM), T0);
  }

  List<CameraWatch.Change> at(double seconds) {
    return watch.observe(id -> lastFrame.getOrDefault(id, -1L), T0.plusMillis((long) (seconds * 1000)));
  }

  void frameAt(double seconds) {
    lastFrame.put("cam-1", T0.plusMillis((long) (seconds * 1000)).toEpochMilli());
  }

  @Test
  void streamingThenStalledAtTheBoundThenOfflineThenBack() {
    frameAt(1);
    assertThat(at(1.2)).singleElement().satisfies(c -> {
      assertThat(c.from()).isEqualTo(State.UNKNOWN);
      assertThat(c.to()).isEqualTo(State.STREAMING);
      assertThat(c.down()).isFalse();
    });
    assertThat(at(5.9)).as("4.9 s without a frame").isEmpty();
    assertThat(at(6.0)).singleElement().satisfies(c -> {
      assertThat(c.to()).isEqualTo(State.STALLED);
      assertThat(c.down()).isTrue();
      assertThat(c.lastFrameAt()).contains(T0.plusSeconds(1));
    });
    assertThat(at(60.9)).isEmpty();
    assertThat(at(61)).singleElement().satisfies(c -> {
      assertThat(c.to()).isEqualTo(State.OFFLINE);
      assertThat(c.down()).as("already down when it stalled: not a second down").isFalse();
    });
    frameAt(70);
    assertThat(at(70.1)).singleElement().satisfies(c -> {
      assertThat(c.to()).isEqualTo(State.STREAMING);
      assertThat(c.up()).isTrue();
    });
  }

  @Test
  void aCameraNeverSeenIsOfflineOnceTheOfflineBoundHasPassedSinceStart() {
    assertThat(at(30)).isEmpty();
    assertThat(at(60)).singleElement().satisfies(c -> {
      assertThat(c.from()).isEqualTo(State.UNKNOWN);
      assertThat(c.to()).isEqualTo(State.OFFLINE);
      assertThat(c.down()).isTrue();
      assertThat(c.lastFrameAt()).isEmpty();
    });
    assertThat(at(120)).as("said once").isEmpty();
  }

  @Test
  void framesThatStoppedBeforeTheFirstLookAreStalledNotUnknown() {
    frameAt(0);
    assertThat(at(7)).singleElement().satisfies(c -> assertThat(c.to()).isEqualTo(State.STALLED));
  }

  @Test
  void reloadKeepsStateAddsWithAFreshClockAndDrops() {
    frameAt(0);
    at(1);
    CameraWatch.Camera added = new CameraWatch.Camera("cam-2", "box-1", "south");
    watch.reload(List.of(CAM, added), T0.plusSeconds(50));
    assertThat(watch.state("cam-1")).isEqualTo(State.STREAMING);
    assertThat(at(100).stream().map(c -> c.camera().id() + ":" + c.to())).containsExactly("cam-1:OFFLINE");
    assertThat(at(110).stream().map(c -> c.camera().id() + ":" + c.to())).containsExactly("cam-2:OFFLINE");
    watch.reload(List.of(added), T0.plusSeconds(111));
    assertThat(watch.state("cam-1")).isEqualTo(State.UNKNOWN);
  }

  @Test
  void boundsMustBeOrdered() {
    assertThatThrownBy(() -> new CameraWatch(Duration.ofSeconds(5), Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
