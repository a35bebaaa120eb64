package org.safecity.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The rotation says once why it skips a scene, again only after the scene could play in between. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IncidentScriptTest {

  /** A scene that is available when told; counts its turns and how often the script asked why it is not. */
  static final class Switchable implements IncidentScript.Scene {
    volatile boolean available;
    final AtomicInteger said = new AtomicInteger();
    final AtomicInteger turns = new AtomicInteger();

    @Override
    public String name() {
      return "switchable";
    }

    @Override
    public boolean available() {
      turns.incrementAndGet();
      return available;
    }

    @Override
    public String unavailableBecause() {
      said.incrementAndGet();
      return "switched off";
    }

    @Override
    public boolean fits(DemoBox box) {
      return true;
    }

    @Override
    public Future<Void> play(IncidentScript.Stage stage, DemoBox box) {
      return Future.succeededFuture();
    }
  }

  @Test
  void aSkippedSceneIsSaidOnceUntilItCouldPlayAgain() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Switchable scene = new Switchable();
      IncidentScript script = new IncidentScript(List.of(), List.of(scene), Duration.ofMillis(1), Duration.ofMillis(10),
          Duration.ofMillis(10), Duration.ofMillis(10));
      vertx.deployVerticle(script).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

      int turns = await(scene, 5);
      assertThat(scene.said).as("after %d turns", turns).hasValue(1);

      scene.available = true;
      await(scene, scene.turns.get() + 3);
      scene.available = false;
      turns = await(scene, scene.turns.get() + 5);
      assertThat(scene.said).as("off again, after %d turns", turns).hasValue(2);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theBannerSaysWhenAConditionalScenePlays() {
    HotlistPlateScene plate = new HotlistPlateScene(Set.of("cam-s01-1"), null, null);
    assertThat(IncidentScript.described(List.of(new IncidentScript.PowerCut(), plate)))
        .containsExactly("power cut", "hotlisted plate (while the plate recognizer is on)");
    assertThat(plate.available()).as("until /health/ready said so").isFalse();
    assertThat(new HotlistPlateScene(Set.of(), null, null).unavailableBecause()).contains("no cameras");
  }

  @Test
  void thePlateRecognizersStateIsReadFromReadiness() {
    JsonObject up = new JsonObject().put("status", "UP").put("checks", new JsonObject()
        .put("recognition.plate", new JsonObject().put("status", "UP").put("detail", "on: ...").put("informational", true)));
    assertThat(HotlistPlateScene.offReason(up)).isNull();
    JsonObject fetching = new JsonObject().put("status", "UP").put("checks", new JsonObject()
        .put("recognition.plate", new JsonObject().put("status", "DOWN").put("detail", "off: being fetched")));
    assertThat(HotlistPlateScene.offReason(fetching)).isEqualTo("the plate recognizer is off: being fetched");
    JsonObject disabled = new JsonObject().put("status", "UP").put("checks", new JsonObject()
        .put("store", new JsonObject().put("status", "UP")));
    assertThat(HotlistPlateScene.offReason(disabled)).isEqualTo("recognition is disabled (recognition.enabled: false)");
  }

  private static int await(Switchable scene, int turns) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (scene.turns.get() < turns) {
      assertThat(System.nanoTime()).as("%d turns", turns).isLessThan(end);
      Thread.sleep(5);
    }
    return scene.turns.get();
  }
}
