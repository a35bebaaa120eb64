package org.safecity.load;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttConnectionException;
import io.vertx.mqtt.messages.MqttPublishMessage;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;

/**
 * One simulated box's MQTT session: connect with its credentials and a last will, announce itself online
 * (retained), subscribe to its command topic, publish what its {@link SimBox} produces, reconnect when
 * the link is lost. Every method runs on its shard's event loop; nothing here blocks or locks.
 *
 * <p>Kept small on purpose (a simulator process holds thousands): the {@link MqttClient} exists only
 * while a connection does, and the publish-time ring only where acknowledgement latency is measured.
 */
final class BoxConnection {

  private static final byte DOWN = 0;
  private static final byte CONNECTING = 1;
  private static final byte UP = 2;

  /** vertx-mqtt has no "drop the socket without DISCONNECT"; its private socket field does (see killSocket). */
  private static final Field SOCKET_FIELD = socketField();

  final SimBox box;
  private final Shard shard;
  private MqttClient client;
  private byte state = DOWN;
  /** False once we disconnect on purpose: no reconnect, and the close is not "lost". */
  private boolean wanted = true;
  /** Set while we kill our own socket, so that close is counted as killed, not lost. */
  private boolean killing;
  /** A box that went through a scripted incident stays dark (it was stolen). */
  boolean incident;
  private boolean everConnected;
  private int gpsCountdown;
  /** Send times (nanoTime) of unacknowledged QoS 1/2 publishes, oldest first: MQTT acks them in order. */
  private long[] sendTimes;
  private int sendHead;
  private int sendCount;
  /** Acks to skip before measuring: the retained status publish of this connection. */
  private int uncountedAcks;

  BoxConnection(SimBox box, Shard shard, int gpsCountdown) {
    this.box = box;
    this.shard = shard;
    this.gpsCountdown = gpsCountdown;
  }

  boolean isUp() {
    return state == UP;
  }

