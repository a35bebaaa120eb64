package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Validation and copying in the records other modules build from wire data. */
class ValueTypesTest {

  private static final Instant T = Fixture.T0;

  @Test
  void boxValidatesAndCopiesItsCameraList() {
    List<String> cams = new ArrayList<>(List.of("c1"));
    Box box = new Box("b", "r", Fixture.HOME, 10, cams);
    cams.add("c2");
    assertThat(box.cameraIds()).containsExactly("c1");
    assertThatThrownBy(() -> box.cameraIds().add("x")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> new Box(" ", "r", Fixture.HOME, 10, List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Box("b", "", Fixture.HOME, 10, List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Box("b", "r", Fixture.HOME, 0, List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Box("b", "r", Fixture.HOME, Double.NaN, List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Box("b", "r", Fixture.HOME, 10, List.of("c", "c"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Box("b", "r", null, 10, List.of())).isInstanceOf(NullPointerException.class);
  }

  @Test
  void telemetryRejectsImpossibleReadings() {
    assertThat(new Telemetry(T, true, 0, null, null, false, false).batteryVolts()).isNull();
    assertThatThrownBy(() -> new Telemetry(T, true, 100.1, null, null, false, false)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Telemetry(T, true, -1, null, null, false, false)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Telemetry(T, true, Double.NaN, null, null, false, false)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Telemetry(T, true, 50, Double.NaN, null, false, false)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Telemetry(T, true, 50, null, Double.POSITIVE_INFINITY, false, false)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Telemetry(null, true, 50, null, null, false, false)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void gpsFixAndDeviceEventValidate() {
    assertThatThrownBy(() -> new GpsFix(T, Fixture.HOME, -1.0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new GpsFix(T, null, 1.0)).isInstanceOf(NullPointerException.class);
    assertThat(new GpsFix(T, Fixture.HOME, null).accuracyMeters()).isNull();
    assertThatThrownBy(() -> new DeviceEvent(T, null, "x")).isInstanceOf(NullPointerException.class);
    assertThat(new DeviceEvent(T, DeviceEvent.REBOOT, null).detail()).isNull();
  }

  @Test
  void detailsAcceptJsonValuesKeepOrderAndAreImmutable() {
    Map<String, Object> in = new LinkedHashMap<>();
    in.put("s", "x");
    in.put("i", 1);
    in.put("l", 2L);
    in.put("d", 1.5);
    in.put("b", true);
    in.put("list", List.of(1, "two", Map.of("k", false)));
    in.put("map", Map.of("n", 3));
    HealthEvent e = new HealthEvent("b", "r", HealthEvent.BOX_ONLINE, T, in);
    in.put("later", "ignored");
    assertThat(e.details()).containsOnlyKeys("s", "i", "l", "d", "b", "list", "map");
    assertThat(List.copyOf(e.details().keySet())).containsExactly("s", "i", "l", "d", "b", "list", "map");
    assertThatThrownBy(() -> e.details().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    assertThat(new HealthEvent("b", "r", "k", T, null).details()).isEmpty();
  }

  @Test
  void detailsRejectWhatJsonCannotCarry() {
    assertThatThrownBy(() -> new HealthEvent("b", "r", "k", T, Map.of("t", T)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("t");
    assertThatThrownBy(() -> new HealthEvent("b", "r", "k", T, Map.of("nan", Double.NaN)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AlarmRaised("k", "kind", Severity.MAJOR, "b", "r", T, "s",
        Map.of("deep", List.of(new Object())))).isInstanceOf(IllegalArgumentException.class);
    Map<String, Object> nullValue = new LinkedHashMap<>();
    nullValue.put("n", null);
    assertThatThrownBy(() -> new HealthEvent("b", "r", "k", T, nullValue)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void policyDefaultsAreTheDocumentedOnes() {
    HealthPolicy p = HealthPolicy.defaults();
    assertThat(p.boxSilentAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.theftWindow()).isEqualTo(Duration.ofMinutes(10));
    assertThat(p.batteryCriticalBelow()).isEqualTo(Duration.ofMinutes(30));
    assertThat(p.batteryLowPercent()).isEqualTo(20);
    assertThat(p.cameraQuorum()).isEqualTo(0.5);
    assertThat(p.cameraDownGrace()).isGreaterThanOrEqualTo(p.boxSilentAfter());
    assertThat(p.alarmOnCleanDisconnect()).isFalse();
    assertThat(p.toBuilder().build()).isEqualTo(p);
  }

  @Test
  void policyQuorumIsAtLeastHalfRoundedUp() {
    HealthPolicy p = HealthPolicy.defaults();
    assertThat(p.camerasNeeded(1)).isEqualTo(1);
    assertThat(p.camerasNeeded(2)).isEqualTo(1);
    assertThat(p.camerasNeeded(3)).isEqualTo(2);
    assertThat(p.camerasNeeded(4)).isEqualTo(2);
    HealthPolicy all = p.toBuilder().cameraQuorum(1).build();
    assertThat(all.camerasNeeded(4)).isEqualTo(4);
    assertThat(p.toBuilder().cameraQuorum(0.75).build().camerasNeeded(4)).isEqualTo(3);
  }

  @Test
  void policyRejectsNonsense() {
    assertThatThrownBy(() -> HealthPolicy.builder().boxSilentAfter(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HealthPolicy.builder().cameraQuorum(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HealthPolicy.builder().batteryLowPercent(101).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HealthPolicy.builder().batteryMinSpan(Duration.ofHours(1)).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HealthPolicy.builder().cameraDownGrace(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void disconnectCauseLabels() {
    assertThat(DisconnectCause.KEEPALIVE_EXPIRED.label()).isEqualTo("keepalive-expired");
    assertThat(DisconnectCause.CLEAN.label()).isEqualTo("clean");
  }
}
