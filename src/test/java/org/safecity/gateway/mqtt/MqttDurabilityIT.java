package org.safecity.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.testing.GatewayProcess;
import org.safecity.gateway.testing.Ports;

/**
 * QoS 1 durability: 10,000 messages from the Vert.x MQTT client while the gateway is killed with SIGKILL
 * midway and restarted on the same data. Every message the gateway PUBACKed must be in the log, none twice.
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS)
class MqttDurabilityIT {
  static final int TOTAL = 10_000;
  static final int WINDOW = 10;

  /** Client state, touched only on the client's event loop. */
  static final class Box {
    final Map<Integer, Integer> inFlight = new HashMap<>(); // packet id -> seq
    final Set<Integer> acked = ConcurrentHashMap.newKeySet();
    final TreeMap<Integer, String> unsent = new TreeMap<>(); // seq -> payload, in order
    MqttClient client;
    volatile boolean connected;
    int sending; // publish calls whose packet id is not known yet
  }

  @Test
  void everyAcknowledgedMessageSurvivesSigkillExactlyOnce() throws Exception {
    Path data = GatewayProcess.tempDir("durable");
    Path devices = data.resolve("devices.yaml");
    Files.writeString(devices, "boxes:\n  - id: box-d1\n    secret: \"durable-secret\"\n    region: east\n"
        + "    location: { lat: 24.86, lon: 67.01 }\n    geofenceMeters: 50\n    cameras: []\ncameras: []\n");
    int http = Ports.free();
    int mqtt = Ports.free();
    Map<String, String> env = Map.of("SAFECITY_DATA_DIR", data.toString(), "SAFECITY_HTTP_PORT", String.valueOf(http),
        "SAFECITY_MQTT_PORT", String.valueOf(mqtt), "SAFECITY_MQTT_ENABLED", "true",
        "SAFECITY_DEVICES_FILE", devices.toString());

    Vertx vertx = Vertx.vertx();
    Box box = new Box();
    String t0 = Instant.parse("2026-11-24T08:00:00Z").toString();
    for (int seq = 0; seq < TOTAL; seq++) {
      box.unsent.put(seq, new JsonObject().put("mainsPower", true).put("batteryPercent", 90).put("door", "closed")
          .put("tamper", false).put("seq", seq).put("ts", t0).encode());
    }

    GatewayProcess gw = GatewayProcess.start(env).awaitUp(Duration.ofSeconds(90));
    try {
      vertx.runOnContext(v -> connect(vertx, box, mqtt));
      waitFor(() -> box.acked.size() >= 3000, Duration.ofSeconds(120), "3000 acknowledged");
      gw.kill();
      gw.awaitExit(Duration.ofSeconds(10));
      int ackedBeforeKill = box.acked.size();
      gw = GatewayProcess.start(env).awaitUp(Duration.ofSeconds(90));
      waitFor(() -> box.acked.size() == TOTAL, Duration.ofSeconds(200), "all acknowledged");
      assertThat(ackedBeforeKill).isLessThan(TOTAL);

      // Read the log back through the REST API: each seq exactly once, all acknowledged ones present.
      Map<Integer, Integer> seen = new HashMap<>();
      HttpClient client = HttpClient.newHttpClient();
      String token = gw.adminToken();
      long after = 0;
      while (true) {
        var resp = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http
            + "/api/v1/events?limit=1000&after=" + after)).header("Authorization", "Bearer " + token).build(),
            HttpResponse.BodyHandlers.ofString());
        JsonObject page = new JsonObject(resp.body());
        JsonArray items = page.getJsonArray("events");
        for (int i = 0; i < items.size(); i++) {
          JsonObject e = items.getJsonObject(i);
          if (e.getString("type").equals("box.telemetry") && e.getString("source").equals("box-d1")) {
            seen.merge(e.getJsonObject("body").getInteger("seq"), 1, Integer::sum);
          }
        }
        after = page.getLong("nextAfter");
        if (!page.getBoolean("hasMore")) {
          break;
        }
      }
      assertThat(seen.keySet()).containsAll(box.acked);
      assertThat(seen.values()).as("no message stored twice").allMatch(n -> n == 1);
      gw.signalTerm();
      assertThat(gw.awaitExit(Duration.ofSeconds(15))).isZero();
      gw.assertNoBlockedThreads();
    } finally {
      gw.close();
      Blocking.await(vertx.close(), Duration.ofSeconds(10), "close");
    }
  }

  /** Connects (retrying while the gateway is down), resends what was in flight, then keeps the window full. */
  static void connect(Vertx vertx, Box box, int port) {
    MqttClientOptions options = new MqttClientOptions().setClientId("box-d1").setUsername("box-d1")
        .setPassword("durable-secret").setCleanSession(true).setKeepAliveInterval(5).setMaxInflightQueue(WINDOW * 2)
        .setAutoKeepAlive(true);
    box.client = MqttClient.create(vertx, options);
    box.client.publishCompletionHandler(packetId -> {
      Integer seq = box.inFlight.remove(packetId);
      if (seq != null) {
        box.acked.add(seq);
      }
      pump(box);
    });
    box.client.closeHandler(v -> {
      box.connected = false;
      // Unacknowledged messages go back to the front of the queue, to be resent with the same seq.
      box.inFlight.values().forEach(seq -> box.unsent.put(seq, payloadFor(box, seq)));
      box.inFlight.clear();
      vertx.setTimer(200, id -> connect(vertx, box, port));
    });
    box.client.connect(port, "127.0.0.1").onSuccess(ack -> {
      box.connected = true;
      pump(box);
    }).onFailure(e -> vertx.setTimer(200, id -> connect(vertx, box, port)));
  }

  static final Map<Integer, String> SENT = new ConcurrentHashMap<>();

  static String payloadFor(Box box, int seq) {
    return SENT.get(seq);
  }

  static void pump(Box box) {
    while (box.connected && box.inFlight.size() + box.sending < WINDOW && !box.unsent.isEmpty()) {
      var next = box.unsent.pollFirstEntry();
      int seq = next.getKey();
      SENT.put(seq, next.getValue());
      box.sending++;
      box.client.publish("boxes/box-d1/telemetry", Buffer.buffer(next.getValue()), MqttQoS.AT_LEAST_ONCE, false, false)
          .onComplete(ar -> {
            box.sending--;
            if (ar.succeeded()) {
              box.inFlight.put(ar.result(), seq);
            } else {
              box.unsent.put(seq, next.getValue());
            }
          });
    }
  }

  static void waitFor(java.util.function.BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }
}
