package org.safecity.gateway.recognition;

import ai.onnxruntime.OrtException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Photos to enrol, checked as a person would check them before putting someone on a watchlist: a JPEG or PNG (by
 * its content, whatever the upload claimed), turned upright by its EXIF orientation (phones store portraits sideways
 * and say so there), showing exactly one face big enough to embed. The face models work at 320x240 (detection) and
 * 112x112 (embedding), so a large photo is decoded subsampled to at most {@link #MAX_SIDE} pixels a side: memory per
 * photo stays bounded whatever its resolution. What is kept of a photo is its embedding, a small JPEG of the face for
 * people checking a hit, where the face was, and the sha256 of the upload. Runs on a recognition thread.
 */
public final class FacePhotos {
  /** The longest side decoded; larger photos are subsampled while decoding. */
  static final int MAX_SIDE = 2048;
  /** The smallest face (box side, in decoded pixels) whose embedding is worth matching. */
  static final int MIN_FACE = 40;
  /** The longest side of the stored face picture. */
  static final int THUMBNAIL_SIDE = 160;

  /**
   * A photo as uploaded.
   *
   * @param index    its place in the request, from 1
   * @param filename what the client called it (may be empty)
   */
  public record Upload(int index, String filename, byte[] bytes) {
    /** How problems name it: {@code photo 2 (front.jpg)}. */
    public String label() {
      return "photo " + index + (filename == null || filename.isEmpty() ? "" : " (" + filename + ")");
    }
  }

  /** A photo accepted: one face, embedded; the face's box is in the upright photo's pixels. */
  public record Enrolled(Upload upload, String sha256, int width, int height, int faceX, int faceY, int faceWidth,
                         int faceHeight, float[] embedding, byte[] thumbnail) {
  }

  /** A photo refused, with the HTTP status that fits (415: not an image we read; 422: an image, but unusable). */
  public static final class Rejected extends Exception {
    public final int status;
    public final Upload upload;
    public final String reason;

    Rejected(int status, Upload upload, String reason) {
      super(upload.label() + ": " + reason);
      this.status = status;
      this.upload = upload;
      this.reason = reason;
    }
  }

  /** Every refused photo of a request (nothing of it is enrolled). */
  public static final class Rejections extends Exception {
    public final List<Rejected> photos;

    public Rejections(List<Rejected> photos) {
      super(photos.get(0).getMessage() + (photos.size() > 1 ? " (and " + (photos.size() - 1) + " more)" : ""));
      this.photos = List.copyOf(photos);
    }
  }

  private FacePhotos() {
  }

  /** Checks one photo and embeds its face. */
  static Enrolled check(FaceAnalyzer analyzer, Upload u, long maxPixels) throws Rejected, OrtException, IOException {
    String format = format(u.bytes());
    if (format == null) {
      throw new Rejected(415, u, "is neither a JPEG nor a PNG image");
    }
    BufferedImage decoded = decode(u, format, maxPixels);
    int orientation = format.equals("jpeg") ? exifOrientation(u.bytes()) : 1;
    DecodedFrame picture = upright(bgr(decoded), decoded.getWidth(), decoded.getHeight(), orientation);
    List<FaceAnalyzer.Face> faces = analyzer.faces(picture);
    if (faces.isEmpty()) {
      throw new Rejected(422, u, "no face found");
    }
    if (faces.size() > 1) {
      throw new Rejected(422, u, faces.size() + " faces found; a photo must show the person alone");
    }
    FaceAnalyzer.Face face = faces.get(0);
    FaceAnalyzer.Box b = face.box();
    if (b.height() < MIN_FACE) {
      throw new Rejected(422, u, "the face is " + Math.round(b.height()) + " pixels high; at least " + MIN_FACE
          + " are needed (a closer or larger photo)");
    }
    return new Enrolled(u, sha256(u.bytes()), picture.width(), picture.height(), Math.round(b.x1()), Math.round(b.y1()),
        Math.round(b.width()), Math.round(b.height()), face.embedding(), thumbnail(picture, b));
  }

  /** "jpeg" or "png" by the file's signature; null for anything else. */
  static String format(byte[] b) {
    if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
      return "jpeg";
    }
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (b.length >= png.length) {
      for (int i = 0; i < png.length; i++) {
        if (b[i] != png[i]) {
          return null;
        }
      }
      return "png";
    }
    return null;
  }

  /** Decodes, subsampled to at most {@link #MAX_SIDE} a side; refuses before decoding a picture over {@code maxPixels}. */
  private static BufferedImage decode(Upload u, String format, long maxPixels) throws Rejected, IOException {
    String name = format.toUpperCase(java.util.Locale.ROOT);
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(u.bytes()))) {
      Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
      if (!readers.hasNext()) {
        throw new IOException("no " + name + " reader in this JDK");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if ((long) w * h > maxPixels) {
          throw new Rejected(422, u, "is " + w + "x" + h + " pixels; at most " + maxPixels + " pixels are decoded");
        }
        ImageReadParam param = reader.getDefaultReadParam();
        int step = (Math.max(w, h) + MAX_SIDE - 1) / MAX_SIDE;
        if (step > 1) {
          param.setSourceSubsampling(step, step, 0, 0);
        }
        BufferedImage img = reader.read(0, param);
        if (img == null || img.getWidth() < 1 || img.getHeight() < 1) {
          throw new Rejected(422, u, "could not be decoded as " + name);
        }
        return img;
      } finally {
        reader.dispose();
      }
    } catch (IIOException | IndexOutOfBoundsException | IllegalArgumentException e) {
      // A damaged file, or a kind the JDK's decoders do not read (CMYK JPEG, 16-bit PNG oddities ...).
      throw new Rejected(422, u, "could not be decoded as " + name + ": " + e.getMessage());
    }
  }

  /** Packed BGR rows of any picture. */
  private static byte[] bgr(BufferedImage img) {
    BufferedImage out = img;
    if (img.getType() != BufferedImage.TYPE_3BYTE_BGR) {
      out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
      Graphics2D g = out.createGraphics();
      g.drawImage(img, 0, 0, null);
      g.dispose();
    }
    return ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
  }

  /**
   * The picture as it should be seen, by EXIF orientation {@code o} (1 = as stored; 2-8 mirror and/or rotate).
   * Sideways, a face is not found at all: the detector was trained on upright faces.
   */
  static DecodedFrame upright(byte[] bgr, int w, int h, int o) {
    boolean swap = o >= 5 && o <= 8;
    int ow = swap ? h : w;
    int oh = swap ? w : h;
    byte[] out = o == 1 || o < 1 || o > 8 ? bgr : new byte[bgr.length];
    if (out != bgr) {
      for (int y = 0; y < oh; y++) {
        for (int x = 0; x < ow; x++) {
          int sx;
          int sy;
          switch (o) {
            case 2 -> { sx = w - 1 - x; sy = y; }
            case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
            case 4 -> { sx = x; sy = h - 1 - y; }
            case 5 -> { sx = y; sy = x; }
            case 6 -> { sx = y; sy = h - 1 - x; }
            case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
            default -> { sx = w - 1 - y; sy = x; } // 8
          }
          int from = (sy * w + sx) * 3;
          int to = (y * ow + x) * 3;
          out[to] = bgr[from];
          out[to + 1] = bgr[from + 1];
          out[to + 2] = bgr[from + 2];
        }
      }
    }
    return new DecodedFrame("enrolment", "", 0, 0, System.currentTimeMillis(), ow, oh, out);
  }

  /** The EXIF orientation (1-8) of a JPEG, 1 when it has none or it cannot be read. */
  static int exifOrientation(byte[] jpeg) {
    int at = 2;
    while (at + 4 <= jpeg.length && (jpeg[at] & 0xff) == 0xFF) {
      int marker = jpeg[at + 1] & 0xff;
      if (marker == 0xDA || marker == 0xD9) {
        return 1; // image data starts: no EXIF before it
      }
      int length = (jpeg[at + 2] & 0xff) << 8 | jpeg[at + 3] & 0xff;
      int body = at + 4;
      if (length < 2 || body + length - 2 > jpeg.length) {
        return 1;
      }
      if (marker == 0xE1 && length >= 16 && jpeg[body] == 'E' && jpeg[body + 1] == 'x' && jpeg[body + 2] == 'i'
          && jpeg[body + 3] == 'f' && jpeg[body + 4] == 0 && jpeg[body + 5] == 0) {
        return tiffOrientation(jpeg, body + 6, body + length - 2);
      }
      at = body + length - 2;
    }
    return 1;
  }

  private static int tiffOrientation(byte[] b, int tiff, int end) {
    boolean little = b[tiff] == 'I' && b[tiff + 1] == 'I';
    if (!little && !(b[tiff] == 'M' && b[tiff + 1] == 'M')) {
      return 1;
    }
    long ifd = tiff + unsigned(b, tiff + 4, 4, little);
    if (ifd + 2 > end) {
      return 1;
    }
    int entries = (int) unsigned(b, (int) ifd, 2, little);
    for (int i = 0; i < entries; i++) {
      int e = (int) ifd + 2 + i * 12;
      if (e + 12 > end) {
        return 1;
      }
      if (unsigned(b, e, 2, little) == 0x0112) {
        int v = (int) unsigned(b, e + 8, 2, little);
        return v >= 1 && v <= 8 ? v : 1;
      }
    }
    return 1;
  }

  private static long unsigned(byte[] b, int at, int n, boolean little) {
    long v = 0;
    for (int i = 0; i < n; i++) {
      int byteAt = little ? at + n - 1 - i : at + i;
      v = v << 8 | (b[byteAt] & 0xff);
    }
    return v;
  }

  /** The face with a margin, at most {@link #THUMBNAIL_SIDE} a side, as JPEG. */
  static byte[] thumbnail(DecodedFrame f, FaceAnalyzer.Box b) throws IOException {
    float margin = b.height() * 0.3f;
    int x0 = Math.max(0, Math.round(b.x1() - margin));
    int y0 = Math.max(0, Math.round(b.y1() - margin));
    int x1 = Math.min(f.width(), Math.round(b.x2() + margin));
    int y1 = Math.min(f.height(), Math.round(b.y2() + margin));
    int w = Math.max(1, x1 - x0);
    int h = Math.max(1, y1 - y0);
    BufferedImage crop = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    byte[] dst = ((DataBufferByte) crop.getRaster().getDataBuffer()).getData();
    for (int row = 0; row < h; row++) {
      System.arraycopy(f.bgr(), ((y0 + row) * f.width() + x0) * 3, dst, row * w * 3, w * 3);
    }
    double scale = Math.min(1.0, (double) THUMBNAIL_SIDE / Math.max(w, h));
    int tw = Math.max(1, (int) Math.round(w * scale));
    int th = Math.max(1, (int) Math.round(h * scale));
    BufferedImage out = new BufferedImage(tw, th, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    g.drawImage(crop, 0, 0, tw, th, null);
    g.dispose();
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    if (!ImageIO.write(out, "jpg", jpeg)) {
      throw new IOException("no JPEG writer in this JDK");
    }
    return jpeg.toByteArray();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
