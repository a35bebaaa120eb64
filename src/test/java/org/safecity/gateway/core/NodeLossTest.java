package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NodeLossTest {
  final NodeLoss rule = new NodeLoss(Duration.ofSeconds(60));
  final Instant now = Instant.parse("2025-03-01T08:00:00Z");

  @Test
  void aNodeThatDiesIsOneCriticalAlarmNamingItsBoxesAndTheGrace() {
    NodeLoss.NodeAlarm a = rule.left("edge-a", "edge", false, 240, now).orElseThrow();
    assertThat(a.raised()).isTrue();
    assertThat(a.key()).isEqualTo("node:edge-a");
    assertThat(a.kind()).isEqualTo(AlarmKinds.GATEWAY_NODE_LOST);
    assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
    assertThat(a.summary()).contains("edge-a").contains("240 boxes").contains("60 s");
    assertThat(a.details()).containsEntry("boxes", 240).containsEntry("reconnectGraceMs", 60_000L)
        .containsEntry("graceEndsAt", "2025-03-01T08:01:00Z");
    assertThat(rule.graceEnds(now)).isEqualTo(now.plusSeconds(60));
  }

  @Test
  void aCleanStopRaisesNothingAndALostWorkerIsMajor() {
    assertThat(rule.left("edge-a", "edge", true, 240, now)).isEmpty();
    assertThat(rule.left("worker-1", "worker", false, 0, now).orElseThrow().severity()).isEqualTo(Severity.MAJOR);
  }

  @Test
  void itClearsWhenTheNodeRejoins() {
    NodeLoss.NodeAlarm c = rule.rejoined("edge-a", now);
    assertThat(c.raised()).isFalse();
    assertThat(c.key()).isEqualTo(NodeLoss.key("edge-a"));
    assertThat(c.clearReason()).contains("rejoined");
  }
}
