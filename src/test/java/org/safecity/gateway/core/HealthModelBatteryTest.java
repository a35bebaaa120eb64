package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.safecity.gateway.core.Fixture.BOX;
import static org.safecity.gateway.core.Fixture.at;
import static org.safecity.gateway.core.Fixture.device;
import static org.safecity.gateway.core.Fixture.telemetry;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The battery estimate on synthetic discharge curves. Default policy: 10 min window, 60 s minimum
 * span, critical below 30 min, low at 20 %, log a new estimate after max(5 min, 10 %) of change.
 */
class HealthModelBatteryTest {

  private final HealthModel model = Fixture.online();

  /** Feeds a reading every 10 s from {@code from} to {@code to} seconds on the line {@code start - rate*t}. */
  private List<Outcome> discharge(int from, int to, double start, double percentPerMinute) {
    List<Outcome> out = new ArrayList<>();
    for (int s = from; s <= to; s += 10) {
      out.addAll(model.telemetry(BOX, telemetry(at(s), false, start - percentPerMinute * s / 60.0, false, false), at(s))
          .all());
    }
    return out;
  }

  private static List<HealthEvent> estimates(List<Outcome> out) {
    return new Outcomes(out).events().stream().filter(e -> e.kind().equals(HealthEvent.BOX_BATTERY_ESTIMATE)).toList();
  }

  @Test
  void noEstimateBeforeTheMinimumSpan() {
    assertThat(estimates(discharge(0, 50, 80, 1))).isEmpty();
    assertThat(model.snapshot(BOX).orElseThrow().battery()).isNull();
  }

  @Test
  void linearDischargeGivesTheExactTimeLeft() {
    // 80 % falling 1 %/min: at 60 s the box reads 79 %, so 79 minutes are left.
    List<HealthEvent> first = estimates(discharge(0, 60, 80, 1));
    assertThat(first).singleElement().satisfies(e -> {
      assertThat(e.at()).isEqualTo(at(60));
      assertThat(e.details()).containsEntry("minutesLeft", 79.0)
          .containsEntry("percentPerHour", 60.0)
          .containsEntry("batteryPercent", 79.0)
          .containsEntry("samples", 7)
          .containsEntry("emptyAt", at(60 + 79 * 60).toString());
    });
    BatteryEstimate b = model.snapshot(BOX).orElseThrow().battery();
    assertThat(b.minutesLeft()).isCloseTo(79, within(1e-6));
    assertThat(b.minutesLeftAt(at(60 + 19 * 60))).isCloseTo(60, within(1e-6));
  }

  @Test
  void estimatesAreLoggedOnlyOnMeaningfulChange() {
    // Readings every 10 s for 30 min: the estimate falls by 10 s each reading, but is logged only
    // when it moved at least max(5 min, 10 %) from the last logged value.
    List<HealthEvent> logged = estimates(discharge(0, 1800, 100, 1));
    List<Double> minutes = logged.stream().map(e -> (Double) e.details().get("minutesLeft")).toList();
    assertThat(minutes).startsWith(99.0).isSortedAccordingTo((a, b) -> Double.compare(b, a));
    for (int i = 1; i < minutes.size(); i++) {
      double step = Math.max(5, 0.1 * minutes.get(i - 1));
      assertThat(minutes.get(i - 1) - minutes.get(i)).isGreaterThanOrEqualTo(step - 0.1);
    }
    assertThat(logged.size()).isBetween(3, 6);
  }

