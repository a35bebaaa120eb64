package org.safecity.gateway.health;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.safecity.gateway.config.GatewayConfig.HealthConfig;
import org.safecity.gateway.core.AlarmCleared;
import org.safecity.gateway.core.AlarmRaised;
import org.safecity.gateway.core.Box;
import org.safecity.gateway.core.BoxState;
import org.safecity.gateway.core.CameraWatch;
import org.safecity.gateway.core.DeviceEvent;
import org.safecity.gateway.core.DisconnectCause;
import org.safecity.gateway.core.GpsFix;
import org.safecity.gateway.core.HealthEvent;
import org.safecity.gateway.core.HealthModel;
import org.safecity.gateway.core.HealthPolicy;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.core.Outcome;
import org.safecity.gateway.core.Outcomes;
import org.safecity.gateway.core.Telemetry;
import org.safecity.gateway.store.EventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The box health model, bound to the context that created it (the model is single-threaded by design). Public
 * methods may be called from any thread: they hop onto that context.
 *
 * <p>Transitions and alarms are derived after the device's own message is committed, so the device is never
 * kept waiting on them; they are then written to the log in order, and a failed write is retried with backoff
 * (never dropped) while later outcomes queue behind it.
 */
public final class BoxHealthService {
  private static final Logger LOG = LoggerFactory.getLogger(BoxHealthService.class);
  public static final String ALARM_RAISED = "alarm.raised";
  public static final String ALARM_CLEARED = "alarm.cleared";

  private final Vertx vertx;
  private final Context context;
  private final EventLog log;
  private final Clock clock;
  private final HealthModel model;
  private final ArrayDeque<List<NewEvent>> pending = new ArrayDeque<>();
  /** Active alarms by key: a clear carries no box, so it takes source and region from its raise. */
  private final Map<String, AlarmRaised> active = new HashMap<>();
  private final Counter raised;
  private final Counter cleared;
  private boolean writing;
  /** Set by {@link #flush()}: completed when nothing is left to write. */
  private Promise<Void> drained;
  static final int MAX_EVENTS_PER_WRITE = 500;
  private long retryDelayMs = 100;
  private long timer = -1;
  private final CameraWatch cameras;
  private ToLongFunction<String> lastFrameMillis = id -> -1;

  private final boolean clustered;
  /** Set on a node of a cluster: a box is judged here only while this node owns it. */
  private volatile BoxOwnership ownership;
  /** Inputs of boxes whose state is being fetched from their previous owner, applied once it is here. */
  private final Map<String, List<Runnable>> claiming = new HashMap<>();
  /** When this node last claimed each box (the database's clock): an older claim elsewhere does not release it. */
  private final Map<String, java.time.Instant> claimedAt = new HashMap<>();
  /** Stopping: the edges' disconnects are not the boxes' doing, and the next owner judges them. */
  private boolean frozen;

  public BoxHealthService(Vertx vertx, EventLog log, HealthConfig config, Clock clock, MeterRegistry metrics) {
    this(vertx, log, config, clock, metrics, false);
  }

