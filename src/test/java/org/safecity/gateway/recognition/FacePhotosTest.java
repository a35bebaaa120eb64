package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** What enrolment reads of a photo before any model runs: its format by content, and which way up it is. */
class FacePhotosTest {

  static byte[] encode(BufferedImage img, String format) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ImageIO.write(img, format, out)).isTrue();
    return out.toByteArray();
  }

  /** A JPEG with an EXIF APP1 segment carrying {@code orientation}, as a phone writes it, in either byte order. */
  static byte[] withOrientation(byte[] jpeg, int orientation, ByteOrder order) {
    ByteBuffer tiff = ByteBuffer.allocate(26).order(order);
    tiff.put(order == ByteOrder.LITTLE_ENDIAN ? new byte[] {'I', 'I'} : new byte[] {'M', 'M'});
    tiff.putShort((short) 42).putInt(8); // magic, offset of IFD0
    tiff.putShort((short) 1); // one entry
    tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
    tiff.putInt(0); // no next IFD
    int length = 2 + 6 + tiff.capacity();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2); // SOI
    out.write(0xFF);
    out.write(0xE1);
    out.write(length >> 8);
    out.write(length & 0xff);
    out.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
    out.writeBytes(tiff.array());
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  @Test
  void formatIsTheFilesNotTheUploadsClaim() throws Exception {
    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
    assertThat(FacePhotos.format(encode(img, "jpg"))).isEqualTo("jpeg");
    assertThat(FacePhotos.format(encode(img, "png"))).isEqualTo("png");
    assertThat(FacePhotos.format(encode(img, "gif"))).isNull();
    assertThat(FacePhotos.format("not a picture".getBytes())).isNull();
    assertThat(FacePhotos.format(new byte[0])).isNull();
  }

  @Test
  void exifOrientationIsReadInBothByteOrders() throws Exception {
    byte[] jpeg = encode(new BufferedImage(16, 8, BufferedImage.TYPE_3BYTE_BGR), "jpg");
    assertThat(FacePhotos.exifOrientation(jpeg)).as("no EXIF: as stored").isEqualTo(1);
    for (int o = 1; o <= 8; o++) {
      assertThat(FacePhotos.exifOrientation(withOrientation(jpeg, o, ByteOrder.BIG_ENDIAN))).isEqualTo(o);
      assertThat(FacePhotos.exifOrientation(withOrientation(jpeg, o, ByteOrder.LITTLE_ENDIAN))).isEqualTo(o);
    }
    assertThat(FacePhotos.exifOrientation(withOrientation(jpeg, 9, ByteOrder.BIG_ENDIAN))).as("out of range").isEqualTo(1);
    byte[] cut = withOrientation(jpeg, 6, ByteOrder.BIG_ENDIAN);
    assertThat(FacePhotos.exifOrientation(java.util.Arrays.copyOf(cut, 20))).as("truncated").isEqualTo(1);
    // ImageIO still decodes the file with the segment in it
    assertThat(ImageIO.read(new java.io.ByteArrayInputStream(withOrientation(jpeg, 6, ByteOrder.BIG_ENDIAN)))).isNotNull();
  }

  /** A 3x2 picture whose pixels are numbered 0..5 row by row (in the blue byte). */
  static byte[] numbered() {
    byte[] bgr = new byte[3 * 2 * 3];
    for (int i = 0; i < 6; i++) {
      bgr[i * 3] = (byte) i;
    }
    return bgr;
  }

  static int[][] pixels(DecodedFrame f) {
    int[][] out = new int[f.height()][f.width()];
    for (int y = 0; y < f.height(); y++) {
      for (int x = 0; x < f.width(); x++) {
        out[y][x] = f.bgr()[(y * f.width() + x) * 3];
      }
    }
    return out;
  }

  @Test
  void everyOrientationIsTurnedUpright() {
    // stored:  0 1 2
    //          3 4 5
    assertThat(pixels(FacePhotos.upright(numbered(), 3, 2, 1))).isEqualTo(new int[][] {{0, 1, 2}, {3, 4, 5}});
    assertThat(pixels(FacePhotos.upright(numbered(), 3, 2, 2))).as("mirrored").isEqualTo(new int[][] {{2, 1, 0}, {5, 4, 3}});
    assertThat(pixels(FacePhotos.upright(numbered(), 3, 2, 3))).as("180").isEqualTo(new int[][] {{5, 4, 3}, {2, 1, 0}});
    assertThat(pixels(FacePhotos.upright(numbered(), 3, 2, 4))).as("flipped").isEqualTo(new int[][] {{3, 4, 5}, {0, 1, 2}});
    assertThat(pixels(FacePhotos.upright(numbered(), 3, 2, 5))).as("transposed")
        .isEqualTo(new int[][] {{0, 3}, {1, 4}, {2, 5}});
    assertThat(pixels(FacePhotos.upright(numbered(), 3, 2, 6))).as("stored turned left: turn right")
        .isEqualTo(new int[][] {{3, 0}, {4, 1}, {5, 2}});
    assertThat(pixels(FacePhotos.upright(numbered(), 3, 2, 7))).as("transversed")
        .isEqualTo(new int[][] {{5, 2}, {4, 1}, {3, 0}});
    assertThat(pixels(FacePhotos.upright(numbered(), 3, 2, 8))).as("stored turned right: turn left")
        .isEqualTo(new int[][] {{2, 5}, {1, 4}, {0, 3}});
  }

  @Test
  void labelsNameThePhotoAsTheClientDid() {
    assertThat(new FacePhotos.Upload(2, "front.jpg", new byte[0]).label()).isEqualTo("photo 2 (front.jpg)");
    assertThat(new FacePhotos.Upload(1, "", new byte[0]).label()).isEqualTo("photo 1");
    assertThat(new FacePhotos.Upload(1, null, new byte[0]).label()).isEqualTo("photo 1");
  }
}
