package org.safecity.load.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RtspBenchmarkTest {

  @Test
  void perCameraCountersFromPrometheusText() {
    String text = String.join("\n",
        "# HELP gateway_camera_packets_total RTP packets received",
        "# TYPE gateway_camera_packets_total counter",
        "gateway_camera_packets_total{camera=\"cam-0001\"} 1.2345E4",
        "gateway_camera_packets_total{camera=\"cam-0002\"} 17.0",
        "gateway_camera_packets_lost{camera=\"cam-0002\"} 3.0",
        "gateway_camera_frames_discarded_total{camera=\"cam-0002\"} 1.0",
        "gateway_camera_bytes_total{camera=\"cam-0001\"} 999.0",
        "jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"} 1.048576E7",
        "jvm_memory_used_bytes{area=\"heap\",id=\"G1 Old Gen\"} 2.097152E7",
        "jvm_memory_used_bytes{area=\"nonheap\",id=\"Metaspace\"} 9.9E7");
    Map<String, RtspTarget.CameraCounters> c = RtspTarget.Prometheus.cameras(text);
    assertEquals(new RtspTarget.CameraCounters(12_345, 0, 0), c.get("cam-0001"));
    assertEquals(new RtspTarget.CameraCounters(17, 3, 1), c.get("cam-0002"));
    assertEquals(31_457_280L, RtspTarget.Prometheus.heapBytes(text));
    assertEquals(-1, RtspTarget.Prometheus.directBytes(text));
    assertEquals(95_340_772L, RtspTarget.Prometheus.directBytes("jvm_buffer_memory_used_bytes{id=\"direct\"} 9.5340772E7\n"));
    assertEquals(14_909_840L, RtspTarget.Gateway.histogramTotal(String.join("\n",
        " num     #instances         #bytes  class name (module)",
        "-------------------------------------------------------",
        "   1:         15249         609960  io.netty.buffer.UnpooledSlicedByteBuf",
        "Total        295605       14909840")));
  }

  @Test
  void devicesFileListsEveryCameraUnderItsBox(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("devices.yaml");
    CameraDevices.write(f, "cam-", 5, "seed");
    String y = Files.readString(f);
    assertTrue(y.contains("  - id: box-0001\n"), y);
    assertTrue(y.contains("    cameras: [cam-0001, cam-0002, cam-0003, cam-0004]\n"), y);
    assertTrue(y.contains("    cameras: [cam-0005]\n"), y);
    assertTrue(y.contains("  - id: cam-0005\n    box: box-0002\n"), y);
    assertTrue(y.contains("    publishUser: cam-0003\n    publishSecret: \"" + Credentials.publishSecret("seed", "cam-0003")
        + "\"\n    readUser: viewer\n    readSecret: \"" + Credentials.readSecret("seed") + "\"\n"), y);
  }

  @Test
  void benchmarkArguments() {
    RtspBenchArgs a = RtspBenchArgs.parse(new String[] {"--gateway-jar", "g.jar", "--streams", "20, 50", "--file",
        "x.h264", "--duration", "15s", "--gstreamer", "off"}, null);
    assertEquals(List.of(20, 50), a.streams());
    assertEquals(50, a.maxStreams());
    assertEquals(15, a.duration().toSeconds());
    assertEquals(10, a.readersPer());
    assertThrows(IllegalArgumentException.class, () -> RtspBenchArgs.parse(new String[] {"--file", "x",
        "--gstreamer", "off"}, null), "nothing to measure");
    assertThrows(IllegalArgumentException.class, () -> RtspBenchArgs.parse(new String[] {"--file", "x",
        "--streams", "0"}, null));
    CameraSimArgs s = CameraSimArgs.parse(new String[] {"--file", "x.h264", "--streams", "25", "--readers-per", "10",
        "--match-sequence", "false"});
    assertEquals(3, s.readers());
    assertEquals(false, s.matchSequence());
    assertEquals(true, s.perCamera());
  }
}
