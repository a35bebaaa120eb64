package org.safecity.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.auth.SigningKeys;
import org.safecity.gateway.auth.Tokens;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.config.GatewayConfig;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.testing.EventWatch;
import org.safecity.gateway.testing.GraphQLSubscriber;
import org.safecity.gateway.testing.OpenApiResponses;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * GraphQL end to end: real PostgreSQL, the gateway in-process, queries and mutations over HTTP with java.net.http,
 * subscriptions with the graphql-ws reference client (graphql-transport-ws) in Node.js. Every rule checked here is
 * the REST API's: who sees which region, which scope reads what, who may take which workflow step; answers are
 * compared with REST's where both exist.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GraphQLIT {
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static GatewayConfig config;
  static EventWatch events;
  static int port;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static String admin;
  static String operator;
  static String crewSouth;
  static String crewSouth2;
  static String crewEast;
  static String agencyAlarms;
  static String agencyEvents;

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    Path devices = dir.resolve("devices.yaml");
    Files.writeString(devices, """
        boxes:
          - id: box-s1
            secret: "box-secret"
            region: south
            location: { lat: 24.8600, lon: 67.0100 }
            cameras: [cam-s1]
          - id: box-e1
            secret: "box-secret"
            region: east
            location: { lat: 24.9180, lon: 67.0971 }
            cameras: [cam-e1]
        cameras:
          - id: cam-s1
            region: south
            box: box-s1
            location: { lat: 24.8601, lon: 67.0101 }
          - id: cam-e1
            region: east
            box: box-e1
            location: { lat: 24.9181, lon: 67.0970 }
        """);
    port = Ports.free();
    config = ConfigLoader.load(Optional.empty(), Map.ofEntries(
        Map.entry("SAFECITY_STORE_URL", postgres.url()),
        Map.entry("SAFECITY_DATA_DIR", dir.resolve("data").toString()),
        Map.entry("SAFECITY_HTTP_PORT", String.valueOf(port)),
        Map.entry("SAFECITY_MQTT_ENABLED", "false"),
        Map.entry("SAFECITY_RTSP_ENABLED", "false"),
        Map.entry("SAFECITY_DEVICES_FILE", devices.toString()),
        Map.entry("SAFECITY_DEVICES_BCRYPT_COST", "4"),
        Map.entry("SAFECITY_AUTH_PASSWORD_BCRYPT_COST", "4"),
        // The only alarms in the log are the ones the tests raise: cameras that never stream stay "unknown".
        Map.entry("SAFECITY_HEALTH_CAMERA_OFFLINE_AFTER", "1d"),
        // Lower limits than the defaults, so the tests also show the settings take effect.
        Map.entry("SAFECITY_GRAPHQL_MAX_DEPTH", "6"),
        Map.entry("SAFECITY_GRAPHQL_MAX_COMPLEXITY", "1000"),
        // A token's expiry ends its subscriptions within a second.
        Map.entry("SAFECITY_AUTH_CLOCK_SKEW", "1s"),
        Map.entry("SAFECITY_BOOTSTRAP_ADMIN_SECRET", "admin-secret-1")));
    gateway = Gateway.start(config);
    events = new EventWatch(gateway.eventLog());
    admin = AuthIT.loginAt(port, "admin", "admin-secret-1");
    account("op-1", "user", "operator", null, List.of(), List.of());
    account("crew-s", "user", "erv-crew", "erv-s", List.of("south"), List.of());
    account("crew-s2", "user", "erv-crew", "erv-s2", List.of("south"), List.of());
    account("crew-e", "user", "erv-crew", "erv-e", List.of("east"), List.of());
    account("agency-alarms", "client", "agency", null, List.of("east"), List.of("alarms:read"));
    account("agency-events", "client", "agency", null, List.of("east"), List.of("events:read"));
    operator = AuthIT.loginAt(port, "op-1", "op-1-secret");
    crewSouth = AuthIT.loginAt(port, "crew-s", "crew-s-secret");
    crewSouth2 = AuthIT.loginAt(port, "crew-s2", "crew-s2-secret");
    crewEast = AuthIT.loginAt(port, "crew-e", "crew-e-secret");
    agencyAlarms = clientLogin("agency-alarms");
    agencyEvents = clientLogin("agency-events");
    for (String[] u : new String[][] {{"erv-s", "south"}, {"erv-s2", "south"}, {"erv-e", "east"}}) {
      var r = rest("POST", "/api/v1/units", "/api/v1/units", operator, new JsonObject().put("id", u[0]).put("region", u[1]));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }

  // ---- HTTP ------------------------------------------------------------------------------------------------

  @Test
  void withoutAValidTokenGraphQLAnswers401WithAProblemAsRestDoes() throws Exception {
    var none = HTTP.send(HttpRequest.newBuilder(URI.create(url("/graphql"))).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("query", "{ units { id } }").encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(none.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("Bearer");
    assertThat(new JsonObject(none.body()).getString("detail")).contains("Bearer token is required");

    var garbage = post("not-a-token", new JsonObject().put("query", "{ units { id } }"));
    assertThat(garbage.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(garbage.body()).getString("detail")).contains("malformed token");

    var get = HTTP.send(HttpRequest.newBuilder(URI.create(url("/graphql?query=%7Bunits%7Bid%7D%7D")))
        .header("Authorization", "Bearer " + operator).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).as("queries are POSTed; GET is the WebSocket upgrade").isEqualTo(405);
    assertThat(get.headers().firstValue("Content-Type")).contains("application/problem+json");

    JsonObject subscriptionOverHttp = gql(operator, "subscription { alarms { key } }", null);
    assertThat(message(subscriptionOverHttp)).contains("subscriptions are served over WebSocket");
  }

  @Test
  void camerasAndBoxesMirrorRestAndEachRegionSeesOnlyItsOwn() throws Exception {
    JsonObject all = data(operator, "{ cameras { id boxId region health rtspPath box { id region } } "
        + "boxes { id region cameraIds connected conditions location { lat lon } cameras { id } } }");
    JsonArray restCameras = new JsonObject(rest("GET", "/api/v1/cameras", "/api/v1/cameras", operator, null).body())
        .getJsonArray("cameras");
    assertThat(all.getJsonArray("cameras").stream().map(c -> (JsonObject) c)
        .map(c -> c.getString("id") + "@" + c.getString("boxId") + "/" + c.getString("region") + " " + c.getString("health")
            + " " + c.getString("rtspPath")))
        .as("the same cameras and fields as REST")
        .containsExactlyElementsOf(restCameras.stream().map(c -> (JsonObject) c)
            .map(c -> c.getString("id") + "@" + c.getString("box") + "/" + c.getString("region") + " "
                + c.getString("health").toUpperCase() + " " + c.getString("rtspPath")).toList());
    assertThat(ids(all.getJsonArray("boxes"))).containsExactly("box-e1", "box-s1");
    JsonObject south = find(all.getJsonArray("boxes"), "box-s1");
    assertThat(south.getJsonArray("cameraIds")).containsExactly("cam-s1");
    assertThat(ids(south.getJsonArray("cameras"))).containsExactly("cam-s1");
    assertThat(south.getJsonObject("location").getDouble("lat")).isEqualTo(24.86);

    JsonObject east = data(crewEast, "{ cameras { id region } boxes { id region } }");
    assertThat(ids(east.getJsonArray("cameras"))).containsExactly("cam-e1");
    assertThat(ids(east.getJsonArray("boxes"))).containsExactly("box-e1");

    JsonObject other = gql(crewEast, "{ box(id: \"box-s1\") { id lastTelemetry { batteryPercent } } }", null);
    assertThat(other.getJsonObject("data").getValue("box")).isNull();
    assertError(other, "FORBIDDEN", 403, "box box-s1 is outside the regions of crew-e");
    assertThat(rest("GET", "/api/v1/boxes/{boxId}", "/api/v1/boxes/box-s1", crewEast, null).statusCode())
        .as("as REST").isEqualTo(403);
    assertError(gql(crewEast, "{ camera(id: \"cam-s1\") { id } }", null), "FORBIDDEN", 403, "outside the regions");
    assertError(gql(operator, "{ camera(id: \"no-such-cam\") { id } }", null), "NOT_FOUND", 404, "no camera no-such-cam");

    // An agency without cameras:read reads no box and no camera, however it gets there.
    JsonObject agency = gql(agencyAlarms, "{ boxes { id } }", null);
    assertThat(agency.getValue("data")).isNull();
    assertError(agency, "FORBIDDEN", 403, "agency agency-alarms may not read Box (boxes): needs scope cameras:read");
    assertThat(rest("GET", "/api/v1/boxes", "/api/v1/boxes", agencyAlarms, null).statusCode()).as("as REST").isEqualTo(403);
  }

  @Test
  void alarmsIncidentsAndEventsFollowTheRegionAndScopeRules() throws Exception {
    LoggedEvent southAlarm = raise("gql-q-s-" + UUID.randomUUID(), "box-s1", "south");
    long southIncident = incidentFor(southAlarm, "box-s1");
    LoggedEvent eastAlarm = raise("gql-q-e-" + UUID.randomUUID(), "box-e1", "east");
    long eastIncident = incidentFor(eastAlarm, "box-e1");

    // A crew sees its region's incidents, never another region's, as REST shows them.
    JsonArray crewEastIncidents = data(crewEast, "{ incidents(limit: 500) { id region state } }").getJsonArray("incidents");
    assertThat(crewEastIncidents.stream().map(i -> ((JsonObject) i).getString("region"))).containsOnly("east");
    assertThat(longIds(crewEastIncidents)).contains(eastIncident).doesNotContain(southIncident);
    JsonArray restIncidents = new JsonObject(rest("GET", "/api/v1/incidents", "/api/v1/incidents?limit=500", crewEast, null)
        .body()).getJsonArray("incidents");
    assertThat(longIds(crewEastIncidents)).containsExactlyElementsOf(longIds(restIncidents));
    JsonObject forbidden = gql(crewEast, "query ($id: ID!) { incident(id: $id) { id title } }",
        new JsonObject().put("id", String.valueOf(southIncident)));
    assertThat(forbidden.getJsonObject("data").getValue("incident")).isNull();
    assertError(forbidden, "FORBIDDEN", 403, "incident " + southIncident + " is outside what crew-e may see");
    assertError(gql(operator, "{ incident(id: 987654) { id } }", null), "NOT_FOUND", 404, "no incident 987654");

    JsonArray eastAlarms = data(crewEast, "{ alarms(active: true) { key region severity summary details incidentId "
        + "incident { id state steps { step by } } } }").getJsonArray("alarms");
    assertThat(eastAlarms.stream().map(a -> ((JsonObject) a).getString("region"))).containsOnly("east");
    JsonObject alarm = eastAlarms.stream().map(a -> (JsonObject) a)
        .filter(a -> a.getString("key").equals(eastAlarm.body().get("key"))).findFirst().orElseThrow();
    assertThat(alarm.getString("severity")).isEqualTo("CRITICAL");
    assertThat(alarm.getJsonObject("details").getInteger("camerasDown")).isEqualTo(1);
    assertThat(alarm.getJsonObject("incident").getString("state")).isEqualTo("NEW");
    assertThat(alarm.getJsonObject("incident").getJsonArray("steps").getJsonObject(0).getString("step")).isEqualTo("CREATE");

    // An agency without alarms:read gets an error where REST says 403; with it, its regions' only ...
    JsonObject noScope = gql(agencyEvents, "{ alarms { key } }", null);
    assertThat(noScope.getValue("data")).isNull();
    assertError(noScope, "FORBIDDEN", 403, "needs scope alarms:read");
    assertThat(rest("GET", "/api/v1/alarms", "/api/v1/alarms", agencyEvents, null).statusCode()).isEqualTo(403);
    JsonObject scoped = gql(agencyAlarms, "{ incidents(limit: 100) { id region box { id lastTelemetry { door } } } }", null);
    assertThat(scoped.getJsonObject("data")).as(scoped.encode()).isNotNull();
    JsonArray agencyIncidents = scoped.getJsonObject("data").getJsonArray("incidents");
    assertThat(longIds(agencyIncidents)).contains(eastIncident).doesNotContain(southIncident);
    // ... and field by field: its incidents' boxes need cameras:read, which it lacks.
    assertThat(agencyIncidents.stream().map(i -> ((JsonObject) i).getValue("box"))).containsOnlyNulls();
    assertError(scoped, "FORBIDDEN", 403, "may not read Box (box): needs scope cameras:read");
    assertThat(scoped.getJsonArray("errors").getJsonObject(0).getJsonArray("path").getString(0)).isEqualTo("incidents");
    JsonObject withBox = data(operator, "query ($id: ID!) { incident(id: $id) { box { id region } } }",
        new JsonObject().put("id", String.valueOf(eastIncident)));
    assertThat(withBox.getJsonObject("incident").getJsonObject("box").getString("id")).isEqualTo("box-e1");

    // The event log: events:read, and only the agency's region (as GET /api/v1/events).
    JsonObject page = data(agencyEvents, "{ events(limit: 900) { events { id type region body } nextAfter hasMore } }")
        .getJsonObject("events");
    assertThat(page.getJsonArray("events")).isNotEmpty();
    assertThat(page.getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("region"))).containsOnly("east");
    JsonObject restPage = new JsonObject(rest("GET", "/api/v1/events", "/api/v1/events?limit=900", agencyEvents, null).body());
    assertThat(page.getJsonArray("events").stream().map(e -> Long.parseLong(((JsonObject) e).getString("id"))).toList())
        .isEqualTo(restPage.getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("id")).toList());
    assertThat(Long.parseLong(page.getString("nextAfter"))).isEqualTo(restPage.getLong("nextAfter"));
    assertError(gql(agencyAlarms, "{ events { hasMore } }", null), "FORBIDDEN", 403, "needs scope events:read");
    assertError(gql(operator, "{ alarms(limit: 501) { key } }", null), "BAD_USER_INPUT", 400, "limit must be between 1 and 500");
  }

  @Test
  void theWholeIncidentWorkflowRunsThroughMutationsWithRestsRefusals() throws Exception {
    LoggedEvent raised = raise("gql-w-" + UUID.randomUUID(), "box-s1", "south");
    long id = incidentFor(raised, "box-s1");
    JsonObject vars = new JsonObject().put("id", String.valueOf(id));

    JsonObject pos = data(crewSouth, "mutation { reportUnitPosition(unitId: \"erv-s\", lat: 24.862, lon: 67.012) "
        + "{ id status location { lat lon } positionAt } }").getJsonObject("reportUnitPosition");
    assertThat(pos.getString("status")).isEqualTo("AVAILABLE");
    assertThat(pos.getJsonObject("location").getDouble("lat")).isEqualTo(24.862);
    assertError(gql(crewSouth, "mutation { reportUnitPosition(unitId: \"erv-s2\", lat: 1, lon: 1) { id } }", null),
        "FORBIDDEN", 403, "crew-s may not report for unit erv-s2");
    assertError(gql(crewSouth, "mutation { reportUnitPosition(unitId: \"erv-s\", lat: 91, lon: 1) { id } }", null),
        "BAD_USER_INPUT", 400, "lat must be between -90 and 90");

    JsonObject proposal = data(operator, "query ($id: ID!) { proposal(incidentId: $id) { meters unit { id } } }", vars)
        .getJsonObject("proposal");
    assertThat(proposal.getJsonObject("unit").getString("id")).isEqualTo("erv-s");
    assertThat(proposal.getInteger("meters")).isBetween(200, 400);
    assertError(gql(crewSouth, "query ($id: ID!) { proposal(incidentId: $id) { meters } }", vars), "FORBIDDEN", 403,
        "may not use proposal: only [admin, operator, supervisor]");

    String step = "mutation ($id: ID!, $step: IncidentStep!, $unit: String, $note: String) { "
        + "takeIncidentStep(incidentId: $id, step: $step, unit: $unit, note: $note) { id state unit steps { step by note } } }";
    JsonObject crewAck = gql(crewSouth, step, vars.copy().put("step", "ACKNOWLEDGE"));
    assertThat(crewAck.getValue("data")).isNull();
    assertError(crewAck, "FORBIDDEN", 403, "only the command centre may acknowledge an incident");
    assertThat(data(operator, step, vars.copy().put("step", "ACKNOWLEDGE")).getJsonObject("takeIncidentStep")
        .getString("state")).isEqualTo("ACKNOWLEDGED");
    assertError(gql(operator, step, vars.copy().put("step", "ACKNOWLEDGE")), "CONFLICT", 409,
        "cannot acknowledge an incident that is acknowledged");
    assertError(gql(operator, step, vars.copy().put("step", "DISPATCH")), "CONFLICT", 409, "dispatch needs the unit");
    JsonObject dispatched = data(operator, step, vars.copy().put("step", "DISPATCH").put("unit", "erv-s"))
        .getJsonObject("takeIncidentStep");
    assertThat(dispatched.getString("state")).isEqualTo("DISPATCHED");
    assertThat(dispatched.getString("unit")).isEqualTo("erv-s");
    assertError(gql(crewSouth2, step, vars.copy().put("step", "ON_SCENE")), "FORBIDDEN", 403,
        "only the dispatched unit's crew or the command centre may report on scene");
    assertThat(data(crewSouth, step, vars.copy().put("step", "ON_SCENE")).getJsonObject("takeIncidentStep")
        .getString("state")).isEqualTo("ON_SCENE");
    JsonObject closed = data(operator, step, vars.copy().put("step", "CLOSE").put("note", "false alarm after all"))
        .getJsonObject("takeIncidentStep");
    assertThat(closed.getString("state")).isEqualTo("CLOSED");
    assertThat(closed.getJsonArray("steps").stream().map(s -> ((JsonObject) s).getString("step") + " by "
        + ((JsonObject) s).getString("by")))
        .containsExactly("CREATE by gateway", "ACKNOWLEDGE by op-1", "DISPATCH by op-1", "ON_SCENE by crew-s", "CLOSE by op-1");
    assertThat(closed.getJsonArray("steps").getJsonObject(4).getString("note")).isEqualTo("false alarm after all");
    assertError(gql(operator, step, vars.copy().put("step", "CLOSE")), "CONFLICT", 409, "cannot close an incident that is closed");

    // The same incident through REST, and the same audit trail as REST steps leave.
    JsonObject viaRest = new JsonObject(rest("GET", "/api/v1/incidents/{incidentId}", "/api/v1/incidents/" + id, operator, null).body());
    assertThat(viaRest.getString("state")).isEqualTo("closed");
    assertThat(viaRest.getJsonArray("steps")).hasSize(5);
    var audit = new JsonObject(rest("GET", "/api/v1/audit", "/api/v1/audit?limit=100", admin, null).body()).getJsonArray("entries");
    assertThat(audit.stream().map(a -> (JsonObject) a).filter(a -> ("incident:" + id).equals(a.getString("target")))
        .map(a -> a.getString("action") + " by " + a.getString("principal")))
        .containsExactlyInAnyOrder("incident.acknowledge by op-1", "incident.dispatch by op-1", "incident.on-scene by crew-s",
            "incident.close by op-1");

    JsonArray units = data(crewSouth, "{ units { id status } }").getJsonArray("units");
    assertThat(units.stream().map(u -> ((JsonObject) u).getString("id") + "=" + ((JsonObject) u).getString("status")))
        .as("the crew's region only, and its unit free again").contains("erv-s=AVAILABLE").noneMatch(u -> u.startsWith("erv-e"));
    assertThat(data(crewSouth, "mutation { setUnitStatus(unitId: \"erv-s\", status: OFF_DUTY) { status } }")
        .getJsonObject("setUnitStatus").getString("status")).isEqualTo("OFF_DUTY");
    assertError(gql(crewSouth, "mutation { setUnitStatus(unitId: \"erv-e\", status: OFF_DUTY) { status } }", null),
        "FORBIDDEN", 403, "may not change unit erv-e");
    assertThat(data(crewSouth, "mutation { setUnitStatus(unitId: \"erv-s\", status: AVAILABLE) { status } }")
        .getJsonObject("setUnitStatus").getString("status")).isEqualTo("AVAILABLE");
    assertError(gql(agencyAlarms, "{ units { id } }", null), "FORBIDDEN", 403, "may not use units");
  }

  @Test
  void tooDeepAndTooCostlyOperationsAreRefusedBeforeTheyRun() throws Exception {
    // graphql.maxDepth is 6 here: six levels pass, seven do not.
    assertThat(gql(operator, "{ incidents(limit: 1) { box { cameras { box { cameras { id } } } } } }", null)
        .getJsonArray("errors")).isNull();
    JsonObject deep = gql(operator, "{ incidents(limit: 1) { box { cameras { box { cameras { box { id } } } } } } }", null);
    assertThat(deep.getValue("data")).isNull();
    assertThat(message(deep)).isEqualTo("query depth 7 is over the limit of 6 (graphql.maxDepth): select fewer nested levels");
    assertThat(limit(deep)).containsExactly("QUERY_TOO_DEEP", 7, 6);

    // graphql.maxComplexity is 1000: 500 alarms with their incident cost 500 × (1 + 1) = 1000 ...
    assertThat(gql(operator, "{ alarms(limit: 500) { key incident { id } } }", null).getJsonArray("errors")).isNull();
    // ... with each incident's steps (assumed 5) 500 × (1 + 1 + 5) = 3500.
    JsonObject costly = gql(operator, "{ alarms(limit: 500) { key incident { steps { step } } } }", null);
    assertThat(costly.getValue("data")).isNull();
    assertThat(message(costly)).startsWith("query cost 3500 is over the limit of 1000 (graphql.maxComplexity");
    assertThat(limit(costly)).containsExactly("QUERY_TOO_COSTLY", 3500, 1000);

    // Refused before anything runs: none of these steps is taken. Each costs 1 + 5 (steps) + the box with 4 cameras,
    // each with its box and 4 cameras: 1 + 4 × (1 + 1 + 4) = 25; 40 of them 40 × 31 = 1240.
    long id = incidentFor(raise("gql-cost-" + UUID.randomUUID(), "box-e1", "east"), "box-e1");
    StringBuilder many = new StringBuilder("mutation {");
    for (int i = 0; i < 40; i++) {
      many.append(" s").append(i).append(": takeIncidentStep(incidentId: \"").append(id)
          .append("\", step: ACKNOWLEDGE) { steps { step } box { cameras { box { cameras { id } } } } }");
    }
    JsonObject refused = gql(operator, many.append(" }").toString(), null);
    assertThat(refused.getValue("data")).isNull();
    assertThat(message(refused)).startsWith("query cost 1240 is over the limit of 1000");
    assertThat(new JsonObject(rest("GET", "/api/v1/incidents/{incidentId}", "/api/v1/incidents/" + id, operator, null).body())
        .getString("state")).as("nothing ran").isEqualTo("new");
    // One of them is within the limits and runs.
    assertThat(data(operator, "mutation { takeIncidentStep(incidentId: \"" + id + "\", step: ACKNOWLEDGE) "
        + "{ state box { cameras { box { cameras { id } } } } } }").getJsonObject("takeIncidentStep").getString("state"))
        .isEqualTo("ACKNOWLEDGED");
  }

  // ---- subscriptions -----------------------------------------------------------------------------------

  static final String ALARMS = "subscription ($region: String) { alarms(region: $region) { eventId type key region "
      + "severity summary details reason source } }";

  @Test
  void alarmSubscribersGetExactlyTheirRegionsAlarmsAsTheyCommit() throws Exception {
    awaitSubscriptions(0);
    try (var south = subscribe(crewSouth, ALARMS, null);
         var east = subscribe(crewEast, ALARMS, null);
         var operatorEast = GraphQLSubscriber.start(ws(), new JsonObject().put("token", operator), ALARMS,
             new JsonObject().put("region", "east"))) {
      for (var s : List.of(south, east, operatorEast)) {
        assertThat(s.next(Duration.ofSeconds(30))).isEqualTo(new JsonObject().put("connected", true));
      }
      awaitSubscriptions(3);

      String k1 = "gql-s-" + UUID.randomUUID();
      String k2 = "gql-e-" + UUID.randomUUID();
      LoggedEvent a = raise(k1, "box-s1", "south");
      LoggedEvent b = raise(k2, "box-e1", "east");
      LoggedEvent c = clear(k1, "box-s1", "south");
      LoggedEvent d = clear(k2, "box-e1", "east");

      List<String> southGot = alarms(south.until(isAlarm(c), Duration.ofSeconds(30)));
      assertThat(southGot).containsExactly(a.id() + " RAISED " + k1 + " south", c.id() + " CLEARED " + k1 + " south");
      List<String> eastGot = alarms(east.until(isAlarm(d), Duration.ofSeconds(30)));
      assertThat(eastGot).containsExactly(b.id() + " RAISED " + k2 + " east", d.id() + " CLEARED " + k2 + " east");
      assertThat(alarms(operatorEast.until(isAlarm(d), Duration.ofSeconds(30))))
          .as("staff see every region, and asked for east only").isEqualTo(eastGot);
      Thread.sleep(500);
      assertThat(south.drain()).as("nothing after: the east clear is not south's").isEmpty();

      // The payload of a raise and a clear, as committed.
      JsonObject raisedPayload = eventPayload(east.seen(), b.id());
      assertThat(raisedPayload.getString("severity")).isEqualTo("CRITICAL");
      assertThat(raisedPayload.getString("source")).isEqualTo("box-e1");
      assertThat(raisedPayload.getJsonObject("details").getInteger("camerasDown")).isEqualTo(1);
      assertThat(eventPayload(east.seen(), d.id()).getString("reason")).isEqualTo("box back online");
    }
    awaitSubscriptions(0);
  }

  static final String CHANGES = "subscription { incidentChanges { eventId step incidentId state by unit region "
      + "incident { id } } }";

  @Test
  void incidentChangeSubscribersFollowTheWorkflowOfTheIncidentsTheyMaySee() throws Exception {
    awaitSubscriptions(0);
    try (var south = subscribe(crewSouth, CHANGES, null);
         var east = subscribe(crewEast, CHANGES, null);
         var agency = subscribe(agencyEvents, CHANGES, null)) {
      for (var s : List.of(south, east, agency)) {
        assertThat(s.next(Duration.ofSeconds(30))).isEqualTo(new JsonObject().put("connected", true));
      }
      // The agency lacks alarms:read: its subscription is refused, as REST refuses it incidents.
      JsonObject refused = agency.next(Duration.ofSeconds(30));
      assertThat(refused.getJsonObject("next").getValue("data")).isNull();
      assertThat(refused.getJsonObject("next").getJsonArray("errors").getJsonObject(0).getString("message"))
          .contains("needs scope alarms:read");
      assertThat(agency.next(Duration.ofSeconds(10))).isEqualTo(new JsonObject().put("complete", true));
      awaitSubscriptions(2);

      LoggedEvent raised = raise("gql-c-" + UUID.randomUUID(), "box-s1", "south");
      long id = incidentFor(raised, "box-s1");
      JsonObject vars = new JsonObject().put("id", String.valueOf(id));
      String step = "mutation ($id: ID!, $step: IncidentStep!, $unit: String) { "
          + "takeIncidentStep(incidentId: $id, step: $step, unit: $unit) { state } }";
      data(operator, step, vars.copy().put("step", "ACKNOWLEDGE"));
      // The east crew's unit goes to a south incident: from then on that crew sees it (REST's rule).
      data(operator, step, vars.copy().put("step", "DISPATCH").put("unit", "erv-e"));
      data(crewEast, step, vars.copy().put("step", "ON_SCENE"));
      data(operator, step, vars.copy().put("step", "CLOSE"));
      LoggedEvent close = events.await(raised.id(), Duration.ofSeconds(20), "incident.close",
          e -> e.type().equals("incident.close") && ((Number) e.body().get("incident")).longValue() == id);

      assertThat(changes(south.until(isEvent(close.id()), Duration.ofSeconds(30)), id))
          .containsExactly("CREATE NEW by gateway", "ACKNOWLEDGE ACKNOWLEDGED by op-1", "DISPATCH DISPATCHED by op-1 erv-e",
              "ON_SCENE ON_SCENE by crew-e erv-e", "CLOSE CLOSED by op-1 erv-e");
      List<JsonObject> eastGot = east.until(isEvent(close.id()), Duration.ofSeconds(30));
      assertThat(changes(eastGot, id)).as("only what was dispatched to its unit")
          .containsExactly("DISPATCH DISPATCHED by op-1 erv-e", "ON_SCENE ON_SCENE by crew-e erv-e", "CLOSE CLOSED by op-1 erv-e");
      assertThat(eastGot).as("and nothing else: every message is one of those").hasSize(3);
      assertThat(eastGot.get(0).getJsonObject("next").getJsonObject("data").getJsonObject("incidentChanges")
          .getJsonObject("incident").getString("id")).as("read with the crew's rights").isEqualTo(String.valueOf(id));
    }
    awaitSubscriptions(0);
  }

  @Test
  void aConnectionInitWithoutOrWithAForgedTokenIsRefused() throws Exception {
    try (var none = GraphQLSubscriber.start(ws(), new JsonObject(), ALARMS, null)) {
      JsonObject closed = closedOf(none);
      assertThat(closed.getInteger("code")).isEqualTo(4401);
      assertThat(closed.getString("reason")).contains("connection_init needs");
    }
    String[] parts = crewSouth.split("\\.");
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8))
        .put("role", "operator").put("regions", new JsonArray());
    String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    try (var fake = GraphQLSubscriber.start(ws(), new JsonObject().put("authorization", "Bearer " + forged), ALARMS, null)) {
      JsonObject closed = closedOf(fake);
      assertThat(closed.getInteger("code")).isEqualTo(4401);
      assertThat(closed.getString("reason")).isEqualTo("Unauthorized: token signature or format is invalid");
    }
    // A token that expires while subscribed ends the connection (expiry + auth.clockSkew of 1 s here).
    SigningKeys keys = SigningKeys.load("ES256", Optional.empty(), Optional.empty(), dir.resolve("data"));
    Clock issuedEarlier = Clock.offset(Clock.systemUTC(), config.auth().tokenLifetime().negated().plusSeconds(2));
    String shortLived = new Tokens(gateway.vertx(), keys, config.auth(), issuedEarlier).issue(new Principal("crew-s",
        Role.ERV_CREW, Optional.of("erv-s"), Set.of("south"), Set.of())).token();
    try (var expiring = subscribe(shortLived, ALARMS, null)) {
      assertThat(expiring.next(Duration.ofSeconds(30))).isEqualTo(new JsonObject().put("connected", true));
      long connected = System.nanoTime();
      JsonObject closed = expiring.until(m -> m.containsKey("closed"), Duration.ofSeconds(30)).stream()
          .filter(m -> m.containsKey("closed")).findFirst().orElseThrow().getJsonObject("closed");
      assertThat(closed.getInteger("code")).isEqualTo(4401);
      assertThat(closed.getString("reason")).isEqualTo("Unauthorized: token expired; connect again with a new token");
      assertThat(Duration.ofNanos(System.nanoTime() - connected)).isLessThan(Duration.ofSeconds(10));
    }

    // Asking for another region is refused, not silently empty.
    try (var other = subscribe(crewSouth, ALARMS, new JsonObject().put("region", "east"))) {
      assertThat(other.next(Duration.ofSeconds(30))).isEqualTo(new JsonObject().put("connected", true));
      JsonObject next = other.next(Duration.ofSeconds(30)).getJsonObject("next");
      assertThat(next.getJsonArray("errors").getJsonObject(0).getString("message"))
          .isEqualTo("region east is outside the regions of crew-s");
      assertThat(next.getJsonArray("errors").getJsonObject(0).getJsonObject("extensions").getInteger("status")).isEqualTo(403);
    }
    awaitSubscriptions(0);
  }

  // ---- helpers -----------------------------------------------------------------------------------------

  static GraphQLSubscriber subscribe(String token, String query, JsonObject variables) throws Exception {
    return GraphQLSubscriber.start(ws(), new JsonObject().put("authorization", "Bearer " + token), query, variables);
  }

  static JsonObject closedOf(GraphQLSubscriber s) throws Exception {
    List<JsonObject> got = s.until(m -> m.containsKey("closed"), Duration.ofSeconds(30));
    assertThat(got).as("never acknowledged").noneMatch(m -> m.containsKey("connected") || m.containsKey("next"));
    return got.get(got.size() - 1).getJsonObject("closed");
  }

  static java.util.function.Predicate<JsonObject> isAlarm(LoggedEvent e) {
    return isEvent(e.id());
  }

  static java.util.function.Predicate<JsonObject> isEvent(long eventId) {
    return m -> m.containsKey("next") && m.getJsonObject("next").getJsonObject("data") != null
        && m.getJsonObject("next").getJsonObject("data").stream().map(f -> (JsonObject) f.getValue())
            .anyMatch(p -> String.valueOf(eventId).equals(p.getString("eventId")));
  }

  /** "eventId TYPE key region" of each alarm message (any other message fails the test). */
  static List<String> alarms(List<JsonObject> messages) {
    return messages.stream().map(m -> {
      assertThat(m.getJsonObject("next").getJsonArray("errors")).as(m.encode()).isNull();
      JsonObject a = m.getJsonObject("next").getJsonObject("data").getJsonObject("alarms");
      return a.getString("eventId") + " " + a.getString("type") + " " + a.getString("key") + " " + a.getString("region");
    }).toList();
  }

  static JsonObject eventPayload(List<JsonObject> seen, long eventId) {
    return seen.stream().filter(isEvent(eventId)).findFirst().orElseThrow()
        .getJsonObject("next").getJsonObject("data").getJsonObject("alarms");
  }

  /** "STEP STATE by who [unit]" of each change of incident {@code id}; changes of other incidents are left out. */
  static List<String> changes(List<JsonObject> messages, long id) {
    return messages.stream().map(m -> {
      assertThat(m.getJsonObject("next").getJsonArray("errors")).as(m.encode()).isNull();
      return m.getJsonObject("next").getJsonObject("data").getJsonObject("incidentChanges");
    }).filter(c -> c.getString("incidentId").equals(String.valueOf(id)))
        .map(c -> c.getString("step") + " " + c.getString("state") + " by " + c.getString("by")
            + (c.getString("unit") == null ? "" : " " + c.getString("unit"))).toList();
  }

  /** Waits until the gateway's gauge of open subscriptions reads {@code n} (a subscription is live once counted). */
  static void awaitSubscriptions(int n) throws Exception {
    Pattern gauge = Pattern.compile("(?m)^gateway_graphql_subscriptions(?:\\{[^}]*})? (\\S+)$");
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String last = "";
    while (System.nanoTime() < end) {
      String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(url("/metrics"))).GET().build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = gauge.matcher(metrics);
      boolean found = m.find();
      last = found ? m.group(1) : "absent";
      if (found && Double.parseDouble(last) == n) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("gateway_graphql_subscriptions never read " + n + "; last " + last);
  }

  static LoggedEvent raise(String key, String box, String region) throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("key", key);
    body.put("kind", "power-or-link-lost");
    body.put("severity", "CRITICAL");
    body.put("summary", "Box " + box + " (" + region + "): power or link lost");
    body.put("details", Map.of("camerasDown", 1));
    return Blocking.await(gateway.eventLog().append(new NewEvent("alarm.raised", box, region, Instant.now(), body)),
        Duration.ofSeconds(10), "raise");
  }

  static LoggedEvent clear(String key, String box, String region) throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("key", key);
    body.put("kind", "power-or-link-lost");
    body.put("reason", "box back online");
    return Blocking.await(gateway.eventLog().append(new NewEvent("alarm.cleared", box, region, Instant.now(), body)),
        Duration.ofSeconds(10), "clear");
  }

  static long incidentFor(LoggedEvent alarm, String box) throws Exception {
    LoggedEvent created = events.await(alarm.id(), Duration.ofSeconds(20), "incident.created",
        e -> e.type().equals("incident.created") && e.source().equals(box));
    return ((Number) created.body().get("incident")).longValue();
  }

  static JsonObject gql(String token, String query, JsonObject variables) throws Exception {
    JsonObject body = new JsonObject().put("query", query);
    if (variables != null) {
      body.put("variables", variables);
    }
    var res = post(token, body);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    assertThat(res.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    return new JsonObject(res.body());
  }

  /** The data of an operation that must succeed without errors. */
  static JsonObject data(String token, String query) throws Exception {
    return data(token, query, null);
  }

  static JsonObject data(String token, String query, JsonObject variables) throws Exception {
    JsonObject res = gql(token, query, variables);
    assertThat(res.getJsonArray("errors")).as(res.encode()).isNull();
    return res.getJsonObject("data");
  }

  static HttpResponse<String> post(String token, JsonObject body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url("/graphql"))).header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** code, value and limit of a refusal by a query limit. */
  static List<Object> limit(JsonObject result) {
    JsonObject e = result.getJsonArray("errors").getJsonObject(0).getJsonObject("extensions");
    return List.of(e.getString("code"), e.getInteger("value"), e.getInteger("limit"));
  }

  static String message(JsonObject result) {
    assertThat(result.getJsonArray("errors")).as(result.encode()).isNotNull().hasSize(1);
    return result.getJsonArray("errors").getJsonObject(0).getString("message");
  }

  /** At least one error, each with the code, the REST status and a message containing {@code text}. */
  static void assertError(JsonObject result, String code, int status, String text) {
    JsonArray errors = result.getJsonArray("errors");
    assertThat(errors).as(result.encode()).isNotNull().isNotEmpty();
    for (Object o : errors) {
      JsonObject e = (JsonObject) o;
      assertThat(e.getString("message")).as(result.encode()).contains(text);
      assertThat(e.getJsonObject("extensions").getString("code")).isEqualTo(code);
      assertThat(e.getJsonObject("extensions").getInteger("status")).isEqualTo(status);
    }
  }

  static List<String> ids(JsonArray a) {
    return a.stream().map(x -> ((JsonObject) x).getString("id")).toList();
  }

  static List<Long> longIds(JsonArray a) {
    return a.stream().map(x -> (JsonObject) x).map(x -> x.getValue("id") instanceof String s ? Long.parseLong(s) : x.getLong("id"))
        .collect(Collectors.toCollection(ArrayList::new));
  }

  static JsonObject find(JsonArray a, String id) {
    return a.stream().map(x -> (JsonObject) x).filter(x -> x.getString("id").equals(id)).findFirst().orElseThrow();
  }

  static void account(String id, String kind, String role, String unit, List<String> regions, List<String> scopes)
      throws Exception {
    JsonObject b = new JsonObject().put("id", id).put("kind", kind).put("role", role).put("secret", id + "-secret")
        .put("regions", new JsonArray(regions)).put("scopes", new JsonArray(scopes));
    if (unit != null) {
      b.put("unit", unit);
    }
    var r = rest("POST", "/api/v1/accounts", "/api/v1/accounts", admin, b);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  static String clientLogin(String id) throws Exception {
    var res = OpenApiResponses.check("POST", "/api/v1/auth/token", HTTP.send(HttpRequest.newBuilder(
            URI.create(url("/api/v1/auth/token"))).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("clientId", id).put("clientSecret", id + "-secret")
            .encode())).build(), HttpResponse.BodyHandlers.ofString()));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return new JsonObject(res.body()).getString("accessToken");
  }

  static HttpResponse<String> rest(String method, String template, String path, String token, JsonObject body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).header("Authorization", "Bearer " + token);
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return OpenApiResponses.check(method, template, HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  static String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  static String ws() {
    return "ws://127.0.0.1:" + port + "/graphql";
  }
}
