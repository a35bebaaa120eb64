package org.safecity.gateway.recognition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * DB text detection's post-processing (PaddleOCR's {@code DBPostProcess}) on the probability map: pixels above
 * {@code threshold} form regions (8-connected), a region whose mean probability is below {@code boxThreshold} or
 * that is thinner than {@code minSize} is dropped, and each box is grown by the DB "unclip" distance
 * ({@code area * ratio / perimeter}) back to the whole text, since the model marks a shrunk text core. Boxes are
 * axis-aligned (the bounding box of each region, where PaddleOCR takes the minimum-area rotated rectangle): plate
 * cameras look at plates close to level, and an axis-aligned crop needs no perspective warp. Plain Java.
 */
final class TextBoxes {
  /** A text box in map pixels (x1, y1 inclusive; x2, y2 exclusive) with its mean probability. */
  record Box(float x1, float y1, float x2, float y2, float score) {
    float width() {
      return x2 - x1;
    }

    float height() {
      return y2 - y1;
    }
  }

  static final float THRESHOLD = 0.3f;
  static final float BOX_THRESHOLD = 0.6f;
  static final float UNCLIP_RATIO = 1.5f;
  static final int MIN_SIZE = 3;
  static final int MAX_BOXES = 1000;

  private TextBoxes() {
  }

  /**
   * Text boxes in the {@code w x h} probability map, top to bottom then left to right, each grown by the unclip
   * distance and clipped to the map.
   */
  static List<Box> find(float[] map, int w, int h) {
    int[] label = new int[w * h];
    int[] queue = new int[w * h];
    List<Box> out = new ArrayList<>();
    int next = 0;
    for (int start = 0; start < map.length && out.size() < MAX_BOXES; start++) {
      if (label[start] != 0 || map[start] <= THRESHOLD) {
        continue;
      }
      next++;
      int head = 0;
      int tail = 0;
      queue[tail++] = start;
      label[start] = next;
      int minX = w, minY = h, maxX = -1, maxY = -1;
      while (head < tail) {
        int p = queue[head++];
        int x = p % w;
        int y = p / w;
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
        for (int dy = -1; dy <= 1; dy++) {
          int ny = y + dy;
          if (ny < 0 || ny >= h) {
            continue;
          }
          for (int dx = -1; dx <= 1; dx++) {
            int nx = x + dx;
            if (nx < 0 || nx >= w) {
              continue;
            }
            int q = ny * w + nx;
            if (label[q] == 0 && map[q] > THRESHOLD) {
              label[q] = next;
              queue[tail++] = q;
            }
          }
        }
      }
      int bw = maxX - minX + 1;
      int bh = maxY - minY + 1;
      if (Math.min(bw, bh) < MIN_SIZE) {
        continue;
      }
      // PaddleOCR's "fast" score: the mean probability over the region's box.
      double sum = 0;
      for (int y = minY; y <= maxY; y++) {
        for (int x = minX; x <= maxX; x++) {
          sum += map[y * w + x];
        }
      }
      float score = (float) (sum / (bw * bh));
      if (score < BOX_THRESHOLD) {
        continue;
      }
      float d = bw * bh * UNCLIP_RATIO / (2f * (bw + bh));
      if (Math.min(bw, bh) + 2 * d < MIN_SIZE + 2) {
        continue;
      }
      out.add(new Box(Math.max(0, minX - d), Math.max(0, minY - d), Math.min(w, maxX + 1 + d), Math.min(h, maxY + 1 + d),
          score));
    }
    // Reading order: lines by their top (within half a line's height), then left to right.
    out.sort(Comparator.comparingDouble(Box::y1));
    List<Box> sorted = new ArrayList<>(out);
    for (int i = 1; i < sorted.size(); i++) {
      for (int j = i; j > 0; j--) {
        Box a = sorted.get(j - 1);
        Box b = sorted.get(j);
        if (Math.abs(b.y1() - a.y1()) < Math.min(a.height(), b.height()) / 2 && b.x1() < a.x1()) {
          sorted.set(j - 1, b);
          sorted.set(j, a);
        } else {
          break;
        }
      }
    }
    return sorted;
  }
}
