package org.safecity.gateway.rtsp.rtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.safecity.gateway.rtsp.rtp.SequenceTracker.Result.GAP;
import static org.safecity.gateway.rtsp.rtp.SequenceTracker.Result.IN_ORDER;
import static org.safecity.gateway.rtsp.rtp.SequenceTracker.Result.LATE_OR_DUPLICATE;
import static org.safecity.gateway.rtsp.rtp.SequenceTracker.Result.RESTART;

import org.junit.jupiter.api.Test;

class SequenceTrackerTest {

  private final SequenceTracker t = new SequenceTracker();

  @Test
  void firstPacketStartsTheStatistics() {
    assertThat(t.update(1000)).isEqualTo(IN_ORDER);
    assertThat(t.update(1001)).isEqualTo(IN_ORDER);
    assertThat(t.received()).isEqualTo(2);
    assertThat(t.expected()).isEqualTo(2);
    assertThat(t.lost()).isZero();
    assertThat(t.extendedHighest()).isEqualTo(1001);
  }

  @Test
  void resetNamesTheNextPacketExpected() {
    t.reset(500); // e.g. RTP-Info: seq=500
    assertThat(t.extendedHighest()).isEqualTo(499);
    assertThat(t.expected()).isZero();
    assertThat(t.update(502)).isEqualTo(GAP);
    assertThat(t.expected()).isEqualTo(3);
    assertThat(t.lost()).isEqualTo(2);
  }

  @Test
  void wrapsFrom65535To0IntoTheNextCycle() {
    t.reset(65_534);
    assertThat(t.update(65_534)).isEqualTo(IN_ORDER);
    assertThat(t.update(65_535)).isEqualTo(IN_ORDER);
    assertThat(t.update(0)).isEqualTo(IN_ORDER);
    assertThat(t.update(1)).isEqualTo(IN_ORDER);
    assertThat(t.extendedHighest()).isEqualTo(0x1_0001);
    assertThat(t.expected()).isEqualTo(4);
    assertThat(t.lost()).isZero();
  }

  @Test
  void resetAtZeroAndGapAcrossTheWrap() {
    t.reset(0);
    assertThat(t.update(0)).isEqualTo(IN_ORDER);
    assertThat(t.extendedHighest()).isZero();
    t.reset(65_530);
    t.update(65_530);
    assertThat(t.update(3)).isEqualTo(GAP); // 65531..2 missing: 8 packets
    assertThat(t.lost()).isEqualTo(8);
    assertThat(t.extendedHighest()).isEqualTo(0x1_0003);
    assertThat(t.update(65_535)).isEqualTo(LATE_OR_DUPLICATE); // late, from the previous cycle
    assertThat(t.lost()).isEqualTo(7);
    assertThat(t.extendedHighest()).isEqualTo(0x1_0003);
  }

  @Test
  void gapsAndLatePacketsFillingThem() {
    t.update(10);
    t.update(11);
    assertThat(t.update(14)).isEqualTo(GAP);
    assertThat(t.lost()).isEqualTo(2);
    assertThat(t.update(12)).isEqualTo(LATE_OR_DUPLICATE);
    assertThat(t.lost()).isEqualTo(1);
    assertThat(t.update(15)).isEqualTo(IN_ORDER);
    assertThat(t.expected()).isEqualTo(6);
    assertThat(t.received()).isEqualTo(5);
  }

  @Test
  void duplicatesCountAsReceivedSoLossGoesNegative() {
    t.update(10);
    assertThat(t.update(10)).isEqualTo(LATE_OR_DUPLICATE);
    assertThat(t.update(11)).isEqualTo(IN_ORDER);
    assertThat(t.update(11)).isEqualTo(LATE_OR_DUPLICATE);
    assertThat(t.received()).isEqualTo(4);
    assertThat(t.lost()).isEqualTo(-2);
  }

  @Test
  void jumpLimitsAheadAndBehind() {
    t.update(10_000);
    assertThat(t.update(13_000)).isEqualTo(GAP); // 3000 ahead: still a dropout
    assertThat(t.update(12_900)).isEqualTo(LATE_OR_DUPLICATE); // 100 behind: still reordering
    assertThat(t.update(12_899)).isEqualTo(RESTART); // 101 behind
    assertThat(t.received()).isEqualTo(1);
    assertThat(t.expected()).isEqualTo(1);
    assertThat(t.extendedHighest()).isEqualTo(12_899);
    assertThat(t.update(15_900)).isEqualTo(RESTART); // 3001 ahead
    assertThat(t.update(15_901)).isEqualTo(IN_ORDER);
    assertThat(t.lost()).isZero();
  }

