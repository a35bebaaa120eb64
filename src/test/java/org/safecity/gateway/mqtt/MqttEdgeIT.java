package org.safecity.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.testing.Cli;
import org.safecity.gateway.testing.EventWatch;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/** The MQTT edge against Debian's mosquitto clients (3.1.1 and 5), with a real PostgreSQL. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MqttEdgeIT {
  static final Duration T = Duration.ofSeconds(20);
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static EventWatch events;
  static int mqttPort;

  static final String TELEMETRY = "{\"mainsPower\":true,\"batteryPercent\":97.5,\"door\":\"closed\",\"tamper\":false}";

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    Path devices = dir.resolve("devices.yaml");
    StringBuilder y = new StringBuilder("boxes:\n");
    for (int i = 1; i <= 9; i++) {
      y.append("  - id: box-").append(i).append("\n    secret: \"secret-").append(i).append("\"\n    region: south\n")
          .append("    location: { lat: 24.8135, lon: 67.0302 }\n    geofenceMeters: 50\n    cameras: []\n");
    }
    y.append("cameras: []\n");
    Files.writeString(devices, y);
    mqttPort = Ports.free();
    gateway = Gateway.start(ConfigLoader.load(Optional.empty(), Map.of(
        "SAFECITY_STORE_URL", postgres.url(),
        "SAFECITY_DATA_DIR", dir.resolve("data").toString(),
        "SAFECITY_HTTP_PORT", String.valueOf(Ports.free()),
        "SAFECITY_MQTT_PORT", String.valueOf(mqttPort),
        "SAFECITY_DEVICES_FILE", devices.toString(),
        "SAFECITY_HEALTH_BOX_SILENT_AFTER", "2s")));
    events = new EventWatch(gateway.eventLog());
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }

  static Cli.Result pub(String version, String box, String secret, String topic, String message, String... extra)
      throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort),
        "-V", version, "-u", box, "-P", secret, "-i", box, "-q", "1", "-d", "-t", topic));
    cmd.addAll(List.of(extra));
    if (message != null) {
      cmd.addAll(List.of("-m", message));
    }
    return Cli.run(T, null, cmd.toArray(String[]::new));
  }

  static List<LoggedEvent> of(String type, String box, long after) throws Exception {
    return events.all().stream().filter(e -> e.id() > after && e.type().equals(type) && e.source().equals(box)).toList();
  }

  @Test
  void goodCredentialsStoreTheMessageOnBothProtocolVersions() throws Exception {
    long before = events.lastId();
    for (String v : List.of("mqttv311", "mqttv5")) {
      Cli.Result r = pub(v, "box-1", "secret-1", "boxes/box-1/telemetry", TELEMETRY);
      assertThat(r.exit()).as(r.output()).isZero();
      assertThat(r.output()).contains("received PUBACK");
    }
    List<LoggedEvent> stored = of("box.telemetry", "box-1", before);
    assertThat(stored).hasSize(2);
    assertThat(stored.get(0).body()).containsEntry("batteryPercent", 97.5).containsEntry("door", "closed");
    assertThat(stored.get(0).region()).isEqualTo("south");
  }

  @Test
  void wrongCredentialsGetNotAuthorized() throws Exception {
    Cli.Result v3 = pub("mqttv311", "box-2", "wrong", "boxes/box-2/telemetry", TELEMETRY);
    assertThat(v3.exit()).isNotZero();
    assertThat(v3.output()).containsIgnoringCase("not authori");
    Cli.Result v5 = pub("mqttv5", "box-2", "wrong", "boxes/box-2/telemetry", TELEMETRY);
    assertThat(v5.exit()).isNotZero();
    assertThat(v5.output()).containsIgnoringCase("not authori");
    Cli.Result unknown = pub("mqttv5", "box-404", "secret-1", "boxes/box-404/telemetry", TELEMETRY);
    assertThat(unknown.exit()).isNotZero();
    Cli.Result none = Cli.run(T, null, "mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-V", "mqttv5",
        "-q", "1", "-t", "boxes/box-2/telemetry", "-m", TELEMETRY);
    assertThat(none.exit()).isNotZero();
  }

  @Test
  void anotherBoxsTopicIsRefused() throws Exception {
    long before = events.lastId();
    Cli.Result v5 = pub("mqttv5", "box-3", "secret-3", "boxes/box-4/telemetry", TELEMETRY);
    assertThat(v5.output()).contains("received PUBACK").contains("RC:135"); // 0x87 not authorized
    Cli.Result v3 = pub("mqttv311", "box-3", "secret-3", "boxes/box-4/telemetry", TELEMETRY);
    assertThat(v3.output()).doesNotContain("received PUBACK");
    Cli.Result unknownTopic = pub("mqttv5", "box-3", "secret-3", "boxes/box-3/secrets", TELEMETRY);
    assertThat(unknownTopic.output()).contains("RC:135");
    Cli.Result sub = Cli.run(T, null, "mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-V", "mqttv5",
        "-u", "box-3", "-P", "secret-3", "-i", "box-3", "-t", "boxes/#", "-W", "2", "-d");
    assertThat(sub.output()).contains("received SUBACK").contains("135");
    assertThat(of("box.telemetry", "box-4", before)).isEmpty();
    assertThat(of("box.telemetry", "box-3", before)).isEmpty();
  }

  @Test
  void malformedAndOversizedPayloadsAreDeadLetteredAndTheConnectionKeepsWorking() throws Exception {
    long before = events.lastId();
    String big = "{\"mainsPower\":true,\"batteryPercent\":1,\"door\":\"open\",\"tamper\":false,\"x\":\"" + "a".repeat(9000) + "\"}";
    // One connection, four messages (-l: one per line): malformed, wrong type, oversized, then a good one.
    String lines = "{not json\n{\"mainsPower\":\"yes\",\"batteryPercent\":50,\"door\":\"open\",\"tamper\":false}\n" + big + "\n"
        + TELEMETRY + "\n";
    Cli.Result r = Cli.run(T, lines, "mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-V", "mqttv5",
        "-u", "box-5", "-P", "secret-5", "-i", "box-5", "-q", "1", "-d", "-t", "boxes/box-5/telemetry", "-l");
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output().split("RC:153", -1)).as(r.output()).hasSize(4); // three PUBACKs with 0x99
    assertThat(r.output()).doesNotContain("received DISCONNECT");
    assertThat(of("box.telemetry", "box-5", before)).hasSize(1);

    var rows = Blocking.await(gateway.database().pool()
        .query("SELECT reason, detail, length(payload) FROM dead_letters WHERE box_id = 'box-5' ORDER BY id").execute(), T, "dead");
    // Each dead letter is its own insert on the pool, so their ids need not follow the messages' order.
    java.util.Map<String, String> details = new java.util.HashMap<>();
    rows.forEach(row -> details.put(row.getString(0), row.getString(1)));
    assertThat(details).containsOnlyKeys("NOT_JSON", "SCHEMA", "TOO_LARGE");
    assertThat(rows.size()).isEqualTo(3);
    assertThat(details.get("SCHEMA")).contains("mainsPower");
    assertThat(details.get("TOO_LARGE")).contains("8192");
  }

  @Test
  void killedClientWithAWillRaisesOfflineWithinTheKeepaliveBound() throws Exception {
    long before = events.lastId();
    Process sub = Cli.start("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-V", "mqttv311",
        "-u", "box-6", "-P", "secret-6", "-i", "box-6", "-k", "5", "-t", "boxes/box-6/cmd",
        "--will-topic", "boxes/box-6/status", "--will-payload", "{\"online\":false}", "--will-qos", "1");
    events.await(before, T, "box-6 online", e -> e.type().equals("box.online") && e.source().equals("box-6"));
    Instant killed = Instant.now();
    sub.toHandle().destroyForcibly(); // SIGKILL: no DISCONNECT
    LoggedEvent offline = events.await(before, T, "box-6 offline",
        e -> e.type().equals("box.offline") && e.source().equals("box-6"));
    // The bound is keepalive × 1.5 (7.5 s); a killed process's socket is closed by its kernel, so it is seen at once.
    assertThat(Duration.between(killed, offline.at())).isLessThan(Duration.ofMillis(7500));
    assertThat(offline.body().toString()).containsIgnoringCase("will");
    events.await(before, T, "box-offline alarm", EventWatch.alarm("box-offline", "box-6"));
  }

  @Test
  void silenceRaisesAnAlarmWithinTheBound() throws Exception {
    long before = events.lastId();
    // One connection that stays up on keepalive pings; a ping is not a message, so the box falls silent.
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      var client = io.vertx.mqtt.MqttClient.create(vertx, new io.vertx.mqtt.MqttClientOptions().setClientId("box-7")
          .setUsername("box-7").setPassword("secret-7").setKeepAliveInterval(5).setAutoKeepAlive(true));
      Blocking.await(client.connect(mqttPort, "127.0.0.1"), T, "connect");
      Blocking.await(client.publish("boxes/box-7/telemetry", io.vertx.core.buffer.Buffer.buffer(TELEMETRY),
          io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, false, false), T, "publish");
      LoggedEvent last = events.await(before, T, "telemetry", e -> e.type().equals("box.telemetry") && e.source().equals("box-7"));
      LoggedEvent silent = events.await(before, T, "box-7 silent", EventWatch.alarm("box-silent", "box-7"));
      Duration took = Duration.between(last.at(), silent.at());
      // Bound: health.boxSilentAfter (2 s) + one tick (1 s), plus up to 500 ms for a late timer on a busy
      // 2-core CI machine (the tick's own time is what the alarm carries).
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(2)).isLessThanOrEqualTo(Duration.ofMillis(3500));
      assertThat(client.isConnected()).isTrue();
      Blocking.await(client.disconnect(), T, "disconnect");
    } finally {
      Blocking.await(vertx.close(), T, "close");
    }
  }

  @Test
  void queuedCommandReachesAPersistentSessionAfterReconnect() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      var options = new io.vertx.mqtt.MqttClientOptions().setClientId("box-8").setUsername("box-8").setPassword("secret-8")
          .setCleanSession(false);
      var first = io.vertx.mqtt.MqttClient.create(vertx, options);
      var ack = Blocking.await(first.connect(mqttPort, "127.0.0.1"), T, "connect");
      assertThat(ack.code()).isEqualTo(io.netty.handler.codec.mqtt.MqttConnectReturnCode.CONNECTION_ACCEPTED);
      Blocking.await(first.subscribe("boxes/box-8/cmd", 1), T, "subscribe");
      Blocking.await(first.disconnect(), T, "disconnect");

      // While the box is away, an operator asks for its siren.
      var cmd = Blocking.await(gateway.commands().submit("box-8",
          new io.vertx.core.json.JsonObject().put("action", "siren-on").put("durationSeconds", 30), "operator-1", "south"), T, "submit");
      assertThat(cmd.status()).isEqualTo(BoxCommands.QUEUED);

      var received = new java.util.concurrent.CompletableFuture<io.vertx.core.json.JsonObject>();
      var second = io.vertx.mqtt.MqttClient.create(vertx, options);
      second.publishHandler(m -> received.complete(m.payload().toJsonObject()));
      var ack2 = Blocking.await(second.connect(mqttPort, "127.0.0.1"), T, "reconnect");
      assertThat(ack2.isSessionPresent()).as("session present").isTrue();
      var delivered = received.get(20, TimeUnit.SECONDS); // no new SUBSCRIBE: the session remembered it
      assertThat(delivered.getString("commandId")).isEqualTo(cmd.commandId());
      assertThat(delivered.getString("action")).isEqualTo("siren-on");

      long before = 0;
      events.await(before, T, "delivered", e -> e.type().equals("box.command-delivered")
          && cmd.commandId().equals(e.body().get("commandId")));
      Blocking.await(second.publish("boxes/box-8/events", io.vertx.core.buffer.Buffer.buffer(
          new io.vertx.core.json.JsonObject().put("type", "cmd-result").put("commandId", cmd.commandId())
              .put("status", "ok").encode()), io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, false, false), T, "result");
      events.await(before, T, "result", e -> e.type().equals("box.command-result")
          && cmd.commandId().equals(e.body().get("commandId")) && "ok".equals(e.body().get("status")));
      assertThat(Blocking.await(gateway.commands().get(cmd.commandId()), T, "get").status()).isEqualTo(BoxCommands.DELIVERED);
      Blocking.await(second.disconnect(), T, "disconnect");
    } finally {
      Blocking.await(vertx.close(), T, "close");
    }
  }

  @Test
  void qos2IsStoredOnce() throws Exception {
    long before = events.lastId();
    Cli.Result r = Cli.run(T, null, "mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-V", "mqttv5",
        "-u", "box-9", "-P", "secret-9", "-i", "box-9", "-q", "2", "-d", "-t", "boxes/box-9/gps",
        "-m", "{\"lat\":24.8136,\"lon\":67.0301,\"accuracyMeters\":4}");
    assertThat(r.output()).contains("received PUBREC").contains("received PUBCOMP");
    assertThat(of("box.gps", "box-9", before)).hasSize(1);
  }

  @Test
  void doorOpenThenMovedThenGoneIsOneTheftAlarm() throws Exception {
    long before = events.lastId();
    // A raw MQTT 3.1.1 session, so the socket can die without a DISCONNECT, as when a box is ripped out.
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", mqttPort)) {
      s.setSoTimeout(5000);
      var out = s.getOutputStream();
      out.write(MqttBadInputIT.connect("box-4", "box-4", "secret-4"));
      byte[] connack = s.getInputStream().readNBytes(4);
      assertThat(connack[0]).isEqualTo((byte) 0x20);
      assertThat(connack[3]).as("CONNACK return code").isZero();
      out.write(MqttBadInputIT.publishQos1("boxes/box-4/telemetry",
          "{\"mainsPower\":true,\"batteryPercent\":90,\"door\":\"open\",\"tamper\":false}", 1));
      out.write(MqttBadInputIT.publishQos1("boxes/box-4/gps", "{\"lat\":24.8200,\"lon\":67.0302,\"accuracyMeters\":5}", 2));
      out.flush();
      byte[] acks = s.getInputStream().readNBytes(8); // two PUBACKs
      assertThat(acks[0]).isEqualTo((byte) 0x40);
      assertThat(acks[4]).isEqualTo((byte) 0x40);
      events.await(before, T, "door alarm", EventWatch.alarm("door-open", "box-4"));
      events.await(before, T, "moved alarm", EventWatch.alarm("box-moved", "box-4"));
      s.setSoLinger(true, 0); // close with RST: no DISCONNECT
    }
    LoggedEvent theft = events.await(before, T, "theft", EventWatch.alarm("theft-suspected", "box-4"));
    assertThat(theft.body().get("severity")).isEqualTo("CRITICAL");
    List<LoggedEvent> after = events.all().stream().filter(e -> e.id() > before && "box-4".equals(e.source())).toList();
    // A box-4 never seen since start may have had its "offline (never-seen)" alarm just before it connected;
    // what must not exist is an offline alarm for the ripped-out connection.
    assertThat(after).filteredOn(e -> e.type().equals("alarm.raised"))
        .filteredOn(e -> !String.valueOf(e.body().get("summary")).contains("never-seen"))
        .extracting(e -> e.body().get("kind"))
        .as("one theft alarm, not a separate offline alarm").containsOnlyOnce("theft-suspected").doesNotContain("box-offline");
  }

  @Test
  void editingTheDevicesFileAdmitsANewBoxWithoutARestart() throws Exception {
    Cli.Result before = pub("mqttv5", "box-10", "secret-10", "boxes/box-10/telemetry", TELEMETRY);
    assertThat(before.exit()).as("unknown box refused").isNotZero();
    Path devices = dir.resolve("devices.yaml");
    String text = Files.readString(devices).replace("cameras: []\ncameras: []\n", "cameras: []\n"
        + "  - id: box-10\n    secret: \"secret-10\"\n    region: east\n"
        + "    location: { lat: 24.86, lon: 67.01 }\n    cameras: []\ncameras: []\n");
    assertThat(text).contains("box-10");
    Files.writeString(devices, text);
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Cli.Result after = null;
    while (System.nanoTime() < end) {
      after = pub("mqttv5", "box-10", "secret-10", "boxes/box-10/telemetry", TELEMETRY);
      if (after.exit() == 0) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(after.exit()).as(after.output()).isZero();
    assertThat(gateway.registry().box("box-10")).get().extracting(b -> b.region()).isEqualTo("east");
  }

  @Test
  void aSecondConnectionOfABoxTakesOverTheFirstOnAnyEventLoop() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      // The edge runs one instance per core: successive connections land on different event loops.
      List<io.vertx.mqtt.MqttClient> clients = new java.util.ArrayList<>();
      List<java.util.concurrent.CompletableFuture<Void>> closed = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        var c = io.vertx.mqtt.MqttClient.create(vertx, new io.vertx.mqtt.MqttClientOptions().setClientId("box-2-" + i)
            .setUsername("box-2").setPassword("secret-2"));
        var f = new java.util.concurrent.CompletableFuture<Void>();
        c.closeHandler(v -> f.complete(null));
        Blocking.await(c.connect(mqttPort, "127.0.0.1"), T, "connect " + i);
        clients.add(c);
        closed.add(f);
        if (i > 0) {
          closed.get(i - 1).get(10, TimeUnit.SECONDS); // the previous one was taken over
        }
      }
      var last = clients.get(3);
      assertThat(last.isConnected()).isTrue();
      long before = events.lastId();
      Blocking.await(last.publish("boxes/box-2/telemetry", io.vertx.core.buffer.Buffer.buffer(TELEMETRY),
          io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, false, false), T, "publish");
      events.await(before, T, "telemetry from the survivor", e -> e.type().equals("box.telemetry") && e.source().equals("box-2"));
      Blocking.await(last.disconnect(), T, "disconnect");
    } finally {
      Blocking.await(vertx.close(), T, "close");
    }
  }
}