  /** @param clustered a node of a cluster: boxes are judged only once owned ({@link #ownership(BoxOwnership)}) */
  public BoxHealthService(Vertx vertx, EventLog log, HealthConfig config, Clock clock, MeterRegistry metrics,
      boolean clustered) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.log = log;
    this.clock = clock;
    this.clustered = clustered;
    this.model = new HealthModel(policy(config), clock, !clustered);
    this.cameras = new CameraWatch(config.cameraStalledAfter(), config.cameraOfflineAfter());
    this.raised = Counter.builder("gateway_alarms_raised").description("alarms raised").register(metrics);
    this.cleared = Counter.builder("gateway_alarms_cleared").description("alarms cleared").register(metrics);
  }

  static HealthPolicy policy(HealthConfig c) {
    return HealthPolicy.defaults().toBuilder()
        .boxSilentAfter(c.boxSilentAfter())
        .theftWindow(c.theftWindow())
        .batteryCriticalBelow(c.batteryCriticalBelow())
        .build();
  }

  /** Starts the periodic tick that raises silence and runs the battery estimate down. */
  public void start(java.time.Duration tick) {
    on(() -> timer = vertx.setPeriodic(tick.toMillis(), id -> {
      if (frozen) {
        return;
      }
      apply(model.tick(clock.instant()));
      observeCameras();
    }));
  }

  /** Alarms about gateway nodes (not boxes), written in order with the box outcomes. */
  void nodeAlarm(NewEvent event) {
    on(() -> {
      pending.add(List.of(event));
      drain();
    });
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** Registry (re)load: boxes that remain keep their state. */
  public void reload(Collection<Box> boxes) {
    on(() -> apply(model.reload(boxes, clock.instant())));
  }

  /**
   * The registry's cameras and where their last frame time comes from (epoch millis, -1 for none): each tick
   * judges them, logs {@code camera.streaming/stalled/offline} and tells the box model which are down.
   */
  public void cameras(Collection<CameraWatch.Camera> list, ToLongFunction<String> lastFrame) {
    on(() -> {
      lastFrameMillis = lastFrame;
      cameras.reload(list, clock.instant());
    });
  }

  private void observeCameras() {
    // In a cluster every edge judges every camera alike (from every node's frame times, health.CameraFrames), so
    // each shows the same health and each box's judge knows its cameras; only the coordinator writes the events.
    BoxOwnership o = ownership;
    boolean writer = !clustered || o != null && o.coordinator();
    for (CameraWatch.Change c : cameras.observe(lastFrameMillis, clock.instant())) {
      if (!writer) {
        LOG.debug("camera {} {} -> {} (written by the coordinator)", c.camera().id(), c.from(), c.to());
        if (c.down()) {
          apply(model.camerasDown(c.camera().boxId(), Set.of(c.camera().id()), c.at()));
        } else if (c.up()) {
          apply(model.camerasUp(c.camera().boxId(), Set.of(c.camera().id()), c.at()));
        }
        continue;
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("camera", c.camera().id());
      body.put("box", c.camera().boxId());
      body.put("from", c.from().name().toLowerCase(java.util.Locale.ROOT));
      body.put("lastFrameAt", c.lastFrameAt().map(Object::toString).orElse(null));
      String kind = "camera." + c.to().name().toLowerCase(java.util.Locale.ROOT);
      pending.add(List.of(new NewEvent(kind, c.camera().id(), c.camera().region(), c.at(), body)));
      LOG.info("camera {} {} -> {} (box {})", c.camera().id(), c.from(), c.to(), c.camera().boxId());
      drain();
      if (c.down()) {
        apply(model.camerasDown(c.camera().boxId(), Set.of(c.camera().id()), c.at()));
      } else if (c.up()) {
        apply(model.camerasUp(c.camera().boxId(), Set.of(c.camera().id()), c.at()));
      }
    }
  }

  /**
   * A connection of the box was accepted on this node. In a cluster this node claims the box (it holds the
   * connection): when another node owned it, its last state is fetched first and the box's inputs wait for it.
   */
  public void connected(String boxId) {
    on(() -> {
      if (frozen) {
        return;
      }
      Runnable connect = () -> apply(model.connected(boxId, clock.instant()));
      if (ownership == null) {
        connect.run();
        return;
      }
      List<Runnable> waiting = claiming.get(boxId);
      if (waiting != null) {
        waiting.add(connect);
        return;
      }
      boolean here = model.judgedHere(boxId);
      if (here) {
        connect.run();
      } else {
        claiming.put(boxId, new ArrayList<>(List.of(connect)));
      }
      ownership.claim(boxId).onComplete(ar -> on(() -> {
        if (ar.succeeded()) {
          claimedAt.put(boxId, ar.result().since());
        } else {
          LOG.warn("box {}: claiming it in the store failed ({}); judging it here from scratch", boxId,
              ar.cause().getMessage());
        }
        if (!here) {
          model.own(boxId, ar.succeeded() ? ar.result().previous() : null, null, clock.instant());
          List<Runnable> queued = claiming.remove(boxId);
          if (queued != null) {
            queued.forEach(Runnable::run);
          }
        }
      }));
    });
  }

  public void disconnected(String boxId, DisconnectCause cause) {
    onBox(boxId, () -> apply(model.disconnected(boxId, clock.instant(), cause)));
  }

  public void telemetry(String boxId, Telemetry t) {
    onBox(boxId, () -> apply(model.telemetry(boxId, t, clock.instant())));
  }

  public void gps(String boxId, GpsFix f) {
    onBox(boxId, () -> apply(model.gps(boxId, f, clock.instant())));
  }

  public void event(String boxId, DeviceEvent e) {
    onBox(boxId, () -> apply(model.event(boxId, e, clock.instant())));
  }

  public void camerasDown(String boxId, Set<String> cameras) {
    onBox(boxId, () -> apply(model.camerasDown(boxId, cameras, clock.instant())));
  }

  public void camerasUp(String boxId, Set<String> cameras) {
    onBox(boxId, () -> apply(model.camerasUp(boxId, cameras, clock.instant())));
  }

  private void onBox(String boxId, Runnable action) {
    on(() -> {
      if (frozen) {
        return;
      }
      List<Runnable> waiting = claiming.get(boxId);
      if (waiting != null) {
        waiting.add(action);
      } else {
        action.run();
      }
    });
  }

  // ---- ownership (cluster) ------------------------------------------------------------------

  /** Turns on ownership: from now on boxes are judged here only while this node owns them. */
  public void ownership(BoxOwnership o) {
    on(() -> ownership = o);
  }

  /** Another node claimed the box at {@code since}: unless this node claimed it later, it stops judging it. */
  void releasedTo(String boxId, java.time.Instant since) {
    on(() -> {
      java.time.Instant mine = claimedAt.get(boxId);
      if (mine != null && !since.isAfter(mine)) {
        return;
      }
      claimedAt.remove(boxId);
      if (model.judgedHere(boxId)) {
        LOG.info("box {} is now judged by another node", boxId);
      }
      model.release(boxId);
    });
  }

  /** This node judges the box from now on (taken over from a lost node, or never held by any). */
  void own(String boxId, org.safecity.gateway.core.BoxMemento previous, java.time.Instant graceUntil) {
    on(() -> {
      if (!claiming.containsKey(boxId)) {
        model.own(boxId, previous, graceUntil, clock.instant());
      }
    });
  }

  /** The state of every box judged here, for the store: memento and view, as JSON. */
  Future<Map<String, io.vertx.core.json.JsonObject>> mementos() {
    Promise<Map<String, io.vertx.core.json.JsonObject>> p = Promise.promise();
    on(() -> {
      Map<String, io.vertx.core.json.JsonObject> out = new HashMap<>();
      for (String id : model.judged()) {
        model.memento(id).ifPresent(m -> out.put(id, MementoJson.toJson(m, model.snapshot(id).orElseThrow())));
      }
      p.complete(out);
    });
    return p.future();
  }

  /** Registered box ids and whether each is judged here. */
  Future<Map<String, Boolean>> registered() {
    Promise<Map<String, Boolean>> p = Promise.promise();
    on(() -> {
      Map<String, Boolean> out = new HashMap<>();
      model.snapshots().forEach(b -> out.put(b.id(), model.judgedHere(b.id())));
      p.complete(out);
    });
    return p.future();
  }

  /** Stops judging (shutdown): the disconnects the closing edge causes are not the boxes' doing. */
  public void freeze() {
    on(() -> frozen = true);
  }

  /** Every watched camera's health state, by id (read on the model's own context). */
  public Future<Map<String, CameraWatch.State>> cameraStates() {
    Promise<Map<String, CameraWatch.State>> p = Promise.promise();
    on(() -> p.complete(cameras.states()));
    return p.future();
  }

  /**
   * Current state of every box, for the API (read on the model's own context). In a cluster a box judged by another
   * node is shown as its owner last stored it ({@code box_owners.state}, at most a second old): this node's own
   * copy of it stopped when the owner took it.
   */
  public Future<List<BoxState>> snapshots() {
    Promise<List<BoxState>> p = Promise.promise();
    Set<String> judgedHere = new java.util.HashSet<>();
    on(() -> {
      judgedHere.addAll(model.judged());
      p.complete(model.snapshots());
    });
    BoxOwnership o = ownership;
    if (o == null) {
      return p.future();
    }
    return p.future().compose(local -> o.statesElsewhere().map(stored -> {
      List<BoxState> out = new java.util.ArrayList<>(local.size());
      for (BoxState s : local) {
        io.vertx.core.json.JsonObject j = judgedHere.contains(s.id()) ? null : stored.get(s.id());
        out.add(j == null ? s : mirrored(s, j));
      }
      return out;
    }).recover(e -> {
      LOG.debug("other nodes' box states not read: {}", e.getMessage());
      return Future.succeededFuture(local);
    }));
  }

  private static BoxState mirrored(BoxState local, io.vertx.core.json.JsonObject stored) {
    try {
      return MementoJson.state(local.box(), stored);
    } catch (RuntimeException e) {
      LOG.debug("box {}: stored state unreadable: {}", local.id(), e.toString());
      return local;
    }
  }

  private void on(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  private void apply(Outcomes outcomes) {
    if (outcomes.isEmpty()) {
      return;
    }
    List<NewEvent> events = new ArrayList<>(outcomes.all().size());
    for (Outcome o : outcomes.all()) {
      if (o instanceof HealthEvent h) {
        events.add(new NewEvent(h.kind(), h.boxId(), h.region(), h.at(), h.details()));
      } else if (o instanceof AlarmRaised a) {
        active.put(a.key(), a);
        raised.increment();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", a.key());
        body.put("kind", a.kind());
        body.put("severity", a.severity().name());
        body.put("summary", a.summary());
        body.put("details", a.details());
        events.add(new NewEvent(ALARM_RAISED, a.boxId(), a.region(), a.at(), body));
        LOG.warn("alarm raised kind={} box={} severity={} summary={}", a.kind(), a.boxId(), a.severity(), a.summary());
      } else if (o instanceof AlarmCleared c) {
        AlarmRaised was = active.remove(c.key());
        cleared.increment();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", c.key());
        body.put("kind", was == null ? null : was.kind());
        body.put("reason", c.reason());
        // Raised by another node (the box moved here with its alarms): its region is the box's.
        String subject = was == null ? keySubject(c.key()) : was.boxId();
        String region = was != null ? was.region() : model.snapshot(subject).map(BoxState::region).orElse(null);
        events.add(new NewEvent(ALARM_CLEARED, subject, region, c.at(), body));
      }
    }
    pending.add(events);
    drain();
  }

  private static String keySubject(String key) {
    int i = key.indexOf(':');
    return i < 0 ? key : key.substring(i + 1);
  }

  /**
   * One write at a time, in order; a failed write is retried, never skipped. Everything waiting goes into that
   * one write (up to {@link #MAX_EVENTS_PER_WRITE} events, whole batches only): a burst of device messages costs a
   * few commits, not one per message.
   */
  private void drain() {
    if (writing || pending.isEmpty()) {
      if (!writing && pending.isEmpty() && drained != null) {
        drained.tryComplete();
      }
      return;
    }
    writing = true;
    List<NewEvent> next = new ArrayList<>();
    int batches = 0;
    for (List<NewEvent> batch : pending) {
      if (batches > 0 && next.size() + batch.size() > MAX_EVENTS_PER_WRITE) {
        break;
      }
      next.addAll(batch);
      batches++;
    }
    int taken = batches;
    log.appendAll(next).onComplete(ar -> {
      writing = false;
      if (ar.succeeded()) {
        for (int i = 0; i < taken; i++) {
          pending.poll();
        }
        retryDelayMs = 100;
        drain();
      } else {
        LOG.warn("health outcomes not yet stored ({} batches waiting), retrying in {} ms: {}", pending.size(),
            retryDelayMs, ar.cause().getMessage());
        vertx.setTimer(retryDelayMs, id -> drain());
        retryDelayMs = Math.min(retryDelayMs * 2, 5000);
      }
    });
  }

  /**
   * Completes once every outcome derived so far is committed: the SIGTERM path calls it before the event log
   * closes, so an alarm whose cause was already acknowledged to its box is not left unwritten.
   */
  public Future<Void> flush() {
    Promise<Void> p = Promise.promise();
    on(() -> {
      drained = p;
      drain();
    });
    return p.future();
  }

  /** Outcomes derived but not yet committed (they are retried until they are). */
  public int backlog() {
    return pending.size();
  }
}
