package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.testing.Eventually.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import io.vertx.core.json.JsonObject;
import org.safecity.gateway.core.Rendezvous;
import org.safecity.gateway.testing.GatewayProcess;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * Pulled cameras on a cluster, with real processes: two edge nodes (the packaged jar, each in its own JVM, clustered
 * over loopback, one PostgreSQL) with the same devices file of four cameras pulled from a real RTSP server
 * (GStreamer). The cameras are chosen once the members' ids are known, two for each edge by the rendezvous rule, and
 * written to the devices file the edges watch. Each camera is pulled by exactly the edge the rule names; when one
 * edge is killed, the other pulls its cameras too, and a reader gets the stream from it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PullClusterIT {
  static final String CLUSTER_NAME = "safecity-it-" + java.util.UUID.randomUUID();
  static final Duration UP = Duration.ofSeconds(120);
  static final Duration T = Duration.ofSeconds(60);
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final Duration DEVICES_RELOAD = Duration.ofSeconds(1);
  static final Pattern ASSIGNED = Pattern.compile("(?m)^gateway_rtsp_pull_assigned\\{camera=\"([^\"]+)\"[^}]*\\} (\\S+)$");
  static final Pattern CONNECTS = Pattern.compile("(?m)^gateway_rtsp_pull_connects_total\\{camera=\"([^\"]+)\"[^}]*\\} (\\S+)$");

  record Edge(String name, GatewayProcess process, int http, int rtsp) {
  }

  static Path dir;
  static Path devices;
  static TestPostgres pg;
  static GstRtspServer source;
  static Edge a;
  static Edge b;

  @BeforeAll
  static void start() throws Exception {
    dir = GatewayProcess.tempDir("pull-cluster");
    pg = new TestPostgres(dir.resolve("pg"));
    source = new GstRtspServer(Ports.free(), "none", "", "");
    devices = dir.resolve("devices.yaml");
    writeDevices(List.of());
    int[] cluster = {Ports.free(), Ports.free()};
    String members = "127.0.0.1:" + cluster[0] + ",127.0.0.1:" + cluster[1];
    a = start("edge-a", cluster[0], members, devices);
    b = start("edge-b", cluster[1], members, devices);
    a.process().awaitUp(UP);
    b.process().awaitUp(UP);
  }

  static Edge start(String name, int clusterPort, String members, Path devices) throws Exception {
    int http = Ports.free();
    int rtsp = Ports.free();
    Map<String, String> env = new HashMap<>(Map.ofEntries(
        Map.entry("SAFECITY_DATA_DIR", dir.resolve(name).toString()),
        Map.entry("SAFECITY_STORE_URL", pg.url()),
        Map.entry("SAFECITY_HTTP_PORT", String.valueOf(http)),
        Map.entry("SAFECITY_HTTP_INSTANCES", "1"),
        Map.entry("SAFECITY_RTSP_PORT", String.valueOf(rtsp)),
        Map.entry("SAFECITY_RTSP_INSTANCES", "1"),
        Map.entry("SAFECITY_DEVICES_FILE", devices.toString()),
        Map.entry("SAFECITY_DEVICES_BCRYPT_COST", "4"),
        Map.entry("SAFECITY_DEVICES_RELOAD_INTERVAL", DEVICES_RELOAD.toSeconds() + "s"),
        Map.entry("SAFECITY_RECOGNITION_ENABLED", "false"),
        Map.entry("SAFECITY_NODE_ROLE", "edge"),
        Map.entry("SAFECITY_NODE_NAME", name),
        Map.entry("SAFECITY_CLUSTER_ENABLED", "true"),
        Map.entry("SAFECITY_CLUSTER_NAME", CLUSTER_NAME),
        Map.entry("SAFECITY_CLUSTER_PORT", String.valueOf(clusterPort)),
        Map.entry("SAFECITY_CLUSTER_MEMBERS", members),
        Map.entry("SAFECITY_CLUSTER_FAILURE_TIMEOUT", "3s")));
    return new Edge(name, GatewayProcess.start(env), http, rtsp);
  }

  @AfterAll
  static void stop() throws Exception {
    for (Edge e : new Edge[] {a, b}) {
      if (e != null) {
        e.process().close();
      }
    }
    if (source != null) {
      source.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  static void writeDevices(List<String> cameras) throws Exception {
    StringBuilder entries = new StringBuilder();
    for (String id : cameras) {
      entries.append(PullGateway.camera(id, source.url("", "")));
    }
    PullGateway.writeDevices(devices, entries.toString());
  }

  /** The edge members' ids by name, as a node's /health/ready shows them. */
  static Map<String, String> edgeIds(Edge e) throws Exception {
    JsonObject ready = new JsonObject(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.http()
        + "/health/ready")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body());
    Map<String, String> out = new HashMap<>();
    for (Object o : ready.getJsonObject("cluster").getJsonArray("members")) {
      JsonObject m = (JsonObject) o;
      if (m.getString("role").equals("edge")) {
        out.put(m.getString("name"), m.getString("id"));
      }
    }
    return out;
  }

  /** The cameras a node pulls now, each of them playing (a session of it reached PLAY), from its /metrics. */
  static List<String> pulled(Edge e) throws Exception {
    String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.http() + "/metrics"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    List<String> played = cameras(CONNECTS, text);
    List<String> assigned = cameras(ASSIGNED, text);
    assertThat(played).as(e.name() + ": every camera it pulls has reached PLAY").containsAll(assigned);
    return assigned;
  }

  static List<String> cameras(Pattern metric, String text) {
    List<String> out = new ArrayList<>();
    Matcher m = metric.matcher(text);
    while (m.find()) {
      if (Double.parseDouble(m.group(2)) > 0) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  @Test
  void eachCameraIsPulledByOneEdgeAndTheSurvivorTakesOverTheLostEdgesCameras() throws Exception {
    await("both edges see each other", T, () -> assertThat(edgeIds(a)).containsOnlyKeys("edge-a", "edge-b"));
    Map<String, String> ids = edgeIds(a);
    assertThat(edgeIds(b)).isEqualTo(ids);
    // Two cameras for each edge by the rule every edge applies, so the test never rests on chance.
    List<String> forA = new ArrayList<>();
    List<String> forB = new ArrayList<>();
    for (int i = 1; forA.size() < 2 || forB.size() < 2; i++) {
      String cam = "cam-" + i;
      String owner = Rendezvous.owner(cam, ids.values()).orElseThrow();
      List<String> list = owner.equals(ids.get("edge-a")) ? forA : forB;
      if (list.size() < 2) {
        list.add(cam);
      }
    }
    List<String> cameras = new ArrayList<>(forA);
    cameras.addAll(forB);
    writeDevices(cameras);
    await("each camera pulled by the edge the rule names", T, () -> {
      assertThat(pulled(a)).containsExactlyInAnyOrderElementsOf(forA);
      assertThat(pulled(b)).containsExactlyInAnyOrderElementsOf(forB);
    });
    List<String> lost = pulled(a);
    assertThat(a.process().output()).contains("pulled by node edge-b (one edge pulls each camera)");

    a.process().kill();
    a.process().awaitExit(Duration.ofSeconds(10));
    await("edge-b pulls edge-a's cameras too", T, () -> assertThat(pulled(b)).containsAll(lost));
    assertThat(b.process().output()).contains("camera " + lost.get(0) + ": this node pulls it now");
    // A reader of one of them gets it from the survivor.
    Process probe = new ProcessBuilder("ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-show_entries",
        "stream=codec_name", "-of", "csv=p=0", "rtsp://viewer:secret@127.0.0.1:" + b.rtsp() + "/" + lost.get(0))
        .redirectErrorStream(true).start();
    assertThat(probe.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(probe.getInputStream().readAllBytes()).trim()).isEqualTo("h264");
    b.process().assertNoBlockedThreads();
  }
}