  /** Opens the MQTT session (paced by the shard). */
  void connect() {
    if (state != DOWN || !wanted) {
      return;
    }
    state = CONNECTING;
    SimStats stats = shard.stats;
    MqttClient c = MqttClient.create(shard.vertx(), shard.clientOptions(box));
    client = c;
    c.publishHandler(this::onMessage);
    c.publishCompletionHandler(id -> onAck(c));
    c.closeHandler(v -> onClosed(c));
    c.exceptionHandler(e -> {
      // a connection-level error is followed by a close, which is what we count
    });
    stats.attempts.increment();
    stats.pendingConnects.incrementAndGet();
    shard.pending++;
    long t0 = System.nanoTime();
    c.connect(shard.args.port(), shard.args.host()).onComplete(ar -> {
      stats.pendingConnects.decrementAndGet();
      shard.pending--;
      if (client != c) {
        return;
      }
      if (ar.succeeded()) {
        stats.connectLatency.recordNanos(System.nanoTime() - t0);
        onConnected(c);
      } else {
        state = DOWN;
        client = null;
        stats.failures.increment();
        Throwable e = ar.cause();
        if (e instanceof MqttConnectionException) {
          stats.refused.increment();
          stats.sampleFailure("refused: " + ((MqttConnectionException) e).code());
        } else {
          stats.sampleFailure(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (wanted) {
          shard.scheduleReconnect(this);
        }
      }
    });
  }

  private void onConnected(MqttClient c) {
    state = UP;
    SimStats stats = shard.stats;
    stats.connected.incrementAndGet();
    if (!everConnected) {
      everConnected = true;
      stats.connectedOnce.incrementAndGet();
      stats.lastFirstConnackMillis.accumulateAndGet(System.currentTimeMillis(), Math::max);
    }
    if (!wanted) {
      c.disconnect();
      return;
    }
    sendCount = 0;
    sendHead = 0;
    uncountedAcks = 0;
    c.subscribe(Payloads.topic(box.id, "cmd"), 1);
    if (publish("status", Payloads.status(true), 1, true)) {
      uncountedAcks = 1;
    }
    if (shard.args.scenario() == SimulatorArgs.Scenario.THROUGHPUT) {
      for (int i = 0; i < shard.args.inflight(); i++) {
        publish("telemetry", box.telemetry(System.currentTimeMillis(), shard.rng), 1, false);
      }
    }
  }

  private void onClosed(MqttClient c) {
    if (client != c) {
      return;
    }
    client = null;
    boolean wasUp = state == UP;
    state = DOWN;
    sendCount = 0;
    SimStats stats = shard.stats;
    if (wasUp) {
      stats.connected.decrementAndGet();
    }
    if (killing) {
      killing = false;
      stats.killed.increment();
    } else if (wanted) {
      stats.lost.increment();
    }
    if (wanted && !incident) {
      shard.scheduleReconnect(this);
    }
  }

  private void onAck(MqttClient c) {
    if (client != c) {
      return;
    }
    SimStats stats = shard.stats;
    long now = System.nanoTime();
    long sent = 0;
    if (sendCount > 0) {
      sent = sendTimes[sendHead];
      sendHead = (sendHead + 1) % sendTimes.length;
      sendCount--;
    }
    if (uncountedAcks > 0) {
      uncountedAcks--;
      return;
    }
    stats.acked.increment();
    boolean throughput = shard.args.scenario() == SimulatorArgs.Scenario.THROUGHPUT;
    if (!throughput || stats.inWindow(now)) {
      if (sent != 0) {
        stats.ackLatency.recordNanos(now - sent);
      }
      if (throughput) {
        stats.measuredAcked.increment();
      }
    }
    if (throughput && state == UP && wanted && !shard.stopping) {
      publish("telemetry", box.telemetry(System.currentTimeMillis(), shard.rng), 1, false);
    }
  }

  /** Answers {@code boxes/<id>/cmd} with a {@code cmd-result} event. */
  private void onMessage(MqttPublishMessage m) {
    if (!m.topicName().endsWith("/cmd")) {
      return;
    }
    shard.stats.commands.increment();
    String commandId = null;
    try {
      JsonObject cmd = new JsonObject(m.payload().toString(StandardCharsets.UTF_8));
      Object id = cmd.getValue("commandId", cmd.getValue("id"));
      commandId = id == null ? null : id.toString();
    } catch (RuntimeException e) {
      // not JSON: nothing to answer to
    }
    if (commandId != null) {
      publish("events", Payloads.cmdResult(commandId, true, System.currentTimeMillis()), 1, false);
      shard.stats.events.increment();
    }
  }

  /** One tick of the telemetry scenario: step the physics, publish what happened, then the telemetry. */
  void tick(long now) {
    if (state != UP) {
      return;
    }
    int events = box.step(now, shard.rng, shard.args.behaviour());
    if (events != 0) {
      if ((events & SimBox.DOOR_OPENED) != 0) {
        event("door-opened", "door contact opened", now);
      }
      if ((events & SimBox.DOOR_CLOSED) != 0) {
        event("door-closed", "door contact closed", now);
      }
      if ((events & SimBox.MAINS_LOST) != 0) {
        event("mains-lost", "mains input 0 V, running on battery", now);
      }
      if ((events & SimBox.MAINS_RESTORED) != 0) {
        event("mains-restored", "mains input back", now);
      }
      if ((events & SimBox.BATTERY_LOW) != 0) {
        event("battery-low", "battery at " + Math.round(box.batteryPercent) + " %", now);
      }
    }
    publish("telemetry", box.telemetry(now, shard.rng), shard.args.qos(), false);
    if (--gpsCountdown <= 0) {
      gpsCountdown = shard.gpsEveryTicks;
      publish("gps", box.gps(now, shard.rng), shard.args.qos(), false);
    }
  }

  boolean event(String type, String detail, long now) {
    shard.stats.events.increment();
    return publish("events", Payloads.event(type, now, detail), 1, false);
  }

  boolean telemetryNow() {
    return publish("telemetry", box.telemetry(System.currentTimeMillis(), shard.rng), 1, false);
  }

  /** A GPS fix at the box's current position with no jitter (used when a box is carried off). */
  boolean gpsNow(int accuracyMeters) {
    return publish("gps", Payloads.gps(box.lat, box.lon, accuracyMeters, System.currentTimeMillis()), 1, false);
  }

  /** Publishes on {@code boxes/<id>/<leaf>}; false when not connected or the client refused it. */
  boolean publish(String leaf, String payload, int qos, boolean retain) {
    MqttClient c = client;
    if (state != UP || c == null) {
      return false;
    }
    Future<Integer> f;
    try {
      f = c.publish(Payloads.topic(box.id, leaf), Buffer.buffer(payload), MqttQoS.valueOf(qos), false, retain);
    } catch (RuntimeException e) {
      shard.stats.publishErrors.increment();
      return false;
    }
    if (f.failed()) {
      shard.stats.publishErrors.increment();
      shard.stats.sampleFailure("publish: " + f.cause().getMessage());
      return false;
    }
    if (qos > 0) {
      pushSendTime(System.nanoTime());
    }
    shard.stats.published.increment();
    return true;
  }

  private void pushSendTime(long t) {
    if (sendTimes == null) {
      sendTimes = new long[Math.max(4, shard.args.inflight() + 2)];
    } else if (sendCount == sendTimes.length) {
      long[] bigger = new long[sendTimes.length * 2];
      for (int i = 0; i < sendCount; i++) {
        bigger[i] = sendTimes[(sendHead + i) % sendTimes.length];
      }
      sendTimes = bigger;
      sendHead = 0;
    }
    sendTimes[(sendHead + sendCount) % sendTimes.length] = t;
    sendCount++;
  }

  /**
   * Drops the TCP connection without an MQTT DISCONNECT, as a cut cable or a pulled plug would (the
   * broker then sees an unexpected close and publishes the last will). Returns false when not connected.
   */
  boolean killSocket() {
    MqttClient c = client;
    if (state != UP || c == null) {
      return false;
    }
    try {
      NetSocket socket = (NetSocket) SOCKET_FIELD.get(c);
      if (socket == null) {
        return false;
      }
      killing = true;
      socket.close();
      return true;
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot reach the MQTT client's socket", e);
    }
  }

  /** Clean MQTT DISCONNECT; the box will not reconnect. */
  Future<Void> disconnect() {
    wanted = false;
    MqttClient c = client;
    if (c == null) {
      return Future.succeededFuture();
    }
    return c.disconnect();
  }

  private static Field socketField() {
    try {
      Field f = Class.forName("io.vertx.mqtt.impl.MqttClientImpl").getDeclaredField("connection");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
