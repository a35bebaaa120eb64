package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.safecity.gateway.rtsp.rtp.AccessUnit;

/** The sampler's policy with plain Java: a camera is a loop of access units with arrival times. */
class CameraSamplerTest {
  static final byte[] SPS = {0x67, 0x42, 0x00, 0x1e};
  static final byte[] PPS = {0x68, (byte) 0xce, 0x38, (byte) 0x80};

  final Map<String, Tally> tallies = new HashMap<>();
  final LongAdder sampled = new LongAdder();
  final AtomicInteger parameterSetCalls = new AtomicInteger();
  List<String> types = List.of("face");
  long rtp;

  CameraSampler sampler(SampleMode mode, int maxFps, long deadlineMillis, int maxGopBytes) {
    return new CameraSampler("cam-1", () -> new SampledFrame.Place("south", java.util.Optional.empty(), java.util.Optional.empty()), "H264", 42, new SamplerPolicy(mode, maxFps, deadlineMillis, maxGopBytes),
        () -> {
          parameterSetCalls.incrementAndGet();
          return List.of(SPS.clone(), PPS.clone());
        }, () -> types, t -> tallies.computeIfAbsent(t, x -> new Tally()), sampled);
  }

  AccessUnit unit(boolean key, int bytes) {
    byte[] nal = new byte[bytes];
    nal[0] = (byte) (key ? 0x65 : 0x41);
    rtp += 3600;
    return new AccessUnit(rtp, List.of(nal), key);
  }

  /** Feeds a 25 fps stream with a keyframe every {@code gop} frames for {@code frames} frames, from t = start. */
  List<CameraSampler.Dispatch> feed(CameraSampler s, int frames, int gop, long start, int bytes) {
    List<CameraSampler.Dispatch> out = new ArrayList<>();
    for (int i = 0; i < frames; i++) {
      out.addAll(s.offer(unit(i % gop == 0, bytes), start + i * 40L));
    }
    return out;
  }

  /** Answers every dispatch at once, as a worker that is never busy. */
  List<SampledFrame> feedWithIdleWorker(CameraSampler s, int frames, int gop, int bytes) {
    List<SampledFrame> got = new ArrayList<>();
    for (int i = 0; i < frames; i++) {
      long now = i * 40L;
      for (CameraSampler.Dispatch d : s.offer(unit(i % gop == 0, bytes), now)) {
        got.add(d.frame());
        assertThat(s.completed(d.workerType(), Outcome.PROCESSED, now)).isEmpty();
      }
    }
    return got;
  }

  @Test
  void keyframeModeTakesKeyframesOnlyEachAloneWithTheParameterSets() {
    CameraSampler s = sampler(SampleMode.KEYFRAMES, 25, 2000, 1 << 20);
    List<SampledFrame> got = feedWithIdleWorker(s, 100, 10, 500);
    assertThat(got).hasSize(10);
    assertThat(got).allSatisfy(f -> {
      assertThat(f.units()).hasSize(1);
      assertThat(f.target().keyframe()).isTrue();
      assertThat(f.parameterSets()).containsExactly(SPS, PPS);
      assertThat(f.cameraId()).isEqualTo("cam-1");
      assertThat(f.region()).isEqualTo("south");
      assertThat(f.codec()).isEqualTo("H264");
      assertThat(f.streamEpoch()).isEqualTo(42);
    });
    assertThat(got).extracting(f -> f.target().seq()).containsExactly(1L, 11L, 21L, 31L, 41L, 51L, 61L, 71L, 81L, 91L);
    assertThat(got.get(1).arrivedAtMillis()).isEqualTo(400);
    assertThat(sampled.sum()).isEqualTo(10);
    assertThat(parameterSetCalls).as("parameter sets are copied only for frames taken").hasValue(10);
    Tally t = tallies.get("face");
    assertThat(t.sent()).isEqualTo(10);
    assertThat(t.processed()).isEqualTo(10);
    assertThat(t.droppedTotal()).isZero();
    assertThat(t.held()).isZero();
  }

  @Test
  void keyframeModeStillHonoursMaxFpsForAnAllIntraCamera() {
    CameraSampler s = sampler(SampleMode.KEYFRAMES, 5, 2000, 1 << 20);
    List<SampledFrame> got = feedWithIdleWorker(s, 250, 1, 100); // 10 s of keyframes at 25 fps
    assertThat(got.size()).isBetween(49, 51);
  }

