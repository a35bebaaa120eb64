package org.safecity.gateway.recognition;

/**
 * The few pixel operations the face models need, on packed BGR pictures ({@link DecodedFrame#bgr}): bilinear
 * resize and affine warp into model tensors (planar, normalised), greyscale crops. Plain Java, no native code.
 */
final class ImageOps {
  private ImageOps() {
  }

  /**
   * Samples channel {@code c} (0 = B, 1 = G, 2 = R) at a real position, bilinear, edges clamped.
   */
  static float sample(byte[] bgr, int w, int h, float x, float y, int c) {
    if (x < 0) {
      x = 0;
    } else if (x > w - 1) {
      x = w - 1;
    }
    if (y < 0) {
      y = 0;
    } else if (y > h - 1) {
      y = h - 1;
    }
    int x0 = (int) x;
    int y0 = (int) y;
    int x1 = Math.min(x0 + 1, w - 1);
    int y1 = Math.min(y0 + 1, h - 1);
    float fx = x - x0;
    float fy = y - y0;
    float a = bgr[(y0 * w + x0) * 3 + c] & 0xff;
    float b = bgr[(y0 * w + x1) * 3 + c] & 0xff;
    float d = bgr[(y1 * w + x0) * 3 + c] & 0xff;
    float e = bgr[(y1 * w + x1) * 3 + c] & 0xff;
    return (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
  }

  /**
   * The region (x, y, rw, rh) of the picture resized to {@code outW x outH} as an RGB planar tensor, each value
   * {@code (v - 127) / 128} (pixel centres aligned, as OpenCV's resize).
   */
  static float[] rgbTensor(byte[] bgr, int w, int h, float x, float y, float rw, float rh, int outW, int outH) {
    float[] t = new float[3 * outW * outH];
    int plane = outW * outH;
    float sx = rw / outW;
    float sy = rh / outH;
    for (int v = 0; v < outH; v++) {
      float srcY = y + (v + 0.5f) * sy - 0.5f;
      for (int u = 0; u < outW; u++) {
        float srcX = x + (u + 0.5f) * sx - 0.5f;
        int at = v * outW + u;
        t[at] = (sample(bgr, w, h, srcX, srcY, 2) - 127f) / 128f;
        t[plane + at] = (sample(bgr, w, h, srcX, srcY, 1) - 127f) / 128f;
        t[2 * plane + at] = (sample(bgr, w, h, srcX, srcY, 0) - 127f) / 128f;
      }
    }
    return t;
  }

  /** The region resized to {@code size x size} in grey (ITU-R 601 luma), each value {@code v / 256}. */
  static float[] greyTensor(byte[] bgr, int w, int h, float x, float y, float rw, float rh, int size) {
    float[] t = new float[size * size];
    float sx = rw / size;
    float sy = rh / size;
    for (int v = 0; v < size; v++) {
      float srcY = y + (v + 0.5f) * sy - 0.5f;
      for (int u = 0; u < size; u++) {
        float srcX = x + (u + 0.5f) * sx - 0.5f;
        float grey = 0.114f * sample(bgr, w, h, srcX, srcY, 0) + 0.587f * sample(bgr, w, h, srcX, srcY, 1)
            + 0.299f * sample(bgr, w, h, srcX, srcY, 2);
        t[v * size + u] = grey / 256f;
      }
    }
    return t;
  }

  /**
   * The affine map taking three source points onto three destination points: {@code {a, b, c, d, e, f}} with
   * {@code x' = a x + b y + c}, {@code y' = d x + e y + f}.
   *
   * @throws IllegalArgumentException when the source points are collinear
   */
  static double[] affine(double[][] src, double[][] dst) {
    double x0 = src[0][0], y0 = src[0][1], x1 = src[1][0], y1 = src[1][1], x2 = src[2][0], y2 = src[2][1];
    double det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1);
    if (Math.abs(det) < 1e-9) {
      throw new IllegalArgumentException("the points are collinear");
    }
    double[] m = new double[6];
    for (int row = 0; row < 2; row++) {
      double u0 = dst[0][row], u1 = dst[1][row], u2 = dst[2][row];
      // Cramer's rule on [x y 1] * [a b c]^T = u
      double a = (u0 * (y1 - y2) - y0 * (u1 - u2) + (u1 * y2 - u2 * y1)) / det;
      double b = (x0 * (u1 - u2) - u0 * (x1 - x2) + (x1 * u2 - x2 * u1)) / det;
      double c = (x0 * (y1 * u2 - y2 * u1) - y0 * (x1 * u2 - x2 * u1) + u0 * (x1 * y2 - x2 * y1)) / det;
      m[row * 3] = a;
      m[row * 3 + 1] = b;
      m[row * 3 + 2] = c;
    }
    return m;
  }

  /** The inverse of an affine map from {@link #affine}. */
  static double[] invert(double[] m) {
    double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5];
    double det = a * e - b * d;
    if (Math.abs(det) < 1e-12) {
      throw new IllegalArgumentException("the map is not invertible");
    }
    return new double[] {e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det};
  }

  /**
   * Warps the picture by the affine map {@code toCrop} (picture → crop) into a {@code size x size} RGB planar
   * tensor, each value {@code (v - 127) / 128}; outside the picture is black, as OpenCV's warpAffine.
   */
  static float[] warpRgbTensor(byte[] bgr, int w, int h, double[] toCrop, int size) {
    double[] back = invert(toCrop);
    float[] t = new float[3 * size * size];
    int plane = size * size;
    for (int v = 0; v < size; v++) {
      for (int u = 0; u < size; u++) {
        float x = (float) (back[0] * u + back[1] * v + back[2]);
        float y = (float) (back[3] * u + back[4] * v + back[5]);
        boolean inside = x >= -0.5f && y >= -0.5f && x <= w - 0.5f && y <= h - 0.5f;
        int at = v * size + u;
        for (int c = 0; c < 3; c++) {
          float value = inside ? sample(bgr, w, h, x, y, 2 - c) : 0f;
          t[c * plane + at] = (value - 127f) / 128f;
        }
      }
    }
    return t;
  }
}