  @Test
  void restartAcrossTheWrapIsMeasuredModulo65536() {
    t.update(65_500);
    assertThat(t.update(2000)).isEqualTo(GAP); // 2036 ahead, through the wrap
    assertThat(t.update(30_000)).isEqualTo(RESTART);
  }

  @Test
  void fractionLostPerReportInterval() {
    t.reset(0);
    for (int seq = 0; seq < 10; seq++) {
      if (seq != 3 && seq != 7) {
        t.update(seq);
      }
    }
    assertThat(t.fractionLostSinceLastReport()).isEqualTo(51); // 2/10 * 256 = 51.2
    assertThat(t.fractionLostSinceLastReport()).isZero(); // nothing expected since
    t.update(14); // 10..13 lost, one of five received
    assertThat(t.fractionLostSinceLastReport()).isEqualTo(204); // 4/5 * 256 = 204.8
    t.update(15);
    t.update(15);
    t.update(14);
    assertThat(t.fractionLostSinceLastReport()).isZero(); // more received than expected
    assertThat(t.lost()).isEqualTo(4);
  }

  @Test
  void fractionLostNeverExceeds255() {
    t.update(0);
    t.fractionLostSinceLastReport();
    t.update(3000); // 2999 of 3000 lost
    assertThat(t.fractionLostSinceLastReport()).isEqualTo(255);
  }

  @Test
  void jitterIsZeroForPerfectPacing() {
    long start = 123_456_789L;
    for (int i = 0; i < 50; i++) {
      t.arrival(0xFFFF_F000L + 3600L * i & 0xFFFF_FFFFL, start + 40_000_000L * i, 90_000); // wraps the timestamp
    }
    assertThat(t.jitter()).isZero();
  }

  @Test
  void jitterFollowsRfc3550Smoothing() {
    // 25 fps at 90 kHz: 3600 ticks per frame, 40 ms apart. Every other packet arrives 10 ms (900
    // ticks) late, so |D| is 900 for every pair after the first. The integer form of A.8 truncates
    // and rounds as it goes, so it may trail the exact recurrence by a little over one tick.
    double expected = 0;
    for (int i = 0; i < 200; i++) {
      long arrival = 40_000_000L * i + (i % 2 == 1 ? 10_000_000L : 0);
      t.arrival(3600L * i, arrival, 90_000);
      if (i > 0) {
        expected += (900 - expected) / 16; // J(i) = J(i-1) + (|D(i-1,i)| - J(i-1)) / 16
      }
      assertThat((double) t.jitter()).as("after packet %d", i).isCloseTo(expected, within(1.5));
    }
    assertThat(t.jitter()).isBetween(898L, 900L);
  }

  @Test
  void jitterOfOneLatePacket() {
    t.arrival(0, 0, 90_000);
    t.arrival(3600, 50_000_000L, 90_000); // 10 ms late: D = 900
    assertThat(t.jitter()).isEqualTo(56); // 900 / 16
    t.arrival(7200, 80_000_000L, 90_000); // back on time: D = 900 again
    assertThat(t.jitter()).isEqualTo(109); // 56.25 + (900 - 56.25) / 16 = 108.98
  }

  @Test
  void jitterWithNegativeMonotonicClock() {
    t.arrival(0, -1_000_000_000L, 8000);
    t.arrival(160, -980_000_000L, 8000); // 20 ms, 160 ticks at 8 kHz
    assertThat(t.jitter()).isZero();
  }

  @Test
  void resetClearsJitter() {
    t.arrival(0, 0, 90_000);
    t.arrival(3600, 50_000_000L, 90_000);
    t.reset(1);
    assertThat(t.jitter()).isZero();
    t.arrival(999_999, 1, 90_000); // primes the transit again, no jump counted
    assertThat(t.jitter()).isZero();
  }

  @Test
  void rejectsImpossibleArguments() {
    assertThatThrownBy(() -> t.update(65_536)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.reset(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.arrival(0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
