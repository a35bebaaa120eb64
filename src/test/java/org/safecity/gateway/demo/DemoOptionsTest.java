package org.safecity.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

  @Test
  void defaultsMakeACityOfTwoDozenCamerasAndBoxesWithAnIncidentAMinute() {
    DemoOptions o = DemoOptions.parse();
    assertThat(o.boxes()).isEqualTo(24);
    assertThat(o.cameras()).isEqualTo(24);
    assertThat(o.incidentEvery()).isEqualTo(Duration.ofMinutes(1));
    assertThat(o.dataDir()).isEmpty();
    assertThat(o.config()).isEmpty();
  }

  @Test
  void everyOptionIsRead() {
    DemoOptions o = DemoOptions.parse("--data-dir", "/tmp/d", "--config", "g.yaml", "--boxes", "4", "--cameras", "8",
        "--first-incident-after", "500ms", "--incident-every", "2m", "--incident-step", "1s", "--recover-after", "1h",
        "--box-keepalive", "3s");
    assertThat(o.dataDir()).contains(Path.of("/tmp/d"));
    assertThat(o.config()).contains(Path.of("g.yaml"));
    assertThat(o.boxes()).isEqualTo(4);
    assertThat(o.cameras()).isEqualTo(8);
    assertThat(o.firstIncidentAfter()).isEqualTo(Duration.ofMillis(500));
    assertThat(o.incidentEvery()).isEqualTo(Duration.ofMinutes(2));
    assertThat(o.incidentStep()).isEqualTo(Duration.ofSeconds(1));
    assertThat(o.recoverAfter()).isEqualTo(Duration.ofHours(1));
    assertThat(o.boxKeepalive()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void mistakesAreNamed() {
    assertThatThrownBy(() -> DemoOptions.parse("--cameras", "9", "--boxes", "4"))
        .hasMessage("--cameras must be 0..8 (two per box), got 9");
    assertThatThrownBy(() -> DemoOptions.parse("--boxes", "many")).hasMessage("--boxes expects a whole number, got 'many'");
    assertThatThrownBy(() -> DemoOptions.parse("--incident-every", "5"))
        .hasMessageContaining("--incident-every expects a duration");
    assertThatThrownBy(() -> DemoOptions.parse("--box-keepalive", "200ms")).hasMessageContaining("--box-keepalive must be 1s..10m");
    assertThatThrownBy(() -> DemoOptions.parse("--boxes")).hasMessage("--boxes needs a value");
    assertThatThrownBy(() -> DemoOptions.parse("--colour", "red")).hasMessage("unknown option --colour");
    assertThatThrownBy(() -> DemoOptions.parse("now")).hasMessage("unexpected argument 'now'");
    assertThatThrownBy(() -> DemoOptions.parse("--help")).isInstanceOf(DemoOptions.HelpRequested.class);
  }
}
