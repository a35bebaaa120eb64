package org.safecity.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A latency histogram in microseconds with log-linear buckets (32 per power of two, so about 3 % error),
 * safe to record into from several event loops, small enough to ship in a JSON summary and mergeable
 * across processes (percentiles are not).
 */
public final class Histogram {

  private static final int LINEAR = 64;
  private static final int SUB_BITS = 5;
  private static final int SUB = 1 << SUB_BITS;
  /** Up to 2^40 µs (12 days): plenty. */
  private static final int MAX_EXP = 40;
  static final int BUCKETS = LINEAR + (MAX_EXP - 6 + 1) * SUB;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

  public void recordMicros(long micros) {
    counts.incrementAndGet(index(Math.max(0, micros)));
  }

  public void recordNanos(long nanos) {
    recordMicros(nanos / 1000);
  }

  static int index(long v) {
    if (v < LINEAR) {
      return (int) v;
    }
    int exp = 63 - Long.numberOfLeadingZeros(v);
    if (exp > MAX_EXP) {
      return BUCKETS - 1;
    }
    int sub = (int) (v >>> (exp - SUB_BITS)) & (SUB - 1);
    return LINEAR + (exp - 6) * SUB + sub;
  }

  /** The middle of bucket {@code i}, in microseconds. */
  static double value(int i) {
    if (i < LINEAR) {
      return i;
    }
    int exp = (i - LINEAR) / SUB + 6;
    int sub = (i - LINEAR) % SUB;
    double width = Math.pow(2, exp - SUB_BITS);
    return (SUB + sub) * width + width / 2;
  }

  public long count() {
    long n = 0;
    for (int i = 0; i < BUCKETS; i++) {
      n += counts.get(i);
    }
    return n;
  }

  /** The {@code p}-th percentile (0..100) in milliseconds; NaN when empty. */
  public double percentileMillis(double p) {
    long n = count();
    if (n == 0) {
      return Double.NaN;
    }
    long rank = Math.max(1, (long) Math.ceil(p / 100.0 * n));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return value(i) / 1000.0;
      }
    }
    return value(BUCKETS - 1) / 1000.0;
  }

  public double maxMillis() {
    for (int i = BUCKETS - 1; i >= 0; i--) {
      if (counts.get(i) > 0) {
        return value(i) / 1000.0;
      }
    }
    return Double.NaN;
  }

  public void add(Histogram other) {
    for (int i = 0; i < BUCKETS; i++) {
      long c = other.counts.get(i);
      if (c != 0) {
        counts.addAndGet(i, c);
      }
    }
  }

  /** Non-empty buckets as {@code [[index, count], ...]}. */
  public JsonArray toJson() {
    JsonArray a = new JsonArray();
    for (int i = 0; i < BUCKETS; i++) {
      long c = counts.get(i);
      if (c != 0) {
        a.add(new JsonArray().add(i).add(c));
      }
    }
    return a;
  }

  public static Histogram fromJson(JsonArray a) {
    Histogram h = new Histogram();
    if (a != null) {
      for (int k = 0; k < a.size(); k++) {
        JsonArray pair = a.getJsonArray(k);
        h.counts.addAndGet(pair.getInteger(0), pair.getLong(1));
      }
    }
    return h;
  }

  /** {@code {"count":..,"p50":..,"p90":..,"p99":..,"max":..}} in milliseconds. */
  public JsonObject summary() {
    return new JsonObject()
        .put("count", count())
        .put("p50", round3(percentileMillis(50)))
        .put("p90", round3(percentileMillis(90)))
        .put("p99", round3(percentileMillis(99)))
        .put("max", round3(maxMillis()));
  }

  static Double round3(double v) {
    return Double.isNaN(v) ? null : Math.round(v * 1000) / 1000.0;
  }
}
