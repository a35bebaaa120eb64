package org.safecity.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Simulated boxes against an in-process MQTT server on loopback: what a broker sees from them. */
class BoxConnectionTest {

  private Vertx vertx;
  private int port;
  private final Map<String, JsonObject> connects = new ConcurrentHashMap<>();
  private final List<String> published = new CopyOnWriteArrayList<>();
  private final List<String> closes = new CopyOnWriteArrayList<>();

  @BeforeEach
  void broker() throws Exception {
    vertx = Vertx.vertx();
    MqttServer server = MqttServer.create(vertx, new MqttServerOptions().setHost("127.0.0.1").setPort(0));
    server.endpointHandler(ep -> {
      String id = ep.clientIdentifier();
      connects.put(id, new JsonObject().put("user", ep.auth().getUsername()).put("password", ep.auth().getPassword())
          .put("willTopic", ep.will().getWillTopic())
          .put("will", Buffer.buffer(ep.will().getWillMessageBytes()).toString())
          .put("willRetain", ep.will().isWillRetain()).put("keepalive", ep.keepAliveTimeSeconds()));
      boolean[] clean = new boolean[1];
      ep.accept(false);
      ep.subscribeHandler(s -> {
        published.add(id + " SUB " + s.topicSubscriptions().get(0).topicName());
        ep.subscribeAcknowledge(s.messageId(), List.of(MqttQoS.AT_LEAST_ONCE));
        ep.publish("boxes/" + id + "/cmd", Buffer.buffer("{\"commandId\":\"c-7\",\"type\":\"reboot\"}"),
            MqttQoS.AT_LEAST_ONCE, false, false);
      });
      ep.publishHandler(m -> {
        published.add(m.topicName() + (m.isRetain() ? " RETAIN " : " ") + m.payload());
        if (m.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
          ep.publishAcknowledge(m.messageId());
        }
      });
      ep.disconnectHandler(v -> clean[0] = true);
      ep.closeHandler(v -> closes.add(id + (clean[0] ? " DISCONNECT" : " DROPPED")));
    });
    port = BoxSimulator.await(server.listen(), 10).actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    BoxSimulator.await(vertx.close(), 10);
  }

  private InProcessFleet fleet(int boxes, String... extra) throws Exception {
    List<String> a = new java.util.ArrayList<>(List.of("--port", Integer.toString(port), "--boxes",
        Integer.toString(boxes), "--secret", "s3cret", "--scenario", "idle", "--reconnect-delay", "0"));
    a.addAll(List.of(extra));
    InProcessFleet f = InProcessFleet.connect(a, 10_000);
    assertEquals(boxes, f.connected());
    return f;
  }

  private void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5000;
    while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(condition.getAsBoolean());
  }

  @Test
  void connectsWithCredentialsAndWillThenAnnouncesAndAnswersCommands() throws Exception {
    try (InProcessFleet f = fleet(2, "--keepalive", "20")) {
      JsonObject c = connects.get("box-000001");
      assertEquals("box-000001", c.getString("user"));
      assertEquals("s3cret", c.getString("password"));
      assertEquals("boxes/box-000001/status", c.getString("willTopic"));
      assertEquals("{\"online\":false}", c.getString("will"));
      assertEquals(true, c.getBoolean("willRetain"));
      assertEquals(20, c.getInteger("keepalive"));
      await(() -> published.stream().filter(p -> p.contains("cmd-result")).count() == 2);
      assertTrue(published.contains("boxes/box-000002/status RETAIN {\"online\":true}"));
      assertTrue(published.contains("box-000001 SUB boxes/box-000001/cmd"));
      String answer = published.stream().filter(p -> p.startsWith("boxes/box-000001/events ")).findFirst().orElseThrow();
      JsonObject r = new JsonObject(answer.substring(answer.indexOf('{')));
      assertEquals("cmd-result", r.getString("type"));
      assertEquals("c-7", r.getString("commandId"));
      assertEquals("ok", r.getString("status"));
      await(() -> f.stats.commands.sum() == 2);
    }
    await(() -> closes.size() == 2);
    assertTrue(closes.containsAll(List.of("box-000001 DISCONNECT", "box-000002 DISCONNECT")), closes.toString());
  }

  @Test
  void aKilledSocketIsDroppedWithoutDisconnect() throws Exception {
    try (InProcessFleet f = fleet(2)) {
      boolean killed = f.<Boolean>on("box-000002", bc -> {
        bc.box.forceDoorOpen();
        bc.event("door-opened", "probe", System.currentTimeMillis());
        bc.box.moveFromHome(200, 0);
        bc.gpsNow(5);
        return bc.killSocket();
      });
      assertTrue(killed);
      await(() -> closes.contains("box-000002 DROPPED"));
      await(() -> f.stats.killed.sum() == 1);
      assertEquals(0, f.stats.lost.sum(), "our own kill is not a lost connection");
      String gps = published.stream().filter(p -> p.startsWith("boxes/box-000002/gps ")).findFirst().orElseThrow();
      JsonObject fix = new JsonObject(gps.substring(gps.indexOf('{')));
      double[] home = Fleet.home("south", 2);
      assertEquals(200, Fleet.distanceMeters(home[0], home[1], fix.getDouble("lat"), fix.getDouble("lon")), 1.0);
    }
    await(() -> closes.contains("box-000001 DISCONNECT"));
  }
}
