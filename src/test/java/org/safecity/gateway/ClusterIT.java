package org.safecity.gateway;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safecity.gateway.testing.GatewayProcess;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * Scale-out with real processes: two edge nodes and one recognition worker, each the packaged jar in its own JVM,
 * clustered over loopback with short failure detection, sharing one PostgreSQL.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClusterIT {
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
        Map.entry("SAFECITY_CLUSTER_PORT", String.valueOf(clusterPort)),
        Map.entry("SAFECITY_CLUSTER_MEMBERS", members),
        Map.entry("SAFECITY_CLUSTER_FAILURE_TIMEOUT", "3s"),
        Map.entry("SAFECITY_CLUSTER_RECONNECT_GRACE", "8s"),
        Map.entry("SAFECITY_HEALTH_BOX_SILENT_AFTER", "4s")));
    return new Node(name, GatewayProcess.start(env), http, mqtt, clusterPort);
  }

  @AfterAll
  static void stopCluster() throws Exception {
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

  static void await(String what, Duration timeout, Check check) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    AssertionError last = null;
    while (System.nanoTime() < end) {
      try {
        check.run();
        return;
      } catch (AssertionError e) {
        last = e;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(what + " not within " + timeout, last);
  }

  interface Check {
    void run() throws Exception;
  }

  static List<String> memberNames(JsonObject ready) {
    List<String> out = new ArrayList<>();
    ready.getJsonObject("cluster").getJsonArray("members")
        .forEach(m -> out.add(((JsonObject) m).getString("name") + "/" + ((JsonObject) m).getString("role")));
    return out;
  }

  @Test
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
}
