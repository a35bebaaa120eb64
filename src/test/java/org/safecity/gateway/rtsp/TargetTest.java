package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TargetTest {
  @Test
  void cameraTrackAndQueryAreKeptApart() {
    Target t = Target.parse("rtsp://gw.example:8554/cam-001/trackID=1?token=abc");
    assertThat(t.cameraId()).contains("cam-001");
    assertThat(t.rest()).isEqualTo("trackID=1");
    assertThat(t.query()).isEqualTo("token=abc");
    assertThat(t.base("cam-001")).isEqualTo("rtsp://gw.example:8554/cam-001/");
  }

  @Test
  void pathOnlyAndAggregateForms() {
    assertThat(Target.parse("/cam-2/").cameraId()).contains("cam-2");
    assertThat(Target.parse("rtsp://h:1/").cameraId()).isEmpty();
    assertThat(Target.parse("*").cameraId()).isEmpty();
    assertThat(Target.parse("rtsp://h:1").orCamera("cam-3")).isEqualTo(new Target(Optional.of("cam-3"), "", "", "rtsp://h:1"));
    assertThat(Target.parse("rtsp://h/cam-4?x").orCamera("other").cameraId()).contains("cam-4");
  }
}
