package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The face models on real photographs from Debian's packages (.ci/test-images): scikit-image's astronaut
 * (Eileen Collins) and cameraman, matplotlib's Grace Hopper, and a cup of coffee without anyone.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class FaceAnalyzerIT {
  static FaceAnalyzer faces;
  static BufferedImage astronaut;
  static FaceAnalyzer.Face enrolled;

  @BeforeAll
  static void load() throws Exception {
    faces = new FaceAnalyzer(Pictures.models());
    astronaut = Pictures.image("astronaut.png");
    List<FaceAnalyzer.Face> found = faces.faces(Pictures.frame("c", astronaut));
    assertThat(found).hasSize(1);
    enrolled = found.get(0);
  }

  @AfterAll
  static void close() throws Exception {
    if (faces != null) {
      faces.close();
    }
  }

  static FaceAnalyzer.Face only(BufferedImage img) throws Exception {
    List<FaceAnalyzer.Face> found = faces.faces(Pictures.frame("c", img));
    assertThat(found).as("faces found").hasSize(1);
    return found.get(0);
  }

  @Test
  void theAstronautsFaceIsFoundWithItsLandmarksInPlace() {
    FaceAnalyzer.Box b = enrolled.box();
    // Her face is in the upper middle of the 512x512 picture.
    assertThat(b.x1()).isBetween(140f, 200f);
    assertThat(b.y1()).isBetween(40f, 100f);
    assertThat(b.width()).isBetween(80f, 140f);
    assertThat(b.score()).isGreaterThan(0.9f);
    float[] p = enrolled.landmarks();
    assertThat(p).hasSize(136);
    float leftEyeX = p[36 * 2], rightEyeX = p[45 * 2], eyesY = (p[36 * 2 + 1] + p[45 * 2 + 1]) / 2;
    float noseY = p[30 * 2 + 1], mouthY = (p[48 * 2 + 1] + p[54 * 2 + 1]) / 2;
    assertThat(leftEyeX).isLessThan(rightEyeX);
    assertThat(eyesY).as("eyes above the nose tip").isLessThan(noseY);
    assertThat(noseY).as("nose tip above the mouth").isLessThan(mouthY);
    for (int i = 0; i < 68; i++) {
      assertThat(p[2 * i]).isBetween(b.x1() - 10, b.x2() + 10);
      assertThat(p[2 * i + 1]).isBetween(b.y1() - 10, b.y2() + 10);
    }
    double norm = 0;
    for (float v : enrolled.embedding()) {
      norm += v * v;
    }
    assertThat(enrolled.embedding()).hasSize(512);
    assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
  }

  @Test
  void theSamePersonInTransformedCopiesIsSimilar() throws Exception {
    List<BufferedImage> copies = List.of(
        Pictures.brightness(Pictures.cropped(Pictures.scaled(astronaut, 0.7), 40, 10, 300, 300), 1.2f, 10),
        Pictures.scaled(astronaut, 1.5),
        Pictures.brightness(astronaut, 0.6f, 0),
        Pictures.cropped(astronaut, 100, 0, 300, 300));
    for (BufferedImage copy : copies) {
      FaceAnalyzer.Face f = only(copy);
      assertThat(FaceAnalyzer.similarity(enrolled.embedding(), f.embedding()))
          .as("a " + copy.getWidth() + "x" + copy.getHeight() + " copy").isGreaterThan(0.8f);
    }
  }

  @Test
  void otherPeopleAreNotSimilar() throws Exception {
    for (String other : List.of("grace_hopper.jpg", "camera.png")) {
      FaceAnalyzer.Face f = only(Pictures.image(other));
      assertThat(FaceAnalyzer.similarity(enrolled.embedding(), f.embedding())).as(other).isLessThan(0.3f);
    }
  }

  @Test
  void aPictureWithoutAFaceHasNone() throws Exception {
    assertThat(faces.faces(Pictures.frame("c", Pictures.image("coffee.png")))).isEmpty();
    assertThat(faces.detect(Pictures.frame("c", Pictures.brightness(astronaut, 0f, 0)))).as("a black picture").isEmpty();
  }
}
