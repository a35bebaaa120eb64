package org.safecity.load;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * NOT the gateway: a stand-in with the gateway's outside shape (MQTT on one port; {@code /api/v1/events},
 * {@code /metrics}, {@code /health/ready} on another) and a caricature of its alarm rules, so the
 * benchmark's gateway half (events polling, alarm matching, kill -9 / door / theft probes, heap per
 * connection) can be exercised before the real MQTT edge exists. PUBACKs at once, persists nothing.
 *
 * <pre>java -cp target/safecity-load.jar:target/test-classes org.safecity.load.FakeGateway MQTT_PORT HTTP_PORT</pre>
 */
public final class FakeGateway {

  private final List<JsonObject> log = new ArrayList<>();

  public static void main(String[] args) {
    int mqttPort = Integer.parseInt(args[0]);
    int httpPort = Integer.parseInt(args[1]);
    Vertx vertx = Vertx.vertx();
    FakeGateway g = new FakeGateway();
    MqttServer.create(vertx, new MqttServerOptions().setHost("127.0.0.1").setPort(mqttPort))
        .endpointHandler(g::endpoint).listen().toCompletionStage().toCompletableFuture().join();
    vertx.createHttpServer().requestHandler(g::http).listen(httpPort, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().join();
    System.out.println("fake gateway: mqtt 127.0.0.1:" + mqttPort + ", http 127.0.0.1:" + httpPort);
  }

  private void endpoint(MqttEndpoint ep) {
    String id = ep.clientIdentifier();
    if (ep.auth() == null || !id.equals(ep.auth().getUsername())) {
      ep.reject(io.netty.handler.codec.mqtt.MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
      return;
    }
    int index = Integer.parseInt(id.replaceAll("\\D", ""));
    double[] home = Fleet.home("south", index);
    boolean[] doorOpen = new boolean[1];
    boolean[] moved = new boolean[1];
    boolean[] clean = new boolean[1];
    ep.accept(false);
    ep.publishHandler(m -> {
      String topic = m.topicName();
      if (!topic.startsWith("boxes/" + id + "/")) {
        ep.close();
        return;
      }
      JsonObject p = new JsonObject(m.payload());
      if (topic.endsWith("/events") && "door-opened".equals(p.getString("type")) && !doorOpen[0]) {
        doorOpen[0] = true;
        raise(id, "door-open");
      } else if (topic.endsWith("/events") && "door-closed".equals(p.getString("type"))) {
        doorOpen[0] = false;
      } else if (topic.endsWith("/gps")
          && Fleet.distanceMeters(home[0], home[1], p.getDouble("lat"), p.getDouble("lon")) > 50 && !moved[0]) {
        moved[0] = true;
        raise(id, "box-moved");
      }
      if (m.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
        ep.publishAcknowledge(m.messageId());
      }
    });
    ep.subscribeHandler(s -> ep.subscribeAcknowledge(s.messageId(),
        s.topicSubscriptions().stream().map(t -> t.qualityOfService()).toList()));
    ep.disconnectHandler(v -> clean[0] = true);
    ep.closeHandler(v -> {
      if (!clean[0]) {
        raise(id, doorOpen[0] && moved[0] ? "theft-suspected" : "box-offline");
      }
    });
  }

  private synchronized void raise(String boxId, String kind) {
    log.add(new JsonObject().put("id", log.size() + 1L).put("type", "alarm.raised").put("source", boxId)
        .put("region", "south").put("at", Instant.now().toString())
        .put("body", new JsonObject().put("kind", kind).put("boxId", boxId)));
  }

  private synchronized void http(HttpServerRequest req) {
    switch (req.path()) {
      case "/health/ready" -> req.response().end("{\"status\":\"UP\"}");
      case "/metrics" -> {
        StringBuilder sb = new StringBuilder();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
          if (pool.getType() == MemoryType.HEAP) {
            sb.append("jvm_memory_used_bytes{area=\"heap\",id=\"").append(pool.getName()).append("\"} ")
                .append((double) pool.getUsage().getUsed()).append('\n');
          }
        }
        req.response().end(sb.toString());
      }
      case "/api/v1/events" -> {
        int after = Integer.parseInt(req.getParam("after", "0"));
        int limit = Integer.parseInt(req.getParam("limit", "100"));
        int end = Math.min(log.size(), after + limit);
        JsonArray events = new JsonArray(new ArrayList<>(log.subList(Math.min(after, end), end)));
        req.response().end(new JsonObject().put("events", events).put("nextAfter", (long) end)
            .put("hasMore", end < log.size()).encode());
      }
      default -> req.response().setStatusCode(404).end();
    }
  }
}