  @Test
  void fpsModeTakesUpToMaxFpsEachWithTheFramesSinceItsKeyframe() {
    CameraSampler s = sampler(SampleMode.FPS, 5, 2000, 1 << 20);
    List<SampledFrame> got = feedWithIdleWorker(s, 250, 12, 100); // 10 s at 25 fps, GOP of 12
    assertThat(got.size()).isBetween(49, 51);
    assertThat(got.stream().filter(f -> !f.target().keyframe()).count()).as("P-frames are sampled too").isPositive();
    for (SampledFrame f : got) {
      long target = f.target().seq();
      long keySeq = ((target - 1) / 12) * 12 + 1; // the keyframe of its GOP
      assertThat(f.units().get(0).seq()).isEqualTo(keySeq);
      assertThat(f.units().get(0).keyframe()).isTrue();
      assertThat(f.units()).hasSize((int) (target - keySeq + 1));
      assertThat(f.units().subList(1, f.units().size())).noneMatch(SampledFrame.Unit::keyframe);
    }
    // No two samples closer than half the interval: jitter is absorbed, never turned into bursts.
    for (int i = 1; i < got.size(); i++) {
      assertThat(got.get(i).arrivedAtMillis() - got.get(i - 1).arrivedAtMillis()).isGreaterThanOrEqualTo(100);
    }
  }

