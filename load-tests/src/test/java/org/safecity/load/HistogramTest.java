package org.safecity.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HistogramTest {

  @Test
  void percentilesWithinThreePercentAndMergeable() {
    Histogram a = new Histogram();
    Histogram b = new Histogram();
    for (int i = 1; i <= 10_000; i++) {
      (i % 2 == 0 ? a : b).recordMicros(i * 100L);
    }
    Histogram merged = Histogram.fromJson(a.toJson());
    merged.add(Histogram.fromJson(b.toJson()));
    assertEquals(10_000, merged.count());
    assertEquals(500.0, merged.percentileMillis(50), 500.0 * 0.03);
    assertEquals(990.0, merged.percentileMillis(99), 990.0 * 0.03);
    assertEquals(1000.0, merged.maxMillis(), 1000.0 * 0.03);
    assertTrue(Double.isNaN(new Histogram().percentileMillis(50)));
    for (long v : new long[] {0, 1, 63, 64, 65, 1000, 123_456_789L}) {
      double back = Histogram.value(Histogram.index(v));
      assertTrue(Math.abs(back - v) <= Math.max(1, v * 0.03), v + " -> " + back);
    }
  }

  @Test
  void nearestRankPercentilesOfTheAlarmProbes() {
    List<Long> ms = List.of(30L, 10L, 20L, 40L, 1000L);
    assertEquals(30L, MqttBenchmark.pctl(ms).getLong("p50"));
    assertEquals(1000L, MqttBenchmark.pctl(ms).getLong("p99"));
    assertEquals(2.5, MqttBenchmark.median(List.of(4.0, 1.0, 2.0, 3.0)));
    assertEquals(31_457_280L, Broker.heapFromPrometheus(String.join("\n",
        "# HELP jvm_memory_used_bytes The amount of used memory",
        "jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"} 1.048576E7",
        "jvm_memory_used_bytes{area=\"nonheap\",id=\"Metaspace\"} 9.9E7",
        "jvm_memory_used_bytes{area=\"heap\",id=\"G1 Old Gen\"} 2.097152E7")));
  }
}
