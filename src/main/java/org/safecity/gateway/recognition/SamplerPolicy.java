package org.safecity.gateway.recognition;

/**
 * How a camera's frames are sampled for recognition.
 *
 * @param mode           keyframes only, or up to {@code maxFps} frames a second
 * @param maxFps         the most frames a second sent to each worker type, in either mode (a camera sending
 *                       only keyframes does not flood the workers either)
 * @param deadlineMillis a frame older than this (since it arrived) is dropped instead of recognised
 * @param maxGopBytes    fps mode: bytes of frames kept since the last keyframe; past it, frames until the next
 *                       keyframe cannot be sampled (a P-frame is useless without its references)
 */
public record SamplerPolicy(SampleMode mode, int maxFps, long deadlineMillis, int maxGopBytes) {
  public SamplerPolicy {
    if (maxFps < 1) {
      throw new IllegalArgumentException("maxFps must be at least 1: " + maxFps);
    }
    if (deadlineMillis < 1) {
      throw new IllegalArgumentException("deadline must be positive: " + deadlineMillis);
    }
    if (maxGopBytes < 1) {
      throw new IllegalArgumentException("maxGopBytes must be positive: " + maxGopBytes);
    }
  }

  /** Milliseconds between two sampled frames at the most. */
  double intervalMillis() {
    return 1000.0 / maxFps;
  }
}
