package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class GeoPointTest {

  @Test
  void oneDegreeOfLatitudeIsPiOver180TimesTheRadius() {
    double expected = Math.PI / 180 * 6_371_008.8; // 111_195.08 m
    assertThat(new GeoPoint(10, 20).metersTo(new GeoPoint(11, 20))).isCloseTo(expected, within(0.01));
  }

  @Test
  void longitudeShrinksWithTheCosineOfLatitude() {
    double atEquator = new GeoPoint(0, 0).metersTo(new GeoPoint(0, 1));
    double at60 = new GeoPoint(60, 0).metersTo(new GeoPoint(60, 1));
    assertThat(at60).isCloseTo(atEquator / 2, within(atEquator * 0.001));
  }

  @Test
  void knownCityPairAndSymmetry() {
    GeoPoint bengaluru = new GeoPoint(12.9716, 77.5946);
    GeoPoint chennai = new GeoPoint(13.0827, 80.2707);
    // Reference great-circle distance on the mean-radius sphere: about 290.2 km.
    assertThat(bengaluru.metersTo(chennai)).isCloseTo(290_200, within(500.0));
    assertThat(chennai.metersTo(bengaluru)).isEqualTo(bengaluru.metersTo(chennai));
    assertThat(bengaluru.metersTo(bengaluru)).isZero();
  }

  @Test
  void shortDistancesAreMetreAccurate() {
    GeoPoint p = new GeoPoint(12.9716, 77.5946);
    assertThat(p.metersTo(Fixture.north(p, 25))).isCloseTo(25, within(0.001));
  }

  @Test
  void antipodesDoNotOverflowAsin() {
    assertThat(new GeoPoint(0, 0).metersTo(new GeoPoint(0, 180)))
        .isCloseTo(Math.PI * GeoPoint.EARTH_RADIUS_METERS, within(0.01));
  }

  @Test
  void rejectsOutOfRangeAndNonFinite() {
    assertThatThrownBy(() -> new GeoPoint(90.0001, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new GeoPoint(-91, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new GeoPoint(0, 180.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new GeoPoint(Double.NaN, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new GeoPoint(0, Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
    assertThat(new GeoPoint(-90, -180)).isNotNull();
    assertThat(new GeoPoint(90, 180)).isNotNull();
  }
}
