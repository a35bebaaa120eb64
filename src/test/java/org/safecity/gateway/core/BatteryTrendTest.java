package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BatteryTrendTest {

  private static final Duration WINDOW = Duration.ofMinutes(10);
  private static final Duration MIN_SPAN = Duration.ofSeconds(60);

  @Test
  void linearDischargeGivesItsExactSlope() {
    BatteryTrend trend = new BatteryTrend();
    // 1 % per minute from 80 %, a reading every 10 s for 3 minutes.
    for (int s = 0; s <= 180; s += 10) {
      trend.add(Fixture.at(s), 80 - s / 60.0, WINDOW);
    }
    BatteryTrend.Fit fit = trend.fit(MIN_SPAN);
    assertThat(fit.percentPerSecond()).isCloseTo(-1 / 60.0, within(1e-12));
    assertThat(fit.percentAtNewest()).isCloseTo(77, within(1e-9));
    assertThat(fit.samples()).isEqualTo(19);
    assertThat(fit.discharging()).isTrue();
  }

  @Test
  void wholePercentReadingsStillGiveTheTrueRate() {
    BatteryTrend trend = new BatteryTrend();
    // True curve 0.5 %/min, reported rounded to whole percents, every 15 s over 10 minutes.
    for (int s = 0; s <= 600; s += 15) {
      trend.add(Fixture.at(s), Math.round(90 - s / 120.0), WINDOW);
    }
    BatteryTrend.Fit fit = trend.fit(MIN_SPAN);
    assertThat(fit.percentPerSecond() * 3600).isCloseTo(-30, within(1.5));
    assertThat(fit.percentAtNewest()).isCloseTo(85, within(0.6));
  }

  @Test
  void needsTwoReadingsSpanningTheMinimum() {
    BatteryTrend trend = new BatteryTrend();
    trend.add(Fixture.at(0), 50, WINDOW);
    assertThat(trend.fit(MIN_SPAN)).isNull();
    trend.add(Fixture.at(59), 49, WINDOW);
    assertThat(trend.fit(MIN_SPAN)).isNull();
    trend.add(Fixture.at(60), 49, WINDOW);
    assertThat(trend.fit(MIN_SPAN)).isNotNull();
  }

  @Test
  void refusesReadingsThatAreNotNewer() {
    BatteryTrend trend = new BatteryTrend();
    assertThat(trend.add(Fixture.at(10), 50, WINDOW)).isTrue();
    assertThat(trend.add(Fixture.at(10), 10, WINDOW)).isFalse();
    assertThat(trend.add(Fixture.at(5), 10, WINDOW)).isFalse();
  }

  @Test
  void oldReadingsLeaveTheWindow() {
    BatteryTrend trend = new BatteryTrend();
    // A flat hour then a steep drop: with a 10 min window only the drop counts.
    for (int s = 0; s <= 3600; s += 60) {
      trend.add(Fixture.at(s), 90, WINDOW);
    }
    for (int s = 3660; s <= 4200; s += 60) {
      trend.add(Fixture.at(s), 90 - (s - 3600) / 60.0 * 2, WINDOW);
    }
    BatteryTrend.Fit fit = trend.fit(MIN_SPAN);
    assertThat(fit.samples()).isEqualTo(11);
    assertThat(fit.percentPerSecond() * 60).isLessThan(-1.5);
  }

  @Test
  void memoryIsBoundedAgainstFloods() {
    BatteryTrend trend = new BatteryTrend();
    Instant start = Fixture.T0;
    for (int i = 0; i < 10_000; i++) {
      trend.add(start.plusMillis(i), 50, WINDOW);
    }
    assertThat(trend.fit(Duration.ofMillis(1)).samples()).isEqualTo(BatteryTrend.MAX_READINGS);
  }

  @Test
  void chargingIsNotDischarging() {
    BatteryTrend trend = new BatteryTrend();
    trend.add(Fixture.at(0), 50, WINDOW);
    trend.add(Fixture.at(120), 52, WINDOW);
    assertThat(trend.fit(MIN_SPAN).discharging()).isFalse();
  }
}
