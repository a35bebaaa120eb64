package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class TextBoxesTest {
  static void fill(float[] map, int w, int x1, int y1, int x2, int y2, float p) {
    for (int y = y1; y < y2; y++) {
      for (int x = x1; x < x2; x++) {
        map[y * w + x] = p;
      }
    }
  }

  @Test
  void regionsAboveTheThresholdBecomeUnclippedBoxesInReadingOrder() {
    int w = 100, h = 60;
    float[] map = new float[w * h];
    fill(map, w, 60, 10, 90, 18, 0.9f); // second word of the first line
    fill(map, w, 10, 11, 40, 19, 0.8f); // first word, a pixel lower
    fill(map, w, 20, 40, 80, 50, 0.95f); // second line
    fill(map, w, 5, 30, 7, 34, 0.9f); // too thin (2 pixels)
    fill(map, w, 50, 30, 60, 36, 0.4f); // above the threshold, below the box threshold
    List<TextBoxes.Box> boxes = TextBoxes.find(map, w, h);
    assertThat(boxes).hasSize(3);
    TextBoxes.Box first = boxes.get(0);
    // 30x8 core: unclip distance 30*8*1.5 / (2*38) = 4.74
    assertThat(first.x1()).isCloseTo(10 - 4.7368f, Offset.offset(1e-3f));
    assertThat(first.x2()).isCloseTo(40 + 4.7368f, Offset.offset(1e-3f));
    assertThat(first.y1()).isCloseTo(11 - 4.7368f, Offset.offset(1e-3f));
    assertThat(first.score()).isCloseTo(0.8f, Offset.offset(1e-5f));
    assertThat(boxes.get(1).x1()).isGreaterThan(50);
    assertThat(boxes.get(2).y1()).isGreaterThan(30);
    assertThat(boxes.get(2).y2()).as("clipped to the map").isLessThanOrEqualTo(60);
  }

  @Test
  void anEmptyMapHasNoBoxes() {
    assertThat(TextBoxes.find(new float[64 * 32], 64, 32)).isEmpty();
  }
}
