package org.safecity.gateway.recognition;

import java.util.Locale;

/** Which frames of a camera are recognised. */
public enum SampleMode {
  /** Keyframes only: each decodes on its own, so a message is one frame. */
  KEYFRAMES,
  /** Up to {@code maxFps} frames a second, any type: each is sent with the frames since its keyframe. */
  FPS;

  public static SampleMode parse(String s) {
    return valueOf(s.trim().toUpperCase(Locale.ROOT));
  }
}
