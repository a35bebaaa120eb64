package org.safecity.gateway.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** Shared test data: one box with four cameras, a fixed clock, helpers for time and geometry. */
final class Fixture {

  static final Instant T0 = Instant.parse("2025-03-01T08:00:00Z");
  static final GeoPoint HOME = new GeoPoint(12.9716, 77.5946);
  static final String BOX = "box-001";
  static final String REGION = "north";
  static final List<String> CAMERAS = List.of("cam-1", "cam-2", "cam-3", "cam-4");
  static final Box BOX_001 = new Box(BOX, REGION, HOME, 50, CAMERAS);

  private Fixture() {
  }

  static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  static Instant atMs(long millis) {
    return T0.plusMillis(millis);
  }

  static HealthModel model() {
    return model(HealthPolicy.defaults());
  }

  /** A model with BOX_001 registered at T0. */
  static HealthModel model(HealthPolicy policy) {
    HealthModel model = new HealthModel(policy, Clock.fixed(T0, ZoneOffset.UTC));
    model.register(BOX_001);
    return model;
  }

  /** A model with BOX_001 registered and connected at T0. */
  static HealthModel online(HealthPolicy policy) {
    HealthModel model = model(policy);
    model.connected(BOX, T0);
    return model;
  }

  static HealthModel online() {
    return online(HealthPolicy.defaults());
  }

  static Telemetry telemetry(Instant at, boolean mains, double percent, boolean door, boolean tamper) {
    return new Telemetry(at, mains, percent, 12.6, 31.0, door, tamper);
  }

  /** Normal telemetry: mains on, full battery, door shut, no tamper. */
  static Telemetry normal(Instant at) {
    return telemetry(at, true, 100, false, false);
  }

  static DeviceEvent device(Instant at, String type) {
    return new DeviceEvent(at, type, null);
  }

  /** A point {@code meters} due north of {@code from}. */
  static GeoPoint north(GeoPoint from, double meters) {
    return new GeoPoint(from.lat() + Math.toDegrees(meters / GeoPoint.EARTH_RADIUS_METERS), from.lon());
  }

  static GpsFix fix(Instant at, double metersNorth, Double accuracy) {
    return new GpsFix(at, north(HOME, metersNorth), accuracy);
  }

  static Duration seconds(long s) {
    return Duration.ofSeconds(s);
  }
}
