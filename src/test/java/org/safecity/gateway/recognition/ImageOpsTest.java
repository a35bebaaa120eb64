package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The face pipeline's pixel work and matching, in plain Java. */
class ImageOpsTest {

  static double[] apply(double[] m, double x, double y) {
    return new double[] {m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]};
  }

  @Test
  void theAffineMapTakesEachPointOntoItsTargetAndItsInverseBack() {
    double[][] src = {{201.4, 97.4}, {243.7, 100.5}, {224.7, 126.9}};
    double[] m = ImageOps.affine(src, FaceAnalyzer.TEMPLATE);
    double[] back = ImageOps.invert(m);
    for (int i = 0; i < 3; i++) {
      double[] p = apply(m, src[i][0], src[i][1]);
      assertThat(p[0]).isCloseTo(FaceAnalyzer.TEMPLATE[i][0], within(1e-9));
      assertThat(p[1]).isCloseTo(FaceAnalyzer.TEMPLATE[i][1], within(1e-9));
      double[] q = apply(back, p[0], p[1]);
      assertThat(q[0]).isCloseTo(src[i][0], within(1e-9));
      assertThat(q[1]).isCloseTo(src[i][1], within(1e-9));
    }
    assertThatThrownBy(() -> ImageOps.affine(new double[][] {{0, 0}, {1, 1}, {2, 2}}, FaceAnalyzer.TEMPLATE))
        .hasMessageContaining("collinear");
  }

  /** A 4x2 picture: left half red, right half blue. */
  static byte[] halves() {
    byte[] bgr = new byte[4 * 2 * 3];
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 4; x++) {
        int at = (y * 4 + x) * 3;
        if (x < 2) {
          bgr[at + 2] = (byte) 255; // red
        } else {
          bgr[at] = (byte) 255; // blue
        }
      }
    }
    return bgr;
  }

  @Test
  void tensorsArePlanarRgbNormalisedAndResizedWithAlignedCentres() {
    float[] t = ImageOps.rgbTensor(halves(), 4, 2, 0, 0, 4, 2, 2, 1); // 2x1: one pixel per half
    float one = (255 - 127) / 128f;
    float zero = -127 / 128f;
    assertThat(t).containsExactly(one, zero, /* G */ zero, zero, /* B */ zero, one);
    float[] grey = ImageOps.greyTensor(halves(), 4, 2, 0, 0, 4, 2, 1);
    // The one output pixel sits between the halves: half red, half blue, through the luma weights.
    assertThat(grey[0]).isCloseTo((0.299f * 127.5f + 0.114f * 127.5f) / 256f, within(1e-4f));
  }

  @Test
  void warpingByAShiftMovesThePictureAndFillsOutsideWithBlack() {
    // Picture to crop: x' = x - 2, so crop column 0 is picture column 2 (blue) and columns past the picture are black.
    double[] shift = {1, 0, -2, 0, 1, 0};
    float[] t = ImageOps.warpRgbTensor(halves(), 4, 2, shift, 3);
    int plane = 9;
    float one = (255 - 127) / 128f;
    float zero = -127 / 128f;
    assertThat(t[2 * plane]).as("B at (0,0)").isEqualTo(one);
    assertThat(t[0]).as("R at (0,0)").isEqualTo(zero);
    assertThat(t[2 * plane + 2 * 3 + 2]).as("B at (2,2): below the picture").isEqualTo(zero);
  }

  @Test
  void theWatchlistMatchesTheMostSimilarPhotoAndNamesItsVersion() {
    float[] a = FaceAnalyzer.normalise(new float[] {1, 0, 0});
    float[] b = FaceAnalyzer.normalise(new float[] {0, 1, 0});
    var index = new Watchlist.Index(7, List.of(new Watchlist.Entry("p-a", "A", "wanted", a),
        new Watchlist.Entry("p-b", "B", "missing", b)));
    var m = index.best(FaceAnalyzer.normalise(new float[] {0.2f, 1, 0})).orElseThrow();
    assertThat(m.personId()).isEqualTo("p-b");
    assertThat(m.reason()).isEqualTo("missing");
    assertThat(m.version()).isEqualTo(7);
    assertThat(m.score()).isCloseTo((float) (1 / Math.sqrt(1.04)), within(1e-6f));
    assertThat(Watchlist.Index.EMPTY.best(a)).isEmpty();
  }
}
