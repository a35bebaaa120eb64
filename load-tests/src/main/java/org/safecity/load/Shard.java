package org.safecity.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClientOptions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The boxes of one event loop: paces their connects, drives their telemetry from one timer wheel (not a
 * timer per box), schedules reconnects and scripted incidents. A simulator process deploys one shard per
 * event loop, so a box's MQTT client, timers and callbacks all live on the same thread.
 */
final class Shard extends VerticleBase {

  /** Telemetry wheel resolution: each box publishes in one slot of its period. */
  static final long WHEEL_TICK_MS = 100;
  private static final long PACE_TICK_MS = 5;

  final SimulatorArgs args;
  final SimStats stats;
  final SplittableRandom rng;
  final int gpsEveryTicks;
  private final List<SimBox> simBoxes;
  private final int shardIndex;
  private final int shardCount;
  private final Buffer willPayload = Buffer.buffer(Payloads.status(false));
  private final Consumer<String> out;
  private final List<BoxConnection> boxes = new ArrayList<>();
  private final ArrayDeque<BoxConnection> connectQueue = new ArrayDeque<>();
  private final List<List<BoxConnection>> wheel = new ArrayList<>();
  private long wheelTicks;
  private double tokens;
  private long lastPaceNanos;
  private int incidentCursor;
  /** Connects in flight from this shard. */
  int pending;
  boolean stopping;

  Shard(SimulatorArgs args, SimStats stats, List<SimBox> simBoxes, int shardIndex, int shardCount, Consumer<String> out) {
    this.args = args;
    this.stats = stats;
    this.simBoxes = simBoxes;
    this.shardIndex = shardIndex;
    this.shardCount = shardCount;
    this.out = out;
    this.rng = new SplittableRandom(args.seed() * 31 + shardIndex);
    this.gpsEveryTicks = (int) Math.max(1, args.gpsEvery().toMillis() / Math.max(1, args.telemetryEvery().toMillis()));
  }

  Vertx vertx() {
    return vertx;
  }

  @Override
  public Future<?> start() {
    int slots = (int) Math.max(1, args.telemetryEvery().toMillis() / WHEEL_TICK_MS);
    for (int i = 0; i < slots; i++) {
      wheel.add(new ArrayList<>());
    }
    for (SimBox b : simBoxes) {
      BoxConnection bc = new BoxConnection(b, this, 1 + rng.nextInt(gpsEveryTicks));
      boxes.add(bc);
      wheel.get(rng.nextInt(slots)).add(bc);
    }
    lastPaceNanos = System.nanoTime();
    vertx.setPeriodic(PACE_TICK_MS, id -> pace());
    SimulatorArgs.Scenario sc = args.scenario();
    if (sc == SimulatorArgs.Scenario.TELEMETRY || sc == SimulatorArgs.Scenario.INCIDENTS) {
      vertx.setPeriodic(WHEEL_TICK_MS, id -> turnWheel());
    }
    if (sc == SimulatorArgs.Scenario.INCIDENTS) {
      long every = args.incidentEvery().toMillis() * shardCount;
      long firstDelay = args.incidentEvery().toMillis() * (shardIndex + 1);
      vertx.setTimer(firstDelay, t -> {
        startIncident();
        vertx.setPeriodic(every, id -> startIncident());
      });
    }
    return Future.succeededFuture();
  }

  /** The boxes of this shard (read-only use from its own event loop). */
  List<BoxConnection> boxes() {
    return boxes;
  }

  /** Queues every box for connecting. */
  Future<Void> connectAll() {
    return onContext(() -> connectQueue.addAll(boxes));
  }

  /** Runs {@code r} on this shard's event loop. */
  Future<Void> onContext(Runnable r) {
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        r.run();
        p.complete();
      } catch (RuntimeException e) {
        p.fail(e);
      }
    });
    return p.future();
  }

  /** Stops pacing and incidents and disconnects every box cleanly (MQTT DISCONNECT). */
  Future<Void> disconnectAll() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      stopping = true;
      connectQueue.clear();
      List<Future<Void>> all = new ArrayList<>(boxes.size());
      for (BoxConnection b : boxes) {
        all.add(b.disconnect());
      }
      Future.join(all).<Void>mapEmpty().onComplete(done);
    });
    return done.future();
  }

  MqttClientOptions clientOptions(SimBox b) {
    MqttClientOptions o = new MqttClientOptions()
        .setClientId(b.id)
        .setUsername(b.id)
        .setPassword(b.secret)
        .setKeepAliveInterval(args.keepalive())
        .setCleanSession(args.cleanSession())
        .setMaxInflightQueue(args.inflight() + 8)
        .setWillFlag(true)
        .setWillTopic(Payloads.topic(b.id, "status"))
        .setWillMessageBytes(willPayload)
        .setWillQoS(1)
        .setWillRetain(true);
    o.setConnectTimeout(10_000);
    return o;
  }

  void scheduleReconnect(BoxConnection b) {
    long delay = args.reconnectDelay().toMillis();
    if (delay == 0 || stopping) {
      stats.gaveUp.increment();
      return;
    }
    vertx.setTimer(delay + rng.nextLong(delay / 2 + 1), id -> {
      if (!stopping) {
        connectQueue.add(b);
      }
    });
  }

  /** Starts queued connects, at most {@code rate / shards} a second and {@code maxPending / shards} at once. */
  private void pace() {
    long now = System.nanoTime();
    double dt = (now - lastPaceNanos) / 1e9;
    lastPaceNanos = now;
    if (connectQueue.isEmpty() || stopping) {
      tokens = 0;
      return;
    }
    double rate = args.connectRate() / shardCount;
    int maxPending = Math.max(1, (args.maxPending() + shardCount - 1) / shardCount);
    if (rate > 0) {
      // Up to 100 ms of credit: a starved event loop (2 shared cores) must not lose its pace.
      tokens = Math.min(tokens + rate * dt, Math.max(1, rate * 0.1));
    }
    while (!connectQueue.isEmpty() && pending < maxPending && (rate == 0 || tokens >= 1)) {
      tokens -= 1;
      connectQueue.poll().connect();
    }
  }

  private void turnWheel() {
    if (stopping) {
      return;
    }
    long now = System.currentTimeMillis();
    for (BoxConnection b : wheel.get((int) (wheelTicks++ % wheel.size()))) {
      b.tick(now);
    }
  }

  /** Door opens; after a step the box is carried off; after another its socket dies. */
  private void startIncident() {
    if (stopping || boxes.isEmpty()) {
      return;
    }
    BoxConnection target = null;
    for (int i = 0; i < boxes.size() && target == null; i++) {
      BoxConnection b = boxes.get(incidentCursor++ % boxes.size());
      if (b.isUp() && !b.incident) {
        target = b;
      }
    }
    if (target == null) {
      return;
    }
    BoxConnection b = target;
    b.incident = true;
    stats.incidents.increment();
    b.box.forceDoorOpen();
    b.event("door-opened", "door contact opened (intrusion)", System.currentTimeMillis());
    b.telemetryNow();
    report(b, "door-opened");
    long step = Math.max(1, args.incidentStep().toMillis());
    vertx.setTimer(step, t1 -> {
      b.box.moveFromHome(args.incidentMoveMeters(), rng.nextDouble() * 2 * Math.PI);
      b.gpsNow(5);
      report(b, "moved");
      vertx.setTimer(step, t2 -> {
        if (b.killSocket()) {
          report(b, "socket-killed");
        }
      });
    });
  }

  private void report(BoxConnection b, String step) {
    out.accept("incident box=" + b.box.id + " step=" + step + " atMs=" + System.currentTimeMillis());
  }
}
