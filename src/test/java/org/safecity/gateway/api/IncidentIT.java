package org.safecity.gateway.api;

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
import java.time.Instant;
import java.util.LinkedHashMap;
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
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.testing.EventWatch;
import org.safecity.gateway.testing.OpenApiResponses;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * The incident workflow end to end over HTTP: an alarm becomes an incident at its box's location, the nearest
 * available unit is proposed, each step is taken by whoever may take it (and refused precisely otherwise), and
 * every step is in the incident, the audit log and the event log.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class IncidentIT {
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static EventWatch events;
  static int port;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static String admin;
  static String operator;

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    Path devices = dir.resolve("devices.yaml");
    Files.writeString(devices, """
        boxes:
          - id: box-1
            secret: "box-secret"
            region: south
            location: { lat: 24.8600, lon: 67.0100 }
            cameras: []
          - id: box-2
            secret: "box-secret"
            region: south
            location: { lat: 24.8700, lon: 67.0200 }
            cameras: []
        cameras: []
        """);
    port = Ports.free();
    gateway = Gateway.start(ConfigLoader.load(Optional.empty(), Map.of(
        "SAFECITY_STORE_URL", postgres.url(),
        "SAFECITY_DATA_DIR", dir.resolve("data").toString(),
        "SAFECITY_HTTP_PORT", String.valueOf(port),
        "SAFECITY_MQTT_ENABLED", "false",
        "SAFECITY_RTSP_ENABLED", "false",
        "SAFECITY_DEVICES_FILE", devices.toString(),
        "SAFECITY_DEVICES_BCRYPT_COST", "4",
        "SAFECITY_AUTH_PASSWORD_BCRYPT_COST", "4",
        "SAFECITY_BOOTSTRAP_ADMIN_SECRET", "admin-secret-1")));
    events = new EventWatch(gateway.eventLog());
    admin = AuthIT.loginAt(port, "admin", "admin-secret-1");
    account("op-1", "operator", null, List.of(), List.of());
    account("crew-07", "erv-crew", "erv-07", List.of("south"), List.of());
    account("crew-09", "erv-crew", "erv-09", List.of("south"), List.of());
    account("crew-11", "erv-crew", "erv-11", List.of("east"), List.of());
    operator = AuthIT.loginAt(port, "op-1", "op-1-secret");
    for (String[] u : new String[][] {{"erv-07", "south"}, {"erv-09", "south"}, {"erv-11", "east"}}) {
      var r = call("POST", "/api/v1/units", "/api/v1/units", operator, new JsonObject().put("id", u[0]).put("region", u[1]));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }
  }

  static void account(String id, String role, String unit, List<String> regions, List<String> scopes) throws Exception {
    JsonObject b = new JsonObject().put("id", id).put("kind", "user").put("role", role).put("secret", id + "-secret")
        .put("regions", new JsonArray(regions)).put("scopes", new JsonArray(scopes));
    if (unit != null) {
      b.put("unit", unit);
    }
    assertThat(call("POST", "/api/v1/accounts", "/api/v1/accounts", admin, b).statusCode()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }

  static HttpResponse<String> call(String method, String template, String path, String token, JsonObject body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token);
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return OpenApiResponses.check(method, template, HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  static HttpResponse<String> step(long incident, String token, String step, String unit) throws Exception {
    JsonObject b = new JsonObject().put("step", step);
    if (unit != null) {
      b.put("unit", unit);
    }
    return call("POST", "/api/v1/incidents/{incidentId}/steps", "/api/v1/incidents/" + incident + "/steps", token, b);
  }

  static void position(String unit, String token, double lat, double lon) throws Exception {
    var r = call("POST", "/api/v1/units/{unitId}/position", "/api/v1/units/" + unit + "/position", token,
        new JsonObject().put("lat", lat).put("lon", lon));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
  }

  static LoggedEvent raise(String key, String box) throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("key", key);
    body.put("kind", "power-or-link-lost");
    body.put("severity", "CRITICAL");
    body.put("summary", "Box " + box + " (south): power or link lost");
    body.put("details", Map.of());
    return Blocking.await(gateway.eventLog().append(new NewEvent("alarm.raised", box, "south", Instant.now(), body)),
        Duration.ofSeconds(10), "raise");
  }

  static JsonObject incidentFor(long alarmEvent, String box) throws Exception {
    LoggedEvent created = events.await(alarmEvent, Duration.ofSeconds(20), "incident.created",
        e -> e.type().equals("incident.created") && e.source().equals(box));
    long id = ((Number) created.body().get("incident")).longValue();
    var r = call("GET", "/api/v1/incidents/{incidentId}", "/api/v1/incidents/" + id, operator, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  @Test
  void twoStepsDecidedOnTheSameVersionOneWinsTheOtherGetsTheCurrentIncident() throws Exception {
    LoggedEvent raised = raise("site:box-v", "box-v");
    JsonObject incident = incidentFor(raised.id(), "box-v");
    long id = incident.getLong("id");
    long version = incident.getLong("version");
    String path = "/api/v1/incidents/" + id + "/steps";
    String template = "/api/v1/incidents/{incidentId}/steps";
    // Both valid from "new": without versions both would succeed, the close silently overriding the acknowledge.
    var ack = java.util.concurrent.CompletableFuture.supplyAsync(() -> uncheckedCall(template, path,
        new JsonObject().put("step", "acknowledge").put("version", version)));
    var close = java.util.concurrent.CompletableFuture.supplyAsync(() -> uncheckedCall(template, path,
        new JsonObject().put("step", "close").put("version", version).put("note", "false alarm")));
    List<HttpResponse<String>> both = List.of(ack.get(), close.get());
    assertThat(both).extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(200, 409);
    HttpResponse<String> won = both.stream().filter(r -> r.statusCode() == 200).findFirst().orElseThrow();
    HttpResponse<String> lost = both.stream().filter(r -> r.statusCode() == 409).findFirst().orElseThrow();
    JsonObject problem = new JsonObject(lost.body());
    assertThat(problem.getString("detail")).contains("is at version " + (version + 1)).contains("not " + version);
    JsonObject current = problem.getJsonObject("current");
    assertThat(current.getLong("version")).isEqualTo(version + 1);
    assertThat(current.getString("state")).isEqualTo(new JsonObject(won.body()).getString("state"));
    // Decided again on the current version, it goes through.
    var again = call("POST", template, path, operator, new JsonObject().put("step", "close").put("version", version + 1));
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    assertThat(new JsonObject(again.body()).getLong("version")).isEqualTo(version + 2);
  }

  static HttpResponse<String> uncheckedCall(String template, String path, JsonObject body) {
    try {
      return call("POST", template, path, operator, body);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anAlarmRunsTheWholeWorkflowWithWhoAndWhenForEveryStep() throws Exception {
    LoggedEvent raised = raise("site:box-1", "box-1");
    JsonObject incident = incidentFor(raised.id(), "box-1");
    long id = incident.getLong("id");
    assertThat(incident.getString("state")).isEqualTo("new");
    assertThat(incident.getJsonObject("location").getDouble("lat")).as("at its box").isEqualTo(24.86);

    position("erv-07", AuthIT.loginAt(port, "crew-07", "crew-07-secret"), 24.95, 67.20); // ~20 km away
    String crew09 = AuthIT.loginAt(port, "crew-09", "crew-09-secret");
    position("erv-09", crew09, 24.862, 67.012); // ~300 m away
    String crew11 = AuthIT.loginAt(port, "crew-11", "crew-11-secret");
    position("erv-11", crew11, 24.8601, 67.0101); // nearest of all, but another region's
    var proposal = new JsonObject(call("GET", "/api/v1/incidents/{incidentId}/proposal",
        "/api/v1/incidents/" + id + "/proposal", operator, null).body());
    assertThat(proposal.getJsonObject("unit").getString("id")).as("nearest of the incident's region").isEqualTo("erv-09");
    assertThat(proposal.getLong("meters")).isBetween(200L, 400L);

    var crewAck = step(id, crew09, "acknowledge", null);
    assertThat(crewAck.statusCode()).isEqualTo(403);
    assertThat(step(id, operator, "acknowledge", null).statusCode()).isEqualTo(200);
    var twice = step(id, operator, "acknowledge", null);
    assertThat(twice.statusCode()).isEqualTo(409);
    assertThat(AuthIT.detailOf(twice)).contains("cannot acknowledge an incident that is acknowledged");
    var noUnit = step(id, operator, "dispatch", null);
    assertThat(noUnit.statusCode()).isEqualTo(409);
    assertThat(step(id, operator, "dispatch", "erv-09").statusCode()).isEqualTo(200);
    var units = new JsonObject(call("GET", "/api/v1/units", "/api/v1/units", operator, null).body()).getJsonArray("units");
    assertThat(units.stream().map(u -> (JsonObject) u).filter(u -> u.getString("id").equals("erv-09")).findFirst()
        .orElseThrow().getString("status")).isEqualTo("dispatched");

    String crew07 = AuthIT.loginAt(port, "crew-07", "crew-07-secret");
    assertThat(step(id, crew07, "on-scene", null).statusCode()).as("not that crew's incident").isEqualTo(403);
    assertThat(step(id, crew09, "on-scene", null).statusCode()).isEqualTo(200);
    var closed = step(id, operator, "close", null);
    assertThat(closed.statusCode()).isEqualTo(200);
    JsonObject done = new JsonObject(closed.body());
    assertThat(done.getString("state")).isEqualTo("closed");
    assertThat(done.getJsonArray("steps").stream().map(s -> ((JsonObject) s).getString("step") + " by " + ((JsonObject) s).getString("by")))
        .containsExactly("create by gateway", "acknowledge by op-1", "dispatch by op-1", "on-scene by crew-09", "close by op-1");
    units = new JsonObject(call("GET", "/api/v1/units", "/api/v1/units", operator, null).body()).getJsonArray("units");
    assertThat(units.stream().map(u -> (JsonObject) u).filter(u -> u.getString("id").equals("erv-09")).findFirst()
        .orElseThrow().getString("status")).as("free again").isEqualTo("available");

    LoggedEvent closeEvent = events.await(raised.id(), Duration.ofSeconds(20), "incident.close",
        e -> e.type().equals("incident.close") && ((Number) e.body().get("incident")).longValue() == id);
    List<String> trail = events.all().stream().filter(e -> e.id() > raised.id() && e.id() <= closeEvent.id())
        .filter(e -> e.type().startsWith("incident.") && ((Number) e.body().get("incident")).longValue() == id)
        .map(e -> e.type() + (e.body().get("unit") == null ? "" : ":" + e.body().get("unit"))).toList();
    assertThat(trail).containsExactly("incident.created", "incident.acknowledge", "incident.dispatch:erv-09",
        "incident.on-scene:erv-09", "incident.close:erv-09");

    var audit = new JsonObject(call("GET", "/api/v1/audit", "/api/v1/audit?limit=100", admin, null).body()).getJsonArray("entries");
    assertThat(audit.stream().map(a -> (JsonObject) a).filter(a -> ("incident:" + id).equals(a.getString("target")))
        .map(a -> a.getString("action") + " by " + a.getString("principal")))
        .containsExactlyInAnyOrder("incident.acknowledge by op-1", "incident.dispatch by op-1", "incident.on-scene by crew-09",
            "incident.close by op-1");
  }

  @Test
  void otherRegionsCrewsSeeNothingAndARepeatedAlarmIsOneIncident() throws Exception {
    LoggedEvent raised = raise("site:box-2", "box-2");
    long id = incidentFor(raised.id(), "box-2").getLong("id");
    LoggedEvent again = raise("site:box-2", "box-2"); // raised again (a restart re-raises what was active)
    Blocking.await(gateway.eventLog().append(new NewEvent("test.marker", "t", "south", Instant.now(), Map.of())),
        Duration.ofSeconds(5), "marker");
    Thread.sleep(1500); // the projection runs on every alarm event; give it the time it would take
    var list = new JsonObject(call("GET", "/api/v1/incidents", "/api/v1/incidents?limit=100", operator, null).body())
        .getJsonArray("incidents");
    assertThat(list.stream().map(i -> (JsonObject) i).filter(i -> i.getString("source").equals("box-2"))).hasSize(1);
    assertThat(again.id()).isGreaterThan(raised.id());

    String crew11 = AuthIT.loginAt(port, "crew-11", "crew-11-secret");
    assertThat(call("GET", "/api/v1/incidents/{incidentId}", "/api/v1/incidents/" + id, crew11, null).statusCode()).isEqualTo(403);
    var theirs = new JsonObject(call("GET", "/api/v1/incidents", "/api/v1/incidents", crew11, null).body()).getJsonArray("incidents");
    assertThat(theirs.stream().map(i -> ((JsonObject) i).getString("region"))).doesNotContain("south");
    var alarms = new JsonObject(call("GET", "/api/v1/alarms", "/api/v1/alarms?active=true", crew11, null).body()).getJsonArray("alarms");
    assertThat(alarms).isEmpty();
    String crew09 = AuthIT.loginAt(port, "crew-09", "crew-09-secret");
    var southAlarms = new JsonObject(call("GET", "/api/v1/alarms", "/api/v1/alarms?active=true", crew09, null).body())
        .getJsonArray("alarms");
    assertThat(southAlarms.stream().map(a -> ((JsonObject) a).getString("key"))).contains("site:box-2");

    // Cleared: the alarm says so; the incident stays open until someone closes it.
    Map<String, Object> clear = new LinkedHashMap<>();
    clear.put("key", "site:box-2");
    clear.put("kind", "power-or-link-lost");
    clear.put("reason", "box back online");
    Blocking.await(gateway.eventLog().append(new NewEvent("alarm.cleared", "box-2", "south", Instant.now(), clear)),
        Duration.ofSeconds(5), "clear");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    JsonObject alarm;
    do {
      Thread.sleep(200);
      alarm = new JsonObject(call("GET", "/api/v1/alarms", "/api/v1/alarms", operator, null).body()).getJsonArray("alarms")
          .stream().map(a -> (JsonObject) a).filter(a -> a.getString("key").equals("site:box-2")).findFirst().orElseThrow();
    } while (alarm.getBoolean("active") && System.nanoTime() < deadline);
    assertThat(alarm.getBoolean("active")).isFalse();
    assertThat(alarm.getString("clearReason")).isEqualTo("box back online");
    assertThat(alarm.getLong("incidentId")).isEqualTo(id);
  }

  @Test
  void crewsReportOnlyForTheirOwnUnitAndCannotSetIncidentStatuses() throws Exception {
    String crew07 = AuthIT.loginAt(port, "crew-07", "crew-07-secret");
    var other = call("POST", "/api/v1/units/{unitId}/position", "/api/v1/units/erv-09/position", crew07,
        new JsonObject().put("lat", 1).put("lon", 1));
    assertThat(other.statusCode()).isEqualTo(403);
    var offDuty = call("PUT", "/api/v1/units/{unitId}/status", "/api/v1/units/erv-07/status", crew07,
        new JsonObject().put("status", "off-duty"));
    assertThat(offDuty.statusCode()).isEqualTo(204);
    var invalid = call("PUT", "/api/v1/units/{unitId}/status", "/api/v1/units/erv-07/status", crew07,
        new JsonObject().put("status", "dispatched"));
    assertThat(invalid.statusCode()).as("the contract allows only available/off-duty").isEqualTo(400);
    var badPosition = call("POST", "/api/v1/units/{unitId}/position", "/api/v1/units/erv-07/position", crew07,
        new JsonObject().put("lat", 123).put("lon", 1));
    assertThat(badPosition.statusCode()).isEqualTo(400);
    assertThat(call("PUT", "/api/v1/units/{unitId}/status", "/api/v1/units/erv-07/status", crew07,
        new JsonObject().put("status", "available")).statusCode()).isEqualTo(204);
    assertThat(call("POST", "/api/v1/units", "/api/v1/units", crew07, new JsonObject().put("id", "x").put("region", "south"))
        .statusCode()).isEqualTo(403);
  }
}
