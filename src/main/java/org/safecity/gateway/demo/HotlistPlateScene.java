package org.safecity.gateway.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * <em>A hotlisted plate passes a camera</em>: a box's red-light camera (see {@link CityPlan}) shows the car with
 * {@value DemoClip#HOTLISTED_PLATE} (which {@link DemoCity} put on the hotlist at start) once, from its first frame,
 * then its usual picture again. The gateway, reading the camera's frames like any other, raises a
 * {@code recognition.plate.hit} and, the camera being an enforcement point, issues an e-challan.
 *
 * <p>The scene plays only while the gateway's plate recognizer is on, as {@code /health/ready} says (the demo asks
 * like any client, every {@value #WATCH_MILLIS} ms): while its models are still being fetched, or with recognition
 * off, the rotation skips it.
 */
final class HotlistPlateScene implements IncidentScript.Scene {

  private static final Logger LOG = LoggerFactory.getLogger(HotlistPlateScene.class);
  static final long WATCH_MILLIS = 2_000;
  /** The readiness part that reports the plate recognizer. */
  static final String CHECK = "recognition.plate";
  /** How long a camera may take to switch clips before the scene goes on without waiting. */
  private static final Duration SWITCH_TIMEOUT = Duration.ofSeconds(15);

  private final Set<String> plateCameras;
  private final DemoClip car;
  private final DemoClip usual;
  /** Why the recognizer is off, or null while it is on; written by the watch, read by the script's context. */
  private volatile String off = "the plate recognizer's state is not known yet";

  HotlistPlateScene(Set<String> plateCameras, DemoClip car, DemoClip usual) {
    this.plateCameras = Set.copyOf(plateCameras);
    this.car = car;
    this.usual = usual;
  }

  @Override
  public String name() {
    return "hotlisted plate";
  }

  @Override
  public String condition() {
    return "while the plate recognizer is on";
  }

  @Override
  public boolean available() {
    return off == null && !plateCameras.isEmpty();
  }

  @Override
  public String unavailableBecause() {
    if (plateCameras.isEmpty()) {
      return "the city has no red-light camera (no cameras)";
    }
    String why = off;
    return why == null ? "" : why;
  }

  @Override
  public boolean fits(DemoBox box) {
    return plateCamera(box).isPresent();
  }

  private Optional<DemoCamera> plateCamera(DemoBox box) {
    return box.cameras.stream().filter(c -> plateCameras.contains(c.id)).findFirst();
  }

  @Override
  public Future<Void> play(IncidentScript.Stage s, DemoBox box) {
    DemoCamera cam = plateCamera(box).orElseThrow();
    s.say(box, "a car with the hotlisted plate " + DemoClip.HOTLISTED_PLATE + " runs the red light at " + cam.id
        + ": expect a recognition.plate.hit and an e-challan");
    return switchTo(cam, car)
        .compose(v -> s.after(car.duration()))
        .compose(v -> {
          s.say(box, "the car has gone; " + cam.id + " shows its street again");
          return switchTo(cam, usual);
        });
  }

  /** The camera plays {@code clip}; a camera that does not stream again soon does not hold the script up. */
  private static Future<Void> switchTo(DemoCamera cam, DemoClip clip) {
    return cam.play(clip).timeout(SWITCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .recover(e -> {
          LOG.info("demo camera {}: not streaming the new clip yet ({}); the scene goes on", cam.id, e.getMessage());
          return Future.succeededFuture();
        });
  }

  /** Follows the plate recognizer's state in {@code /health/ready} while the simulators run. */
  void watch(Vertx vertx, DemoApi api) {
    check(api);
    vertx.setPeriodic(WATCH_MILLIS, t -> check(api));
  }

  private void check(DemoApi api) {
    api.getPublic("/health/ready").onComplete(ar -> {
      String now;
      if (ar.failed()) {
        now = "the gateway's /health/ready did not answer (" + ar.cause().getMessage() + ")";
      } else {
        now = offReason(ar.result().json());
      }
      String before = off;
      off = now;
      if (now == null && before != null) {
        LOG.info("demo: the plate recognizer is on: the {} scene joins the rotation", name());
      } else if (now != null && before == null) {
        LOG.info("demo: the plate recognizer went off ({}): the {} scene is skipped until it is back", now, name());
      }
    });
  }

  /** Null when the readiness answer says the plate recognizer is on, else why not. */
  static String offReason(JsonObject ready) {
    JsonObject checks = ready.getJsonObject("checks", new JsonObject());
    JsonObject plate = checks.getJsonObject(CHECK);
    if (plate == null) {
      return "recognition is disabled (recognition.enabled: false)";
    }
    if ("UP".equals(plate.getString("status"))) {
      return null;
    }
    return "the plate recognizer is " + plate.getString("detail", "off");
  }
}
