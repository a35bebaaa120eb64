package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CtcDecoderTest {
  // Classes: 0 blank, 1 'A', 2 'B', 3 '1', 4 '-', 5 space.
  static final CtcDecoder D = new CtcDecoder(List.of("A", "B", "1", "-"));

  /** One time step, certain of class {@code c} with probability {@code p} (the rest spread evenly). */
  static float[] step(int c, float p) {
    float[] s = new float[6];
    java.util.Arrays.fill(s, (1 - p) / 5);
    s[c] = p;
    return s;
  }

  @Test
  void repeatsCollapseAndBlanksSeparate() {
    float[][] probs = {step(1, 0.9f), step(1, 0.8f), step(0, 0.99f), step(1, 0.7f), step(2, 0.6f), step(0, 0.9f),
        step(4, 1f), step(3, 1f), step(3, 1f), step(0, 1f), step(3, 0.5f)};
    CtcDecoder.Decoded d = D.decode(probs);
    assertThat(d.text()).isEqualTo("AAB-11");
    // The first step of each kept character counts: 0.9, 0.7, 0.6, 1, 1, 0.5.
    assertThat(d.confidence()).isCloseTo((0.9f + 0.7f + 0.6f + 1f + 1f + 0.5f) / 6, Offset.offset(1e-5f));
  }

  @Test
  void theClassAfterTheTableIsASpace() {
    assertThat(D.decode(new float[][] {step(1, 1), step(5, 1), step(2, 1)}).text()).isEqualTo("A B");
    assertThat(D.classes()).isEqualTo(6);
  }

  @Test
  void onlyBlanksIsNoText() {
    CtcDecoder.Decoded d = D.decode(new float[][] {step(0, 1), step(0, 1)});
    assertThat(d.text()).isEmpty();
    assertThat(d.confidence()).isZero();
  }

  @Test
  void aModelWithAnotherTableIsRefused() {
    assertThatThrownBy(() -> D.decode(new float[][] {new float[7]}))
        .hasMessage("the model gives 7 classes, the table 6 (blank + 4 characters + space)");
  }

  @Test
  void theTableFileIsOneCharacterALine(@TempDir Path dir) throws Exception {
    Path keys = dir.resolve("keys.txt");
    Files.writeString(keys, "A\nB\n1\n-\n");
    CtcDecoder d = CtcDecoder.fromFile(keys);
    assertThat(d.classes()).isEqualTo(6);
    assertThat(d.decode(new float[][] {step(4, 1), step(3, 1)}).text()).isEqualTo("-1");
  }
}
