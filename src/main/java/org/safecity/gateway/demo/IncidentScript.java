package org.safecity.gateway.demo;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's scripted incidents: the first after {@code firstIncidentAfter}, then one every {@code incidentEvery},
 * taking the scenes in turn, each on the next box that is not already in one. Every step is logged as
 * {@code demo incident N: <scene> at <box>: <step>} so a person watching the console knows what to look for.
 */
final class IncidentScript extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(IncidentScript.class);
  /** How far a thief carries a box: well outside its geofence ({@value CityPlan#GEOFENCE_METERS} m). */
  static final double CARRIED_METERS = 300;

  /** One kind of incident the script can play on a box. */
  interface Scene {
    String name();

    /** False while the gateway lacks what the scene shows (then it is skipped in the rotation). */
    boolean available();

    /** Why it is not {@link #available()}: said once when the rotation skips it. */
    default String unavailableBecause() {
      return "not available";
    }

    /** When the scene plays, for the banner ("" = always). */
    default String condition() {
      return "";
    }

    /** Whether this box can stage it (a theft needs a box with cameras, when any box has some). */
    boolean fits(DemoBox box);

    /** Plays the scene; the future completes when the box is back to normal and free for the next scene. */
    Future<Void> play(Stage stage, DemoBox box);
  }

  /** What a scene may use: timers, the script's timing and its log. */
  interface Stage {
    Future<Void> after(Duration delay);

    Duration step();

    Duration recoverAfter();

    void say(DemoBox box, String what);
  }

  private final List<DemoBox> boxes;
  private final List<Scene> scenes;
  private final Duration first;
  private final Duration every;
  private final Duration step;
  private final Duration recoverAfter;
  private final Set<DemoBox> busy = new HashSet<>();
  /** Scenes whose skipping was said (once, until they play again). */
  private final Set<Scene> saidSkipped = new HashSet<>();
  private int nextScene;
  private int nextBox;
  private int played;
  private long timer = -1;
  private boolean stopped;

  IncidentScript(List<DemoBox> boxes, List<Scene> scenes, Duration first, Duration every, Duration step,
                 Duration recoverAfter) {
    this.boxes = List.copyOf(boxes);
    this.scenes = List.copyOf(scenes);
    this.first = first;
    this.every = every;
    this.step = step;
    this.recoverAfter = recoverAfter;
  }

  /** The demo's scenes in turn: a theft, a power cut, and a hotlisted plate (while plates are recognised). */
  static List<Scene> defaultScenes(List<DemoBox> boxes, HotlistPlateScene plate) {
    boolean anyCameras = boxes.stream().anyMatch(b -> !b.cameras.isEmpty());
    return List.of(new Theft(anyCameras), new PowerCut(), plate);
  }

  @Override
  public Future<?> start() {
    timer = vertx.setTimer(Math.max(1, first.toMillis()), t -> {
      next();
      timer = vertx.setPeriodic(every.toMillis(), t2 -> next());
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void next() {
    for (int i = 0; i < scenes.size(); i++) {
      Scene scene = scenes.get(nextScene++ % scenes.size());
      if (!scene.available()) {
        if (saidSkipped.add(scene)) {
          LOG.info("demo: {} skipped: {} (said once; it joins the rotation when it can)", scene.name(),
              scene.unavailableBecause());
        }
        continue;
      }
      saidSkipped.remove(scene);
      Optional<DemoBox> box = pick(scene);
      if (box.isEmpty()) {
        LOG.info("demo: no free box for a {} now; skipped", scene.name());
        continue;
      }
      DemoBox b = box.get();
      busy.add(b);
      int n = ++played;
      Stage stage = new Stage() {
        @Override
        public Future<Void> after(Duration delay) {
          return vertx.timer(Math.max(1, delay.toMillis())).mapEmpty();
        }

        @Override
        public Duration step() {
          return step;
        }

        @Override
        public Duration recoverAfter() {
          return recoverAfter;
        }

        @Override
        public void say(DemoBox box, String what) {
          LOG.info("demo incident {}: {} at {} ({}): {}", n, scene.name(), box.plan.id(), box.plan.region(), what);
        }
      };
      scene.play(stage, b).onComplete(ar -> {
        busy.remove(b);
        if (ar.failed() && !stopped) {
          LOG.warn("demo incident {}: {} at {} failed: {}", n, scene.name(), b.plan.id(), String.valueOf(ar.cause()));
        }
      });
      return;
    }
  }

  /** The next box in turn that is free and online and fits the scene. */
  private Optional<DemoBox> pick(Scene scene) {
    for (int i = 0; i < boxes.size(); i++) {
      DemoBox b = boxes.get(nextBox++ % boxes.size());
      if (!busy.contains(b) && b.online() && scene.fits(b)) {
        return Optional.of(b);
      }
    }
    return Optional.empty();
  }

  /**
   * Door opens; a step later the box is carried off; a step later it goes dark with its cameras. The gateway
   * raises one <em>theft suspected</em> alarm once the keepalive runs out. Found again after recoverAfter.
   */
  static final class Theft implements Scene {
    private final boolean needsCameras;

    Theft(boolean needsCameras) {
      this.needsCameras = needsCameras;
    }

    @Override
    public String name() {
      return "theft";
    }

    @Override
    public boolean available() {
      return true;
    }

    @Override
    public boolean fits(DemoBox box) {
      return !needsCameras || !box.cameras.isEmpty();
    }

    @Override
    public Future<Void> play(Stage s, DemoBox box) {
      s.say(box, "door opened");
      return box.openDoor()
          .compose(v -> s.after(s.step()))
          .compose(v -> {
            s.say(box, "carried off " + (int) CARRIED_METERS + " m");
            return box.carryOff(CARRIED_METERS);
          })
          .compose(v -> s.after(s.step()))
          .compose(v -> {
            s.say(box, "gone dark with its " + box.cameras.size() + " camera(s): expect one theft-suspected alarm");
            return box.goDark();
          })
          .compose(v -> s.after(s.recoverAfter()))
          .compose(v -> {
            s.say(box, "recovered: back home, door shut, online again");
            return box.recover();
          });
    }
  }

  /** Mains fail; the box runs on its battery, whose estimate runs down; mains return after recoverAfter. */
  static final class PowerCut implements Scene {
    @Override
    public String name() {
      return "power cut";
    }

    @Override
    public boolean available() {
      return true;
    }

    @Override
    public boolean fits(DemoBox box) {
      return true;
    }

    @Override
    public Future<Void> play(Stage s, DemoBox box) {
      s.say(box, "mains lost, on battery at " + Math.round(box.batteryPercent()) + " %");
      return box.mainsLost()
          .compose(v -> s.after(s.recoverAfter()))
          .compose(v -> {
            s.say(box, "mains back, battery at " + Math.round(box.batteryPercent()) + " %");
            return box.mainsRestored();
          });
    }
  }

  /** The scenes and when they play, for the banner. */
  static List<String> described(List<Scene> scenes) {
    List<String> out = new ArrayList<>();
    scenes.forEach(s -> out.add(s.condition().isEmpty() ? s.name() : s.name() + " (" + s.condition() + ")"));
    return out;
  }
}
