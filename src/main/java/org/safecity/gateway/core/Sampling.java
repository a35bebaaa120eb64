package org.safecity.gateway.core;

/**
 * A camera's own recognition sampling, overriding the global one ({@code recognition.sampleMode},
 * {@code recognition.maxFps}): keyframes only, up to {@code fps} frames a second, or none at all.
 *
 * @param mode what is sampled
 * @param fps  {@link Mode#FPS}: frames a second, 1..60; otherwise 0
 */
public record Sampling(Mode mode, int fps) {
  public enum Mode { KEYFRAMES, FPS, OFF }

  public static final Sampling KEYFRAMES = new Sampling(Mode.KEYFRAMES, 0);
  public static final Sampling OFF = new Sampling(Mode.OFF, 0);

  public Sampling {
    if (mode == Mode.FPS ? fps < 1 || fps > 60 : fps != 0) {
      throw new IllegalArgumentException(mode == Mode.FPS ? "fps must be 1..60, got " + fps : "only fps sampling has a rate");
    }
  }

  public static Sampling fps(int fps) {
    return new Sampling(Mode.FPS, fps);
  }

  /** {@code keyframes}, {@code off} or {@code fps:N}: how it is stored. */
  public String wire() {
    return mode == Mode.FPS ? "fps:" + fps : mode.name().toLowerCase(java.util.Locale.ROOT);
  }

  public static Sampling fromWire(String s) {
    if (s.startsWith("fps:")) {
      return fps(Integer.parseInt(s.substring(4)));
    }
    return s.equals("off") ? OFF : KEYFRAMES;
  }
}
