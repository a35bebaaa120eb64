package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EnforcementTest {
  @Test
  void aWindowIncludesItsStartAndExcludesItsEnd() {
    Enforcement e = new Enforcement("red-light", Optional.of(Enforcement.Window.parse("07:00-22:00")));
    assertThat(e.activeAt(LocalTime.of(6, 59, 59))).isFalse();
    assertThat(e.activeAt(LocalTime.of(7, 0))).isTrue();
    assertThat(e.activeAt(LocalTime.of(21, 59, 59))).isTrue();
    assertThat(e.activeAt(LocalTime.of(22, 0))).isFalse();
  }

  @Test
  void aWindowMayRunPastMidnight() {
    Enforcement e = new Enforcement("no-parking", Optional.of(Enforcement.Window.parse("22:00 - 06:00")));
    assertThat(e.activeAt(LocalTime.of(23, 0))).isTrue();
    assertThat(e.activeAt(LocalTime.of(0, 0))).isTrue();
    assertThat(e.activeAt(LocalTime.of(5, 59))).isTrue();
    assertThat(e.activeAt(LocalTime.of(6, 0))).isFalse();
    assertThat(e.activeAt(LocalTime.of(12, 0))).isFalse();
  }

  @Test
  void withoutAWindowItAlwaysApplies() {
    Enforcement e = new Enforcement("no-entry", Optional.empty());
    assertThat(e.activeAt(LocalTime.MIDNIGHT)).isTrue();
    assertThat(e.activeAt(LocalTime.NOON)).isTrue();
  }

  @Test
  void wireFormRoundTrips() {
    for (String w : new String[] {"no-entry", "red-light@07:00-22:00", "bus-lane@22:30-06:15"}) {
      assertThat(Enforcement.fromWire(w).wire()).isEqualTo(w);
    }
    assertThat(Sampling.fromWire(Sampling.fps(3).wire())).isEqualTo(Sampling.fps(3));
    assertThat(Sampling.fromWire("keyframes")).isEqualTo(Sampling.KEYFRAMES);
    assertThat(Sampling.fromWire("off")).isEqualTo(Sampling.OFF);
  }

  @Test
  void badRulesAndWindowsAreRefused() {
    assertThatThrownBy(() -> new Enforcement("speeding", Optional.empty()))
        .hasMessage("unknown rule \"speeding\"; expected one of red-light, no-entry, wrong-way, bus-lane, no-parking");
    assertThatThrownBy(() -> Enforcement.Window.parse("7:00-22:00")).hasMessageContaining("expected a window HH:MM-HH:MM");
    assertThatThrownBy(() -> Enforcement.Window.parse("25:00-22:00")).hasMessageContaining("hours 00..23");
    assertThatThrownBy(() -> Sampling.fps(0)).hasMessage("fps must be 1..60, got 0");
  }
}
