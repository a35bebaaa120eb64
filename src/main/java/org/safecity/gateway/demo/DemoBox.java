package org.safecity.gateway.demo;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated street box on MQTT, as the device contract ({@code api-spec/asyncapi.yaml}) describes it: logs in
 * with its id and secret, announces itself online (retained) with the offline status as its last will, answers
 * commands, and reports telemetry (mains, a battery that charges and drains, cabinet temperature through the day,
 * door, tamper) and GPS fixes. The physics are the load tests' {@code SimBox}, with time sped up where the demo
 * needs a battery to run down within minutes.
 *
 * <p>The scripted incidents drive it: {@link #openDoor}, {@link #carryOff}, {@link #goDark} (power and link cut:
 * nothing more is sent, not even a ping, so the gateway finds it gone when the keepalive runs out, as with a real
 * stolen box), {@link #recover}, {@link #mainsLost}, {@link #mainsRestored}. Everything runs on the verticle's
 * context; those methods hop onto it.
 */
final class DemoBox extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DemoBox.class);
  /** Telemetry period on mains, and on battery (often enough for the gateway to fit the discharge). */
  static final Duration TELEMETRY_EVERY = Duration.ofSeconds(5);
  static final Duration TELEMETRY_ON_BATTERY = Duration.ofSeconds(2);
  static final int GPS_EVERY_TELEMETRY = 12;
  /** Demo time: a battery that would last eight hours drains in about six minutes, and charges in about two. */
  static final double DRAIN_PER_SECOND = 0.25;
  static final double CHARGE_PER_SECOND = 0.8;
  /** Long enough for a restored camera to stream again and for the gateway's next health tick to see it. */
  static final Duration CAMERAS_FIRST = Duration.ofSeconds(3);
  private static final long RETRY_MIN_MS = 1_000;
  private static final long RETRY_MAX_MS = 30_000;

  final CityPlan.BoxPlan plan;
  final List<DemoCamera> cameras;
  private final String host;
  private final int port;
  private final boolean tls;
  private final Duration keepalive;
  private final SplittableRandom random;

  private MqttClient client;
  private boolean connected;
  private boolean stopped;
  /** Stolen: sends nothing and does not reconnect until recovered. */
  private boolean dark;
  private boolean everConnected;
  private int failures;

  private boolean mains = true;
  /** Volatile: the script reads it for its log lines. */
  private volatile double batteryPercent;
  private boolean doorOpen;
  private double lat;
  private double lon;
  private long seq;
  private long lastStepMillis;
  private int gpsCountdown;
  private long telemetryTimer = -1;
  private long pingTimer = -1;
  private volatile boolean online;

  DemoBox(CityPlan.BoxPlan plan, List<DemoCamera> cameras, String host, int port, boolean tls, Duration keepalive,
          long seed) {
    this.plan = plan;
    this.cameras = List.copyOf(cameras);
    this.host = host;
    this.port = port;
    this.tls = tls;
    this.keepalive = keepalive;
    this.random = new SplittableRandom(seed);
    this.lat = plan.lat();
    this.lon = plan.lon();
    this.batteryPercent = 85 + random.nextInt(16);
    this.gpsCountdown = 1 + random.nextInt(GPS_EVERY_TELEMETRY);
  }

  @Override
  public Future<?> start() {
    connect();
    schedule(TELEMETRY_EVERY);
    long ping = Math.max(500, keepalive.toMillis() / 2);
    // vertx-mqtt's own keepalive is off (a stolen box must fall silent): pings are ours, and stop with the box.
    pingTimer = vertx.setPeriodic(ping, t -> {
      if (connected && !dark && client != null) {
        client.ping();
      }
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    online = false;
    MqttClient c = client;
    client = null;
    if (c != null && connected && !dark) {
      return c.disconnect().recover(e -> Future.succeededFuture());
    }
    return Future.succeededFuture();
  }

  boolean online() {
    return online;
  }

  // ------------------------------------------------------------------------------------ scripted steps

  /** Someone opens the cabinet: door-opened event and telemetry with the door open. */
  Future<Void> openDoor() {
    return on(() -> {
      doorOpen = true;
      event("door-opened", "door contact opened");
      telemetry();
    });
  }

  /** The box is carried {@code meters} away: its GPS says so. */
  Future<Void> carryOff(double meters) {
    return on(() -> {
      double[] p = CityPlan.offset(plan.lat(), plan.lon(), meters, random.nextDouble() * 2 * Math.PI);
      lat = p[0];
      lon = p[1];
      gps(5);
    });
  }

  /** Power and link are cut: the box and its cameras fall silent, no goodbye. */
  Future<Void> goDark() {
    return on(() -> {
      dark = true;
      online = false;
      cameras.forEach(DemoCamera::cut);
    });
  }

  /**
   * Found and put back: home again, door shut, cameras streaming, reconnected. The cameras come back first, so
   * that when the box is online again (and theft no longer explains them) the gateway already sees them stream.
   */
  Future<Void> recover() {
    return on(() -> cameras.forEach(DemoCamera::restore))
        .compose(v -> vertx.timer(cameras.isEmpty() ? 1 : CAMERAS_FIRST.toMillis()))
        .compose(v -> on(() -> {
          dark = false;
          doorOpen = false;
          lat = plan.lat();
          lon = plan.lon();
          if (connected) {
            telemetry();
            gps(4);
          } else if (client == null) {
            failures = 0;
            connect();
          }
        }));
  }

  /** Mains fail: the box runs on its battery and says so, reporting more often. */
  Future<Void> mainsLost() {
    return on(() -> {
      mains = false;
      event("mains-lost", "mains input 0 V, running on battery");
      telemetry();
      schedule(TELEMETRY_ON_BATTERY);
    });
  }

  Future<Void> mainsRestored() {
    return on(() -> {
      mains = true;
      event("mains-restored", "mains input back");
      telemetry();
      schedule(TELEMETRY_EVERY);
    });
  }

  double batteryPercent() {
    return batteryPercent;
  }

  private Future<Void> on(Runnable r) {
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> {
      if (!stopped) {
        r.run();
      }
      p.complete();
    });
    return p.future();
  }

  // ---------------------------------------------------------------------------------------- MQTT

  private void connect() {
    if (stopped || dark || client != null) {
      return;
    }
    MqttClientOptions o = new MqttClientOptions()
        .setClientId(plan.id())
        .setUsername(plan.id())
        .setPassword(plan.secret())
        .setCleanSession(true)
        .setKeepAliveInterval((int) keepalive.toSeconds())
        .setAutoKeepAlive(false)
        .setWillFlag(true)
        .setWillTopic(topic("status"))
        .setWillMessageBytes(Buffer.buffer(new JsonObject().put("online", false).encode()))
        .setWillQoS(1)
        .setWillRetain(true);
    o.setConnectTimeout(10_000);
    if (tls) {
      // The demo's own gateway, perhaps with a self-signed certificate: the boxes trust it.
      o.setSsl(true);
      o.setTrustAll(true);
    }
    MqttClient c = MqttClient.create(vertx, o);
    client = c;
    c.publishHandler(this::command);
    c.closeHandler(v -> closed(c));
    c.exceptionHandler(e -> LOG.debug("demo box {}: {}", plan.id(), e.getMessage()));
    c.connect(port, host).onComplete(ar -> {
      if (client != c) {
        return;
      }
      if (ar.failed()) {
        client = null;
        retryLater("connect: " + ar.cause().getMessage());
        return;
      }
      connected = true;
      online = true;
      failures = 0;
      c.subscribe(topic("cmd"), 1);
      publish("status", new JsonObject().put("online", true), true);
      if (!everConnected) {
        everConnected = true;
        event("reboot", "demo box started");
      }
      telemetry();
      gps(4);
      if (dark) {
        online = false;
      }
    });
  }

  private void closed(MqttClient c) {
    if (client != c) {
      return;
    }
    client = null;
    connected = false;
    online = false;
    if (!stopped && !dark) {
      retryLater("the connection closed");
    }
  }

  private void retryLater(String why) {
    failures++;
    long ceiling = Math.min(RETRY_MAX_MS, RETRY_MIN_MS << Math.min(failures - 1, 5));
    long delay = RETRY_MIN_MS + random.nextLong(Math.max(1, ceiling - RETRY_MIN_MS + 1));
    if (failures == 1 || failures % 10 == 0) {
      LOG.info("demo box {}: {}; retrying in {} ms", plan.id(), why, delay);
    }
    vertx.setTimer(delay, t -> connect());
  }

  /** Answers a command on {@code boxes/<id>/cmd} with a {@code cmd-result}: the demo box does what it is told. */
  private void command(MqttPublishMessage m) {
    String commandId;
    try {
      commandId = m.payload().toJsonObject().getString("commandId");
    } catch (RuntimeException e) {
      return;
    }
    if (commandId != null) {
      publish("events", new JsonObject().put("type", "cmd-result").put("ts", now()).put("commandId", commandId)
          .put("status", "ok"), false);
    }
  }

  // ------------------------------------------------------------------------------------- telemetry

  private void schedule(Duration every) {
    if (telemetryTimer >= 0) {
      vertx.cancelTimer(telemetryTimer);
    }
    telemetryTimer = vertx.setPeriodic(every.toMillis(), t -> {
      step();
      telemetry();
      if (--gpsCountdown <= 0) {
        gpsCountdown = GPS_EVERY_TELEMETRY;
        gps(3 + random.nextInt(6));
      }
    });
  }

  /** Advances the battery to now: it charges on mains and drains without. */
  private void step() {
    long now = System.currentTimeMillis();
    double dt = lastStepMillis == 0 ? 0 : (now - lastStepMillis) / 1000.0;
    lastStepMillis = now;
    batteryPercent = mains ? Math.min(100, batteryPercent + CHARGE_PER_SECOND * dt)
        : Math.max(0, batteryPercent - DRAIN_PER_SECOND * dt);
  }

  /** Terminal voltage of the 12 V battery: charge voltage on mains, resting voltage by charge without. */
  private double batteryVolts() {
    return mains ? 13.2 + 0.6 * (100 - batteryPercent) / 100 : 11.8 + 1.0 * batteryPercent / 100;
  }

  /** Cabinet temperature: a daily curve peaking mid-afternoon in Karachi (UTC+5), per-box offset, some noise. */
  private double temperatureC() {
    double hour = (System.currentTimeMillis() / 3_600_000.0 + 5) % 24;
    double curve = 27 + 7 * Math.sin(2 * Math.PI * (hour - 9) / 24);
    return curve + (plan.id().hashCode() % 7) * 0.3 + (random.nextDouble() - 0.5) * 0.4;
  }

  private void telemetry() {
    publish("telemetry", new JsonObject()
        .put("mainsPower", mains)
        .put("batteryPercent", round(batteryPercent, 1))
        .put("batteryVolts", round(batteryVolts(), 2))
        .put("temperatureC", round(temperatureC(), 1))
        .put("door", doorOpen ? "open" : "closed")
        .put("tamper", false)
        .put("ts", now())
        .put("seq", seq++ & 0xffffffffL), false);
  }

  private void gps(int accuracyMeters) {
    // A few metres of jitter at home; a carried-off box reports where it is.
    double jitter = dark || doorOpen ? 0 : 0.00002;
    publish("gps", new JsonObject()
        .put("lat", round(lat + (random.nextDouble() - 0.5) * jitter, 6))
        .put("lon", round(lon + (random.nextDouble() - 0.5) * jitter, 6))
        .put("accuracyMeters", accuracyMeters)
        .put("ts", now()), false);
  }

  private void event(String type, String detail) {
    publish("events", new JsonObject().put("type", type).put("ts", now()).put("detail", detail), false);
  }

  private void publish(String leaf, JsonObject payload, boolean retain) {
    MqttClient c = client;
    if (!connected || dark || c == null) {
      return; // a box without a link has nobody to tell; its next telemetry says how it is
    }
    c.publish(topic(leaf), payload.toBuffer(), MqttQoS.AT_LEAST_ONCE, false, retain)
        .onFailure(e -> LOG.debug("demo box {}: publish {} failed: {}", plan.id(), leaf, e.getMessage()));
  }

  private String topic(String leaf) {
    return "boxes/" + plan.id() + "/" + leaf;
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static double round(double v, int decimals) {
    double f = Math.pow(10, decimals);
    return Math.round(v * f) / f;
  }
}
