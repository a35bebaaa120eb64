package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.safecity.gateway.core.Fixture.BOX_001;
import static org.safecity.gateway.core.Fixture.T0;
import static org.safecity.gateway.core.Fixture.fix;
import static org.safecity.gateway.core.Geofence.Verdict.INSIDE;
import static org.safecity.gateway.core.Geofence.Verdict.OUTSIDE;
import static org.safecity.gateway.core.Geofence.Verdict.UNDECIDED;

import org.junit.jupiter.api.Test;

/** BOX_001 has a 50 m geofence; the default policy assumes 10 m for a fix without accuracy and ignores > 100 m. */
class GeofenceTest {

  private final HealthPolicy policy = HealthPolicy.defaults();

  private Geofence.Verdict judge(double metersNorth, Double accuracy) {
    return Geofence.judge(BOX_001, fix(T0, metersNorth, accuracy), policy).verdict();
  }

  @Test
  void outsideOnlyWhenTheWholeAccuracyCircleIsOutside() {
    assertThat(judge(64, 15.0)).isEqualTo(UNDECIDED); // 64 - 15 = 49 m could still be inside
    assertThat(judge(64.9, 15.0)).isEqualTo(UNDECIDED);
    assertThat(judge(65.1, 15.0)).isEqualTo(OUTSIDE);
    assertThat(judge(51, 0.0)).isEqualTo(OUTSIDE);
  }

  @Test
  void insideWhenTheFixItselfIsWithinTheFence() {
    assertThat(judge(0, 5.0)).isEqualTo(INSIDE);
    assertThat(judge(50, 5.0)).isEqualTo(INSIDE);
    assertThat(judge(49, 80.0)).isEqualTo(INSIDE); // a wide circle does not stop a box from returning
    assertThat(judge(52, 5.0)).isEqualTo(UNDECIDED); // the hysteresis band
  }

  @Test
  void missingAccuracyUsesThePolicyDefault() {
    assertThat(judge(59, null)).isEqualTo(UNDECIDED);
    assertThat(judge(61, null)).isEqualTo(OUTSIDE);
    assertThat(Geofence.judge(BOX_001, fix(T0, 61, null), policy).accuracyMeters()).isEqualTo(10);
  }

  @Test
  void aFixWorseThanTheMaximumDecidesNothing() {
    assertThat(judge(5000, 150.0)).isEqualTo(UNDECIDED);
    assertThat(judge(0, 150.0)).isEqualTo(UNDECIDED);
    assertThat(judge(5000, 100.0)).isEqualTo(OUTSIDE);
  }

  @Test
  void reportsTheDistance() {
    assertThat(Geofence.judge(BOX_001, fix(T0, 123, 1.0), policy).distanceMeters()).isCloseTo(123, within(0.01));
  }
}
