package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.safecity.gateway.core.Sampling;

/** A camera's own sampling from the devices file against the global policy. */
class CameraSamplingTest {
  static final SamplerPolicy GLOBAL = new SamplerPolicy(SampleMode.KEYFRAMES, 3, 2000, 1 << 20);

  @Test
  void withoutItsOwnTheGlobalPolicyApplies() {
    assertThat(RecognitionFanOut.policyFor(GLOBAL, Optional.empty())).contains(GLOBAL);
  }

  @Test
  void fpsSetsModeAndRateAndKeepsDeadlineAndGopBound() {
    assertThat(RecognitionFanOut.policyFor(GLOBAL, Optional.of(Sampling.fps(7))))
        .contains(new SamplerPolicy(SampleMode.FPS, 7, 2000, 1 << 20));
  }

  @Test
  void keyframesKeepTheGlobalRateCap() {
    SamplerPolicy fps = new SamplerPolicy(SampleMode.FPS, 5, 1000, 4096);
    assertThat(RecognitionFanOut.policyFor(fps, Optional.of(Sampling.KEYFRAMES)))
        .contains(new SamplerPolicy(SampleMode.KEYFRAMES, 5, 1000, 4096));
  }

  @Test
  void offMeansNoSampler() {
    assertThat(RecognitionFanOut.policyFor(GLOBAL, Optional.of(Sampling.OFF))).isEmpty();
  }
}
