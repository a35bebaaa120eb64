package org.safecity.gateway.recognition;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Greedy CTC decoding of a text recogniser's output, as PaddleOCR's {@code CTCLabelDecode}: per time step the
 * most likely class; repeats collapse and class 0 (the CTC blank) separates characters. Class {@code i > 0} is line
 * {@code i - 1} of the character table, and the class after the table is a space (PaddleOCR's
 * {@code use_space_char}). Plain Java.
 */
final class CtcDecoder {
  /** Decoded text and its confidence: the mean probability of the characters kept (0 for no character). */
  record Decoded(String text, float confidence) {
  }

  private final String[] classes;

  /** @param table the characters, one per entry, in the model's class order (without blank and space) */
  CtcDecoder(List<String> table) {
    classes = new String[table.size() + 2];
    classes[0] = "";
    for (int i = 0; i < table.size(); i++) {
      classes[i + 1] = table.get(i);
    }
    classes[table.size() + 1] = " ";
  }

  /** The table file as PaddleOCR ships it: one character per line, UTF-8. */
  static CtcDecoder fromFile(Path keys) throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(keys, StandardCharsets.UTF_8));
    // A final newline makes no extra entry; a blank line in the middle would shift every class after it.
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return new CtcDecoder(lines);
  }

  /** Classes the model must output: blank, the table, space. */
  int classes() {
    return classes.length;
  }

  /**
   * @param probs {@code [time][class]} probabilities (softmax already applied, as the PaddleOCR export does)
   */
  Decoded decode(float[][] probs) {
    StringBuilder text = new StringBuilder();
    double sum = 0;
    int kept = 0;
    int previous = -1;
    for (float[] step : probs) {
      if (step.length != classes.length) {
        throw new IllegalArgumentException("the model gives " + step.length + " classes, the table " + classes.length
            + " (blank + " + (classes.length - 2) + " characters + space)");
      }
      int best = 0;
      for (int c = 1; c < step.length; c++) {
        if (step[c] > step[best]) {
          best = c;
        }
      }
      if (best != 0 && best != previous) {
        text.append(classes[best]);
        sum += step[best];
        kept++;
      }
      previous = best;
    }
    return new Decoded(text.toString(), kept == 0 ? 0f : (float) (sum / kept));
  }
}