  @Test
  void theEstimateRunsDownOnTicksAndTurnsCriticalBelowTheThreshold() {
    // 50 % at 1 %/min -> 40 min left at 10 min; then the box goes quiet (but stays connected).
    discharge(0, 600, 50, 1);
    assertThat(model.snapshot(BOX).orElseThrow().battery().minutesLeft()).isCloseTo(40, within(1e-6));

    // Exactly 30 min left is not "below" 30 min.
    Outcomes atThreshold = model.tick(at(600 + 10 * 60));
    assertThat(atThreshold.raised()).extracting(AlarmRaised::kind).doesNotContain(AlarmKinds.BATTERY_CRITICAL);

    Outcomes below = model.tick(at(600 + 10 * 60 + 1));
    assertThat(below.raised()).extracting(AlarmRaised::kind).contains(AlarmKinds.BATTERY_CRITICAL);
    AlarmRaised critical = below.raised().stream()
        .filter(a -> a.kind().equals(AlarmKinds.BATTERY_CRITICAL)).findFirst().orElseThrow();
    assertThat(critical.key()).isEqualTo("battery:" + BOX);
    assertThat(critical.severity()).isEqualTo(Severity.MAJOR);
    assertThat(critical.details()).containsEntry("trigger", "estimate");
    assertThat((Double) critical.details().get("minutesLeft")).isCloseTo(30, within(0.05));

    assertThat(model.tick(at(1300)).raised()).extracting(AlarmRaised::kind)
        .doesNotContain(AlarmKinds.BATTERY_CRITICAL);
  }

  @Test
  void mainsRestoredClearsBatteryAlarmsAndTheEstimate() {
    discharge(0, 600, 35, 1);
    assertThat(model.snapshot(BOX).orElseThrow().activeAlarms()).containsKeys("power:" + BOX, "battery:" + BOX);

    Outcomes back = model.event(BOX, device(at(610), DeviceEvent.MAINS_RESTORED), at(610));
    assertThat(back.cleared()).extracting(AlarmCleared::key).containsExactly("power:" + BOX, "battery:" + BOX);
    assertThat(back.cleared()).extracting(AlarmCleared::reason).containsOnly("mains restored");
    assertThat(model.snapshot(BOX).orElseThrow().battery()).isNull();
    assertThat(model.tick(at(5000)).raised()).extracting(AlarmRaised::kind)
        .doesNotContain(AlarmKinds.ON_BATTERY, AlarmKinds.BATTERY_CRITICAL);
  }

  @Test
  void lowPercentIsCriticalBeforeAnyTrendExists() {
    Outcomes out = model.telemetry(BOX, telemetry(at(1), false, 20, false, false), at(1));
    assertThat(out.raised()).extracting(AlarmRaised::kind)
        .containsExactly(AlarmKinds.ON_BATTERY, AlarmKinds.BATTERY_CRITICAL);
    assertThat(out.raised().get(1).details()).containsEntry("trigger", "percent").containsEntry("batteryPercent", 20.0);
  }

  @Test
  void aDeviceBatteryLowEventIsLoggedAndCriticalOnlyOnBattery() {
    Outcomes onMains = model.event(BOX, device(at(1), DeviceEvent.BATTERY_LOW), at(1));
    assertThat(onMains.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_BATTERY_LOW);
    assertThat(onMains.raised()).isEmpty();

    model.event(BOX, device(at(2), DeviceEvent.MAINS_LOST), at(2));
    Outcomes onBattery = model.event(BOX, device(at(3), DeviceEvent.BATTERY_LOW), at(3));
    assertThat(onBattery.raised()).singleElement().satisfies(a -> assertThat(a.details()).containsEntry("trigger", "device"));
  }

  @Test
  void aChargingOrFlatBatteryHasNoEstimate() {
    for (int s = 0; s <= 300; s += 10) {
      model.telemetry(BOX, telemetry(at(s), false, 60 + s / 100.0, false, false), at(s));
    }
    assertThat(model.snapshot(BOX).orElseThrow().battery()).isNull();
  }

  @Test
  void readingsWithAnUntrustedClockDoNotBendTheTrend() {
    discharge(0, 120, 80, 1);
    double before = model.snapshot(BOX).orElseThrow().battery().percentPerHour();
    // A reading stamped a day in the future would flatten the slope to nearly nothing.
    model.telemetry(BOX, telemetry(at(86_400), false, 78, false, false), at(130));
    assertThat(model.snapshot(BOX).orElseThrow().battery().percentPerHour()).isEqualTo(before);
  }
}
