package org.safecity.gateway.core;

import java.time.Duration;
import java.util.Objects;

/**
 * The thresholds of the box health model. Each one bounds a detection time or a correlation, so each
 * is configuration (the config layer maps gateway.yaml onto this record) and each is tested.
 *
 * @param boxSilentAfter           no message for this long makes a connected box SILENT; with a tick every
 *                                 second the detection bound is this plus one second
 * @param theftWindow              door opened, then moved, then offline, all within this: theft suspected
 * @param batteryCriticalBelow     estimated time left below this raises battery-critical
 * @param batteryLowPercent        on battery at or below this charge raises battery-critical too, for the
 *                                 minutes before a trend exists
 * @param batteryWindow            readings older than this (behind the newest) leave the battery trend
 * @param batteryMinSpan           the trend needs two readings at least this far apart before it estimates
 * @param batteryEstimateStep      a new estimate is logged once it moved this much from the last logged one...
 * @param batteryEstimateStepRatio ...or this fraction of it, whichever is larger (fewer events for long runtimes)
 * @param alarmOnCleanDisconnect   whether a clean (operator-known) disconnect still raises a WARNING box-offline
 * @param cameraQuorum             fraction of a box's cameras that must be down, with its link lost, to make
 *                                 one power-or-link-lost alarm; 0.5 means "at least half"
 * @param cameraDownGrace          a camera-down alarm waits this long for its box to turn out to be the cause;
 *                                 keep it at least {@code boxSilentAfter} so a box's silence is seen first
 * @param gpsDefaultAccuracyMeters accuracy assumed for a fix that does not state one
 * @param gpsMaxAccuracyMeters     fixes worse than this neither move nor return a box
 * @param maxClockSkew             a device time further than this from the gateway clock is not trusted
 */