  @Test
  void fpsModeTakesNothingBeforeTheFirstKeyframe() {
    CameraSampler s = sampler(SampleMode.FPS, 25, 2000, 1 << 20);
    List<CameraSampler.Dispatch> got = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      got.addAll(s.offer(unit(false, 100), i * 40L));
    }
    assertThat(got).isEmpty();
    got.addAll(s.offer(unit(true, 100), 200));
    assertThat(got).hasSize(1);
    assertThat(got.get(0).frame().units()).hasSize(1);
    assertThat(tallies.get("face").droppedTotal()).isZero();
  }

  @Test
  void fpsModeGopLongerThanTheBoundIsSampledAtKeyframesOnlyAndCounted() {
    CameraSampler s = sampler(SampleMode.FPS, 25, 2000, 1000);
    List<SampledFrame> got = new ArrayList<>();
    for (int i = 0; i < 30; i++) { // GOP of 20 frames of 100 bytes: 2000 bytes > 1000
      long now = i * 40L;
      for (CameraSampler.Dispatch d : s.offer(unit(i % 20 == 0, 100), now)) {
        got.add(d.frame());
        s.completed(d.workerType(), Outcome.PROCESSED, now);
      }
    }
    // Frames 1..10 fit (1000 bytes), 11..20 do not; frame 21 is a keyframe again.
    assertThat(got).extracting(f -> f.target().seq()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L,
        21L, 22L, 23L, 24L, 25L, 26L, 27L, 28L, 29L, 30L);
    assertThat(tallies.get("face").dropped(Drop.GOP_TOO_LONG)).isEqualTo(10);
  }

  @Test
  void aBusyWorkerGetsTheNewestFrameNextAndEveryReplacedOneIsCounted() {
    CameraSampler s = sampler(SampleMode.KEYFRAMES, 25, 2000, 1 << 20);
    List<CameraSampler.Dispatch> first = feed(s, 1, 1, 0, 100);
    assertThat(first).hasSize(1);
    Tally t = tallies.get("face");
    assertThat(t.held()).isEqualTo(1);
    // Four more keyframes while the worker is busy: one waits, three are replaced.
    assertThat(feed(s, 4, 1, 40, 100)).isEmpty();
    assertThat(t.dropped(Drop.SUPERSEDED)).isEqualTo(3);
    assertThat(t.held()).as("in flight plus one waiting, never more").isEqualTo(2);
    var next = s.completed("face", Outcome.PROCESSED, 200);
    assertThat(next).isPresent();
    assertThat(next.get().target().seq()).as("latest wins").isEqualTo(5);
    assertThat(t.sent()).isEqualTo(2);
    assertThat(t.held()).isEqualTo(1);
    assertThat(s.completed("face", Outcome.PROCESSED, 240)).isEmpty();
    assertThat(t.held()).isZero();
    assertThat(t.processed()).isEqualTo(2);
    assertThat(sampled.sum()).isEqualTo(5);
  }

  @Test
  void aWaitingFrameOlderThanTheDeadlineIsDroppedNotSent() {
    CameraSampler s = sampler(SampleMode.KEYFRAMES, 25, 2000, 1 << 20);
    assertThat(s.offer(unit(true, 100), 0)).hasSize(1);
    assertThat(s.offer(unit(true, 100), 1000)).isEmpty(); // waits
    Tally t = tallies.get("face");
    // Exactly at the deadline it still goes ...
    assertThat(s.completed("face", Outcome.PROCESSED, 3000)).isPresent();
    assertThat(s.offer(unit(true, 100), 3040)).isEmpty(); // waits
    // ... one millisecond past it, it is dropped.
    assertThat(s.completed("face", Outcome.PROCESSED, 5041)).isEmpty();
    assertThat(t.dropped(Drop.EXPIRED)).isEqualTo(1);
    assertThat(t.held()).isZero();
    assertThat(t.sent()).isEqualTo(2);
    // The slot is free again: the next keyframe goes at once.
    assertThat(s.offer(unit(true, 100), 5080)).hasSize(1);
  }

  @Test
  void everyOutcomeIsCountedAndFreesTheSlot() {
    CameraSampler s = sampler(SampleMode.KEYFRAMES, 25, 2000, 1 << 20);
    long now = 0;
    for (Outcome o : Outcome.values()) {
      assertThat(s.offer(unit(true, 100), now)).hasSize(1);
      assertThat(s.completed("face", o, now)).isEmpty();
      now += 40;
    }
    Tally t = tallies.get("face");
    assertThat(t.processed()).isEqualTo(1);
    assertThat(t.failed()).isEqualTo(1);
    assertThat(t.dropped(Drop.EXPIRED)).isEqualTo(1);
    assertThat(t.dropped(Drop.NO_WORKER)).isEqualTo(1);
    assertThat(t.dropped(Drop.TIMEOUT)).isEqualTo(1);
    assertThat(t.dropped(Drop.WORKER_LOST)).isEqualTo(1);
    assertThat(t.sent()).isEqualTo(Outcome.values().length);
    assertThat(t.held()).isZero();
    long later = now;
    assertThatThrownBy(() -> s.completed("face", Outcome.PROCESSED, later)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void workerTypesAreIndependentAndShareOneFrame() {
    types = List.of("face", "plate");
    CameraSampler s = sampler(SampleMode.KEYFRAMES, 25, 2000, 1 << 20);
    List<SampledFrame> face = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      for (CameraSampler.Dispatch d : s.offer(unit(true, 100), i * 40L)) {
        if (d.workerType().equals("face")) { // face answers at once; plate never does
          face.add(d.frame());
          s.completed("face", Outcome.PROCESSED, i * 40L);
        }
      }
    }
    assertThat(face).hasSize(10);
    assertThat(tallies.get("face").droppedTotal()).isZero();
    assertThat(tallies.get("plate").sent()).isEqualTo(1);
    assertThat(tallies.get("plate").dropped(Drop.SUPERSEDED)).isEqualTo(8);
    assertThat(tallies.get("plate").held()).isEqualTo(2);
    assertThat(parameterSetCalls).as("one frame object for all types").hasValue(10);
  }

  @Test
  void withoutWorkerTypesNothingIsTakenOrCopied() {
    types = List.of();
    CameraSampler s = sampler(SampleMode.FPS, 25, 2000, 1 << 20);
    assertThat(feed(s, 100, 10, 0, 100)).isEmpty();
    assertThat(sampled.sum()).isZero();
    assertThat(parameterSetCalls).hasValue(0);
    // A type that appears mid-GOP starts at the next keyframe (the frames before were not kept).
    types = List.of("face");
    List<CameraSampler.Dispatch> got = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      got.addAll(s.offer(unit(i == 5, 100), 4000 + i * 40L));
      got.forEach(d -> s.completed(d.workerType(), Outcome.PROCESSED, 0));
      got.clear();
      if (i == 5) {
        assertThat(tallies.get("face").sent()).isEqualTo(1);
      }
    }
    assertThat(tallies.get("face").sent()).isEqualTo(5);
  }

  @Test
  void theStreamsEndDropsWhatWaitsAndTakesNoMore() {
    CameraSampler s = sampler(SampleMode.KEYFRAMES, 25, 2000, 1 << 20);
    assertThat(s.offer(unit(true, 100), 0)).hasSize(1);
    assertThat(s.offer(unit(true, 100), 40)).isEmpty();
    s.close();
    Tally t = tallies.get("face");
    assertThat(t.dropped(Drop.ENDED)).isEqualTo(1);
    assertThat(t.held()).isEqualTo(1);
    assertThat(s.offer(unit(true, 100), 80)).isEmpty();
    assertThat(s.completed("face", Outcome.PROCESSED, 120)).as("the frame in flight still comes back").isEmpty();
    assertThat(t.processed()).isEqualTo(1);
    assertThat(t.held()).isZero();
  }
}
