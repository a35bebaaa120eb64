package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PaddleOCR v4's real models on plates rendered in Java: the text is found and read. */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class TextReaderIT {
  static TextReader reader;

  @BeforeAll
  static void load() throws Exception {
    reader = new TextReader(PlatePictures.models());
  }

  @AfterAll
  static void close() throws Exception {
    if (reader != null) {
      reader.close();
    }
  }

  static List<TextReader.Line> read(java.awt.image.BufferedImage img) throws Exception {
    long start = System.nanoTime();
    List<TextReader.Line> lines = reader.read(PlatePictures.frame("c", img));
    System.out.println("read " + lines + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
    return lines;
  }

  @Test
  void platesOfEveryFormatAreRead() throws Exception {
    for (String plate : List.of("LEA-1234", "BKR 123", "ABC-12-345", "KHI-4471")) {
      List<TextReader.Line> lines = read(PlatePictures.scene(plate));
      assertThat(lines).as(plate).extracting(l -> l.text().replace(" ", ""))
          .contains(plate.replace(" ", ""));
      TextReader.Line line = lines.stream().filter(l -> l.text().replace(" ", "").equals(plate.replace(" ", "")))
          .findFirst().orElseThrow();
      assertThat(line.confidence()).as(plate).isGreaterThan(0.8f);
      // The box is where the plate was drawn (centred at 320, 220).
      assertThat((line.box().x1() + line.box().x2()) / 2).as(plate).isBetween(290f, 350f);
      assertThat((line.box().y1() + line.box().y2()) / 2).as(plate).isBetween(205f, 235f);
    }
  }

  @Test
  void aSmallYellowPlateOffCentreInALargerFrameIsRead() throws Exception {
    List<TextReader.Line> lines = read(PlatePictures.scene("RIK-7720", 1280, 720, 900, 520, 22, new Color(250, 210, 40)));
    assertThat(lines).extracting(TextReader.Line::text).contains("RIK-7720");
  }

  @Test
  void aRoadWithoutAPlateHasNoText() throws Exception {
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(640, 360, java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
    java.awt.Graphics2D g = img.createGraphics();
    g.setColor(new Color(92, 96, 100));
    g.fillRect(0, 0, 640, 360);
    g.dispose();
    assertThat(read(img)).isEmpty();
  }
}