public record HealthPolicy(Duration boxSilentAfter, Duration theftWindow, Duration batteryCriticalBelow,
                           double batteryLowPercent, Duration batteryWindow, Duration batteryMinSpan,
                           Duration batteryEstimateStep, double batteryEstimateStepRatio,
                           boolean alarmOnCleanDisconnect, double cameraQuorum, Duration cameraDownGrace,
                           double gpsDefaultAccuracyMeters, double gpsMaxAccuracyMeters,
                           Duration maxClockSkew) {

  public HealthPolicy {
    positive(boxSilentAfter, "boxSilentAfter");
    positive(theftWindow, "theftWindow");
    positive(batteryCriticalBelow, "batteryCriticalBelow");
    positive(batteryWindow, "batteryWindow");
    positive(batteryMinSpan, "batteryMinSpan");
    positive(batteryEstimateStep, "batteryEstimateStep");
    positive(maxClockSkew, "maxClockSkew");
    Objects.requireNonNull(cameraDownGrace, "cameraDownGrace");
    if (cameraDownGrace.isNegative()) {
      throw new IllegalArgumentException("cameraDownGrace must be >= 0");
    }
    if (batteryMinSpan.compareTo(batteryWindow) > 0) {
      throw new IllegalArgumentException("batteryMinSpan must fit in batteryWindow");
    }
    range(batteryLowPercent, 0, 100, "batteryLowPercent");
    range(batteryEstimateStepRatio, 0, 1, "batteryEstimateStepRatio");
    if (!(cameraQuorum > 0 && cameraQuorum <= 1)) {
      throw new IllegalArgumentException("cameraQuorum must be in (0, 1]: " + cameraQuorum);
    }
    range(gpsDefaultAccuracyMeters, 0, Double.MAX_VALUE, "gpsDefaultAccuracyMeters");
    range(gpsMaxAccuracyMeters, 0, Double.MAX_VALUE, "gpsMaxAccuracyMeters");
  }

  public static HealthPolicy defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.boxSilentAfter = boxSilentAfter;
    b.theftWindow = theftWindow;
    b.batteryCriticalBelow = batteryCriticalBelow;
    b.batteryLowPercent = batteryLowPercent;
    b.batteryWindow = batteryWindow;
    b.batteryMinSpan = batteryMinSpan;
    b.batteryEstimateStep = batteryEstimateStep;
    b.batteryEstimateStepRatio = batteryEstimateStepRatio;
    b.alarmOnCleanDisconnect = alarmOnCleanDisconnect;
    b.cameraQuorum = cameraQuorum;
    b.cameraDownGrace = cameraDownGrace;
    b.gpsDefaultAccuracyMeters = gpsDefaultAccuracyMeters;
    b.gpsMaxAccuracyMeters = gpsMaxAccuracyMeters;
    b.maxClockSkew = maxClockSkew;
    return b;
  }

  /** How many of {@code cameras} must be down for the quorum; at least one. */
  int camerasNeeded(int cameras) {
    // The epsilon keeps an exact product such as 4 * 0.75 from rounding up past 3.
    return Math.max(1, (int) Math.ceil(cameras * cameraQuorum - 1e-9));
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be > 0: " + d);
    }
  }

  private static void range(double v, double min, double max, String name) {
    if (!Double.isFinite(v) || v < min || v > max) {
      throw new IllegalArgumentException(name + " out of range: " + v);
    }
  }

  /** Defaults as documented on the record; set only what differs. */
  public static final class Builder {
    private Duration boxSilentAfter = Duration.ofSeconds(30);
    private Duration theftWindow = Duration.ofMinutes(10);
    private Duration batteryCriticalBelow = Duration.ofMinutes(30);
    private double batteryLowPercent = 20;
    private Duration batteryWindow = Duration.ofMinutes(10);
    private Duration batteryMinSpan = Duration.ofSeconds(60);
    private Duration batteryEstimateStep = Duration.ofMinutes(5);
    private double batteryEstimateStepRatio = 0.10;
    private boolean alarmOnCleanDisconnect = false;
    private double cameraQuorum = 0.5;
    private Duration cameraDownGrace = Duration.ofSeconds(30);
    private double gpsDefaultAccuracyMeters = 10;
    private double gpsMaxAccuracyMeters = 100;
    private Duration maxClockSkew = Duration.ofMinutes(10);

    private Builder() {
    }

    public Builder boxSilentAfter(Duration v) { boxSilentAfter = v; return this; }
    public Builder theftWindow(Duration v) { theftWindow = v; return this; }
    public Builder batteryCriticalBelow(Duration v) { batteryCriticalBelow = v; return this; }
    public Builder batteryLowPercent(double v) { batteryLowPercent = v; return this; }
    public Builder batteryWindow(Duration v) { batteryWindow = v; return this; }
    public Builder batteryMinSpan(Duration v) { batteryMinSpan = v; return this; }
    public Builder batteryEstimateStep(Duration v) { batteryEstimateStep = v; return this; }
    public Builder batteryEstimateStepRatio(double v) { batteryEstimateStepRatio = v; return this; }
    public Builder alarmOnCleanDisconnect(boolean v) { alarmOnCleanDisconnect = v; return this; }
    public Builder cameraQuorum(double v) { cameraQuorum = v; return this; }
    public Builder cameraDownGrace(Duration v) { cameraDownGrace = v; return this; }
    public Builder gpsDefaultAccuracyMeters(double v) { gpsDefaultAccuracyMeters = v; return this; }
    public Builder gpsMaxAccuracyMeters(double v) { gpsMaxAccuracyMeters = v; return this; }
    public Builder maxClockSkew(Duration v) { maxClockSkew = v; return this; }

    public HealthPolicy build() {
      return new HealthPolicy(boxSilentAfter, theftWindow, batteryCriticalBelow, batteryLowPercent,
          batteryWindow, batteryMinSpan, batteryEstimateStep, batteryEstimateStepRatio, alarmOnCleanDisconnect,
          cameraQuorum, cameraDownGrace, gpsDefaultAccuracyMeters, gpsMaxAccuracyMeters, maxClockSkew);
    }
  }
}
