package org.safecity.gateway.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * A sliding window of battery readings and the least-squares line through them. A fit of the whole
 * window, rather than first/last reading, keeps one coarse or noisy reading (many boxes report whole
 * percents) from swinging the estimate.
 */
final class BatteryTrend {

  /** Bounds memory against a box that floods telemetry; far more readings than a useful window needs. */
  static final int MAX_READINGS = 512;

  /**
   * A fitted discharge line.
   *
   * @param percentPerSecond slope, negative while discharging
   * @param percentAtNewest  the line's value at the newest reading, clamped to 0..100
   * @param samples          readings fitted
   */
  record Fit(double percentPerSecond, double percentAtNewest, int samples) {

    boolean discharging() {
      return percentPerSecond < 0;
    }
  }

  private record Reading(Instant at, double percent) {
  }

  private final ArrayDeque<Reading> readings = new ArrayDeque<>();

  void clear() {
    readings.clear();
  }

  /**
   * Adds a reading taken at device time {@code at}; one not newer than the newest is refused
   * (a redelivered or reordered message must not bend the line).
   */
  boolean add(Instant at, double percent, Duration window) {
    if (!readings.isEmpty() && !at.isAfter(readings.peekLast().at())) {
      return false;
    }
    readings.addLast(new Reading(at, percent));
    Instant oldest = at.minus(window);
    while (readings.peekFirst().at().isBefore(oldest) || readings.size() > MAX_READINGS) {
      readings.removeFirst();
    }
    return true;
  }

  /** The line through the window, or {@code null} until two readings span at least {@code minSpan}. */
  Fit fit(Duration minSpan) {
    if (readings.size() < 2) {
      return null;
    }
    Instant first = readings.peekFirst().at();
    Instant newest = readings.peekLast().at();
    if (Duration.between(first, newest).compareTo(minSpan) < 0) {
      return null;
    }
    int n = readings.size();
    double meanX = 0;
    double meanY = 0;
    for (Reading r : readings) {
      meanX += seconds(first, r.at());
      meanY += r.percent();
    }
    meanX /= n;
    meanY /= n;
    double sxx = 0;
    double sxy = 0;
    for (Reading r : readings) {
      double dx = seconds(first, r.at()) - meanX;
      sxx += dx * dx;
      sxy += dx * (r.percent() - meanY);
    }
    double slope = sxy / sxx;
    double atNewest = meanY + slope * (seconds(first, newest) - meanX);
    return new Fit(slope, Math.max(0, Math.min(100, atNewest)), n);
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1e9;
  }
}
