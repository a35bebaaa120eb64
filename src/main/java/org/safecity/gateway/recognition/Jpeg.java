package org.safecity.gateway.recognition;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/** Evidence pictures: a frame, or a region of it, as JPEG (the JDK's encoder). */
final class Jpeg {
  private Jpeg() {
  }

  /** The whole frame. */
  static byte[] frame(DecodedFrame f) throws IOException {
    return region(f, 0, 0, f.width(), f.height());
  }

  /** The region (x, y, w, h), clipped to the frame. */
  static byte[] region(DecodedFrame f, int x, int y, int w, int h) throws IOException {
    int x0 = Math.max(0, Math.min(x, f.width() - 1));
    int y0 = Math.max(0, Math.min(y, f.height() - 1));
    int rw = Math.max(1, Math.min(w, f.width() - x0));
    int rh = Math.max(1, Math.min(h, f.height() - y0));
    BufferedImage img = new BufferedImage(rw, rh, BufferedImage.TYPE_3BYTE_BGR);
    byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    for (int row = 0; row < rh; row++) {
      System.arraycopy(f.bgr(), ((y0 + row) * f.width() + x0) * 3, dst, row * rw * 3, rw * 3);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!ImageIO.write(img, "jpg", out)) {
      throw new IOException("no JPEG writer in this JDK");
    }
    return out.toByteArray();
  }
}
