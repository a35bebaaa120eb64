package org.safecity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.testing.Eventually.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.testing.OpenApiResponses;
import org.safecity.gateway.testing.SseClient;
import org.safecity.gateway.testing.GatewayProcess;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * Scale-out with real processes: two edge nodes and one recognition worker, each the packaged jar in its own JVM,
 * clustered over loopback with short failure detection, sharing one PostgreSQL.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  static final String CLUSTER_NAME = "safecity-it-" + java.util.UUID.randomUUID();
  static final Duration GRACE = Duration.ofSeconds(8);
  static Vertx vertx;
  static final Duration UP = Duration.ofSeconds(120);
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static TestPostgres pg;
  static Node a;
  static Node b;
  static Node worker;
  static String members;
  static Path devices;

  /** One gateway process and its ports. */
  record Node(String name, GatewayProcess process, int http, int mqtt, int cluster) {
  }

  @BeforeAll
  static void startCluster() throws Exception {
    vertx = Vertx.vertx();
    Path dir = GatewayProcess.tempDir("cluster");
    pg = new TestPostgres(dir.resolve("pg"));
    devices = dir.resolve("devices.yaml");
    StringBuilder d = new StringBuilder("boxes:\n");
    for (int i = 1; i <= 3; i++) {
      d.append("  - id: box-").append(i).append("\n    secret: \"secret-").append(i)
          .append("\"\n    region: south\n    location: { lat: 24.81, lon: 67.03 }\n");
    }
    Files.writeString(devices, d.toString());
    int[] ports = {Ports.free(), Ports.free(), Ports.free()};
    members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];
    // The first start creates the schema; starting the others at the same time is what operators do too.
    a = start("edge-a", "edge", ports[0], dir);
    b = start("edge-b", "edge", ports[1], dir);
    worker = start("worker-1", "worker", ports[2], dir);
    for (Node n : List.of(a, b, worker)) {
      n.process().awaitUp(UP);
    }
  }

  static Node start(String name, String role, int clusterPort, Path dir) throws Exception {
    int http = Ports.free();
    int mqtt = Ports.free();
    Map<String, String> env = new HashMap<>(Map.ofEntries(
        Map.entry("SAFECITY_DATA_DIR", dir.resolve(name).toString()),
        Map.entry("SAFECITY_STORE_URL", pg.url()),
        Map.entry("SAFECITY_HTTP_PORT", String.valueOf(http)),
        Map.entry("SAFECITY_MQTT_ENABLED", "true"),
        Map.entry("SAFECITY_MQTT_PORT", String.valueOf(mqtt)),
        Map.entry("SAFECITY_MQTT_INSTANCES", "1"),
        Map.entry("SAFECITY_RTSP_INSTANCES", "1"),
        Map.entry("SAFECITY_DEVICES_FILE", devices.toString()),
        Map.entry("SAFECITY_DEVICES_BCRYPT_COST", "4"),
        Map.entry("SAFECITY_RECOGNITION_FETCH_MODELS", "false"),
        Map.entry("SAFECITY_NODE_ROLE", role),
        Map.entry("SAFECITY_NODE_NAME", name),
        Map.entry("SAFECITY_CLUSTER_ENABLED", "true"),
        // A name of this run's own: a node left over from another test on these loopback ports cannot join.
        Map.entry("SAFECITY_CLUSTER_NAME", CLUSTER_NAME),
        Map.entry("SAFECITY_CLUSTER_PORT", String.valueOf(clusterPort)),
        Map.entry("SAFECITY_CLUSTER_MEMBERS", members),
        Map.entry("SAFECITY_CLUSTER_FAILURE_TIMEOUT", "3s"),
        Map.entry("SAFECITY_CLUSTER_RECONNECT_GRACE", GRACE.toSeconds() + "s"),
        Map.entry("SAFECITY_HEALTH_BOX_SILENT_AFTER", "4s")));
    return new Node(name, GatewayProcess.start(env), http, mqtt, clusterPort);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (Box box : BOXES) {
      box.stop();
    }
    if (vertx != null) {
      Blocking.await(vertx.close(), Duration.ofSeconds(10), "close");
    }
    for (Node n : new Node[] {a, b, worker}) {
      if (n != null) {
        n.process().close();
      }
    }
    if (pg != null) {
      pg.close();
    }
  }

  static HttpResponse<String> get(int port, String path, String token) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonObject ready(Node n) throws Exception {
    return new JsonObject(get(n.http(), "/health/ready", null).body());
  }

  static List<String> memberNames(JsonObject ready) {
    List<String> out = new ArrayList<>();
    ready.getJsonObject("cluster").getJsonArray("members")
        .forEach(m -> out.add(((JsonObject) m).getString("name") + "/" + ((JsonObject) m).getString("role")));
    return out;
  }

  @Test
  @Order(1)
  void everyNodeSeesEveryMemberWithItsRole() throws Exception {
    for (Node n : List.of(a, b, worker)) {
      await("three members seen by " + n.name(), Duration.ofSeconds(30), () -> {
        JsonObject r = ready(n);
        assertThat(r.getString("status")).as(r.encode()).isEqualTo("UP");
        assertThat(memberNames(r)).containsExactlyInAnyOrder("edge-a/edge", "edge-b/edge", "worker-1/worker");
        assertThat(r.getJsonObject("cluster").getJsonObject("self").getString("name")).isEqualTo(n.name());
      });
    }
    // The worker has no API and no device port: only the ops endpoints.
    assertThat(get(worker.http(), "/api/v1/events", null).statusCode()).isEqualTo(404);
    assertThat(worker.process().output()).doesNotContain("  MQTT ").doesNotContain("  API ");
    String metrics = get(a.http(), "/metrics", null).body();
    assertThat(metrics).contains("gateway_cluster_members{role=\"edge\"} 2.0").contains("gateway_cluster_members{role=\"worker\"} 1.0")
        .contains("gateway_cluster_node{").contains("name=\"edge-a\"");
  }

  // ---- boxes, events, incidents ----------------------------------------------------------------------------

  static final List<Box> BOXES = new ArrayList<>();

  /** A street box: connects to a node, sends telemetry every 500 ms; when its connection drops it may move on. */
  static final class Box {
    final String id;
    volatile boolean doorOpen;
    volatile Node target;
    volatile boolean reconnect = true;
    volatile MqttClient client;
    final AtomicInteger connects = new AtomicInteger();
    volatile boolean stopped;
    long timer = -1;

    Box(String id, Node first) {
      this.id = id;
      this.target = first;
    }

    void start() {
      connect();
      timer = vertx.setPeriodic(500, t -> {
        MqttClient c = client;
        if (c != null && c.isConnected()) {
          String payload = "{\"mainsPower\":true,\"batteryPercent\":97.5,\"door\":\"" + (doorOpen ? "open" : "closed")
              + "\",\"tamper\":false}";
          c.publish("boxes/" + id + "/telemetry", Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, false, false);
        }
      });
    }

    void connect() {
      if (stopped) {
        return;
      }
      Node n = target;
      MqttClient c = MqttClient.create(vertx, new MqttClientOptions().setClientId(id).setUsername(id)
          .setPassword("secret-" + id.substring(id.indexOf('-') + 1)).setKeepAliveInterval(5).setAutoKeepAlive(true));
      client = c;
      c.closeHandler(v -> {
        if (reconnect && !stopped) {
          vertx.setTimer(300, t -> connect());
        }
      });
      c.connect(n.mqtt(), "127.0.0.1").onSuccess(ack -> connects.incrementAndGet())
          .onFailure(e -> {
            if (reconnect && !stopped) {
              vertx.setTimer(300, t -> connect());
            }
          });
    }

    void stop() {
      stopped = true;
      vertx.cancelTimer(timer);
      MqttClient c = client;
      if (c != null && c.isConnected()) {
        c.disconnect();
      }
    }
  }

  static JsonArray events(Node n, String token, long after) throws Exception {
    JsonArray all = new JsonArray();
    long from = after;
    while (true) {
      var r = get(n.http(), "/api/v1/events?after=" + from + "&limit=500", token);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonArray page = new JsonObject(r.body()).getJsonArray("events");
      all.addAll(page);
      if (page.size() < 500) {
        return all;
      }
      from = page.getJsonObject(page.size() - 1).getLong("id");
    }
  }

  static List<JsonObject> alarmsRaised(JsonArray events) {
    List<JsonObject> out = new ArrayList<>();
    events.forEach(e -> {
      JsonObject j = (JsonObject) e;
      if ("alarm.raised".equals(j.getString("type"))) {
        out.add(j);
      }
    });
    return out;
  }

  static long lastId(Node n, String token) throws Exception {
    JsonArray all = events(n, token, 0);
    return all.isEmpty() ? 0 : all.getJsonObject(all.size() - 1).getLong("id");
  }

  static HttpResponse<String> post(Node n, String path, String token, JsonObject body) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.http() + path))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.encode())).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @Order(2)
  void boxesOnNodeAAreJudgedOnceAndTwoOperatorsOnTwoNodesCannotBothWin() throws Exception {
    for (int i = 1; i <= 3; i++) {
      Box box = new Box("box-" + i, a);
      BOXES.add(box);
      box.start();
    }
    String tokenA = a.process().adminToken();
    String tokenB = b.process().adminToken();
    // Every box online; then box-1's door opens: one door-open alarm and its incident, whichever node projects it.
    await("boxes online", Duration.ofSeconds(30), () -> {
      JsonArray boxes = new JsonObject(get(a.http(), "/api/v1/boxes", tokenA).body()).getJsonArray("boxes");
      assertThat(boxes.stream().map(x -> ((JsonObject) x).getString("link"))).as(boxes.encode()).containsOnly("online");
    });
    BOXES.get(0).doorOpen = true;
    AtomicReference<JsonObject> incident = new AtomicReference<>();
    await("door-open incident", Duration.ofSeconds(30), () -> {
      JsonArray list = new JsonObject(get(b.http(), "/api/v1/incidents", tokenB).body()).getJsonArray("incidents");
      JsonObject found = list.stream().map(x -> (JsonObject) x)
          .filter(x -> x.getString("source").equals("box-1") && x.getString("title").contains("door open"))
          .findFirst().orElse(null);
      assertThat(found).isNotNull();
      incident.set(found);
    });
    // Node B does not judge box-1 (its connection is on A) but shows it as A does: connected, online, door open.
    await("box-1 as its owner sees it, on the other node", Duration.ofSeconds(10), () -> {
      var res = OpenApiResponses.check("GET", "/api/v1/boxes/{boxId}", get(b.http(), "/api/v1/boxes/box-1", tokenB));
      JsonObject box = new JsonObject(res.body());
      assertThat(box.getBoolean("connected")).as(box.encode()).isTrue();
      assertThat(box.getString("link")).isEqualTo("online");
      assertThat(box.getJsonArray("conditions").getList()).contains("door-open");
      assertThat(box.getJsonObject("lastTelemetry").getString("door")).isEqualTo("open");
      assertThat(box.getJsonObject("activeAlarms").getMap()).containsValue("door-open");
    });
    var listB = OpenApiResponses.check("GET", "/api/v1/boxes", get(b.http(), "/api/v1/boxes", tokenB));
    assertThat(new JsonObject(listB.body()).getJsonArray("boxes").stream().map(x -> ((JsonObject) x).getBoolean("connected")))
        .as(listB.body()).containsOnly(true);
    long id = incident.get().getLong("id");
    long version = incident.get().getLong("version");
    String path = "/api/v1/incidents/" + id + "/steps";
    var onA = CompletableFuture.supplyAsync(() -> post(a, path, tokenA,
        new JsonObject().put("step", "acknowledge").put("version", version)));
    var onB = CompletableFuture.supplyAsync(() -> post(b, path, tokenB,
        new JsonObject().put("step", "close").put("version", version).put("note", "false alarm")));
    List<HttpResponse<String>> both = List.of(onA.get(), onB.get());
    assertThat(both).extracting(HttpResponse::statusCode).as(both.get(0).body() + " / " + both.get(1).body())
        .containsExactlyInAnyOrder(200, 409);
    JsonObject problem = new JsonObject(both.stream().filter(r -> r.statusCode() == 409).findFirst().orElseThrow().body());
    assertThat(problem.getJsonObject("current").getLong("version")).isEqualTo(version + 1);

    // One node judged each box: the never-seen alarm of the start (raised when a box came later than
    // health.boxSilentAfter, which depends on how fast this machine started the nodes) is raised at most once, not
    // once per edge node, and the door alarm exactly once.
    List<JsonObject> raised = alarmsRaised(events(b, tokenB, 0));
    for (String box : List.of("box-1", "box-2", "box-3")) {
      List<String> kinds = raised.stream().filter(e -> e.getString("source").equals(box))
          .map(e -> e.getJsonObject("body").getString("kind")).toList();
      assertThat(kinds.stream().filter("box-offline"::equals).count()).as(box + ": " + kinds).isLessThanOrEqualTo(1);
      assertThat(kinds.stream().filter(k -> !k.equals("box-offline")).toList()).as(box + ": " + kinds)
          .isEqualTo(box.equals("box-1") ? List.of("door-open") : List.of());
    }
  }

  @Test
  @Order(3)
  void killingAnEdgeNodeIsOneAlarmItsBoxesMoveQuietlyAndStreamsResumeOnTheOther() throws Exception {
    String tokenA = a.process().adminToken();
    String tokenB = b.process().adminToken();
    // A stream on A, reading everything.
    SseClient stream = SseClient.open(SseClient.request(a.http(), "/api/v1/events/stream", tokenA).build());
    assertThat(stream.status()).isEqualTo(200);
    List<Long> seen = new ArrayList<>();
    AtomicBoolean reading = new AtomicBoolean(true);
    Thread reader = new Thread(() -> {
      try {
        while (reading.get()) {
          stream.poll(Duration.ofMillis(200)).filter(SseClient.Frame::isMessage).ifPresent(f -> {
            synchronized (seen) {
              seen.add(f.longId());
            }
          });
        }
      } catch (InterruptedException ignored) {
        // done
      }
    });
    reader.start();
    Thread.sleep(1500); // telemetry flows through A's stream
    long before = lastId(b, tokenB);
    // box-3 will not come back: it is flagged as usual once the grace is over. The others follow to B.
    for (Box box : BOXES) {
      box.target = b;
    }
    BOXES.get(2).reconnect = false;
    int connectsBefore = BOXES.get(0).connects.get();
    a.process().kill();
    long killedAt = System.nanoTime();
    a.process().awaitExit(Duration.ofSeconds(10));
    reading.set(false);
    reader.join();
    String lastSeen = stream.lastEventId();
    stream.close();

    // The stream resumes on B from where it was, with no gap and no duplicate.
    SseClient resumed = SseClient.open(SseClient.request(b.http(), "/api/v1/events/stream", tokenB)
        .header("Last-Event-ID", lastSeen).build());
    assertThat(resumed.status()).isEqualTo(200);

    await("boxes 1 and 2 reconnected to B", Duration.ofSeconds(20), () ->
        assertThat(BOXES.get(0).connects.get()).isGreaterThan(connectsBefore));
    await("one node-lost alarm", Duration.ofSeconds(30), () -> assertThat(alarmsRaised(events(b, tokenB, before)).stream()
        .map(e -> e.getJsonObject("body").getString("kind"))).contains("gateway-node-lost"));
    // Within the grace: nothing about the boxes that moved, nor about box-3 yet.
    long graceLeft = GRACE.toMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt) - 500;
    if (graceLeft > 0) {
      Thread.sleep(graceLeft);
    }
    List<String> withinGrace = alarmsRaised(events(b, tokenB, before)).stream()
        .map(e -> e.getString("source") + ":" + e.getJsonObject("body").getString("kind")).toList();
    assertThat(withinGrace).containsExactly("edge-a:gateway-node-lost");
    // After it: box-3, which never came back, is offline with its alarm; the moved boxes still have none.
    await("box-3 flagged after the grace", Duration.ofSeconds(20), () -> assertThat(alarmsRaised(events(b, tokenB, before))
        .stream().map(e -> e.getString("source") + ":" + e.getJsonObject("body").getString("kind")))
        .containsExactlyInAnyOrder("edge-a:gateway-node-lost", "box-3:box-offline"));
    JsonObject offline = events(b, tokenB, before).stream().map(e -> (JsonObject) e)
        .filter(e -> e.getString("type").equals("box.offline") && e.getString("source").equals("box-3")).findFirst().orElseThrow();
    assertThat(offline.getJsonObject("body").getString("cause")).isEqualTo("node-lost");
    JsonObject lost = alarmsRaised(events(b, tokenB, before)).stream()
        .filter(e -> e.getJsonObject("body").getString("kind").equals("gateway-node-lost")).findFirst().orElseThrow();
    assertThat(lost.getJsonObject("body").getString("severity")).isEqualTo("CRITICAL");
    Thread.sleep(2000);
    assertThat(alarmsRaised(events(b, tokenB, before))).as("still exactly those two").hasSize(2);

    // Every event up to now reached the client exactly once, across the move: A's part then B's replay and live feed.
    long end = lastId(b, tokenB);
    List<Long> all = new ArrayList<>(seen);
    while (all.isEmpty() || all.get(all.size() - 1) < end) {
      SseClient.Frame f = resumed.nextEvent(Duration.ofSeconds(15));
      if (f.isMessage()) {
        all.add(f.longId());
      } else {
        assertThat(f.isNotice("position")).as("only position notices, no reset: " + f).isTrue();
      }
    }
    resumed.close();
    long first = all.get(0);
    List<Long> expected = new ArrayList<>();
    for (long i = first; i <= all.get(all.size() - 1); i++) {
      expected.add(i);
    }
    assertThat(all).as("ids seen on A then on B").containsExactlyElementsOf(expected);
    b.process().assertNoBlockedThreads();
  }
}
