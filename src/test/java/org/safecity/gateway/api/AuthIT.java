package org.safecity.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
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
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.testing.OpenApiResponses;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * Tokens, accounts, roles and regions over real HTTP: every token attack gets a precise 401, each role sees
 * only its share, account changes are audited, and every response is checked against the contract.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AuthIT {
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static GatewayConfig config;
  static int port;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    port = Ports.free();
    config = ConfigLoader.load(Optional.empty(), Map.of(
        "SAFECITY_STORE_URL", postgres.url(),
        "SAFECITY_DATA_DIR", dir.resolve("data").toString(),
        "SAFECITY_HTTP_PORT", String.valueOf(port),
        "SAFECITY_MQTT_ENABLED", "false",
        "SAFECITY_RTSP_ENABLED", "false",
        "SAFECITY_AUTH_PASSWORD_BCRYPT_COST", "4",
        "SAFECITY_AUTH_REQUESTS_PER_SECOND", "5",
        "SAFECITY_AUTH_REQUEST_BURST", "40",
        // The test client stands in for a load balancer on loopback: its X-Forwarded-For names the client.
        "SAFECITY_HTTP_TRUSTED_PROXIES", "127.0.0.0/8",
        "SAFECITY_BOOTSTRAP_ADMIN_SECRET", "admin-secret-1"));
    gateway = Gateway.start(config);
    admin = login("admin", "admin-secret-1");
    create("crew-south", "user", "erv-crew", "crew-south-secret", "erv-07", List.of("south"), List.of());
    create("crew-east", "user", "erv-crew", "crew-east-secret", "erv-11", List.of("east"), List.of());
    create("agency-east", "client", "agency", "agency-secret", null, List.of("east"), List.of("events:read"));
    create("agency-noscope", "client", "agency", "agency-secret", null, List.of("east"), List.of("alarms:read"));
    Blocking.await(gateway.eventLog().appendAll(List.of(
        new NewEvent("test.south", "box-s", "south", Instant.now(), Map.of("n", 1)),
        new NewEvent("test.east", "box-e", "east", Instant.now(), Map.of("n", 2)),
        new NewEvent("recognition.face.hit", "cam-s", "south", Instant.now(), Map.of("person", "p-1")))),
        Duration.ofSeconds(10), "events");
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }

  static HttpResponse<String> post(String path, String token, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return OpenApiResponses.check("POST", path, HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  static HttpResponse<String> get(String template, String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return OpenApiResponses.check("GET", template, HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  static String login(String user, String password) throws Exception {
    var res = post("/api/v1/auth/token", null, new JsonObject().put("username", user).put("password", password));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return new JsonObject(res.body()).getString("accessToken");
  }

  static String clientLogin(String id, String secret) throws Exception {
    var res = post("/api/v1/auth/token", null, new JsonObject().put("clientId", id).put("clientSecret", secret));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return new JsonObject(res.body()).getString("accessToken");
  }

  static void create(String id, String kind, String role, String secret, String unit, List<String> regions,
      List<String> scopes) throws Exception {
    JsonObject b = new JsonObject().put("id", id).put("kind", kind).put("role", role).put("secret", secret)
        .put("regions", new JsonArray(regions)).put("scopes", new JsonArray(scopes));
    if (unit != null) {
      b.put("unit", unit);
    }
    var res = post("/api/v1/accounts", admin, b);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
  }

  /** Logs in against any gateway's port (used by the other API tests). */
  static String loginAt(int httpPort, String user, String password) throws Exception {
    var res = OpenApiResponses.check("POST", "/api/v1/auth/token", HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + httpPort + "/api/v1/auth/token")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("username", user).put("password", password).encode()))
        .build(), HttpResponse.BodyHandlers.ofString()));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return new JsonObject(res.body()).getString("accessToken");
  }

  static String detailOf(HttpResponse<String> res) {
    return new JsonObject(res.body()).getString("detail");
  }

  static String detail(HttpResponse<String> res) {
    return new JsonObject(res.body()).getString("detail");
  }

  static List<String> allTypes(String token) throws Exception {
    var res = get("/api/v1/events", "/api/v1/events?limit=1000", token);
    return new JsonObject(res.body()).getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("type")).toList();
  }

  static List<String> eventTypes(String token) throws Exception {
    var res = get("/api/v1/events", "/api/v1/events?limit=1000", token);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return new JsonObject(res.body()).getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("type"))
        .filter(t -> t.startsWith("test.")).toList();
  }

  @Test
  void curlLogsInAndReadsWithTheToken() throws Exception {
    var login = org.safecity.gateway.testing.Cli.run(Duration.ofSeconds(20), null, "curl", "-s", "-w", "\n%{http_code}",
        "-H", "Content-Type: application/json", "-d", "{\"username\":\"crew-south\",\"password\":\"crew-south-secret\"}",
        "http://127.0.0.1:" + port + "/api/v1/auth/token");
    String[] answer = login.output().trim().split("\n");
    assertThat(answer[answer.length - 1]).as(login.output()).isEqualTo("200");
    String token = new JsonObject(answer[0]).getString("accessToken");
    var events = org.safecity.gateway.testing.Cli.run(Duration.ofSeconds(20), null, "curl", "-s", "-i",
        "-H", "Authorization: Bearer " + token, "http://127.0.0.1:" + port + "/api/v1/events?limit=1000");
    assertThat(events.output()).startsWith("HTTP/1.1 200").contains("\"test.south\"").doesNotContain("\"test.east\"");
    var anonymous = org.safecity.gateway.testing.Cli.run(Duration.ofSeconds(20), null, "curl", "-s", "-i",
        "http://127.0.0.1:" + port + "/api/v1/events");
    assertThat(anonymous.output()).startsWith("HTTP/1.1 401").contains("application/problem+json")
        .containsIgnoringCase("www-authenticate: Bearer");
  }

  @Test
  void wrongCredentialsAreOne401WhateverWasWrong() throws Exception {
    var wrong = post("/api/v1/auth/token", null, new JsonObject().put("username", "admin").put("password", "nope"));
    var unknown = post("/api/v1/auth/token", null, new JsonObject().put("username", "ghost").put("password", "nope"));
    var userAsClient = post("/api/v1/auth/token", null, new JsonObject().put("clientId", "admin").put("clientSecret", "admin-secret-1"));
    for (var r : List.of(wrong, unknown, userAsClient)) {
      assertThat(r.statusCode()).isEqualTo(401);
    }
    assertThat(detail(wrong)).isEqualTo(detail(unknown)).as("does not tell which ids exist");
    var malformed = post("/api/v1/auth/token", null, new JsonObject().put("user", "admin"));
    assertThat(malformed.statusCode()).isEqualTo(400);
  }

  @Test
  void everyTokenAttackIsRefusedWithItsReason() throws Exception {
    String good = admin;
    String[] parts = good.split("\\.");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String payload = parts[1];

    String none = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + payload + ".";
    assertThat(refusal(none)).contains("algorithm none is not accepted");

    // Algorithm confusion: HS256 keyed with the gateway's public key, which anyone can have.
    SigningKeys keys = SigningKeys.load("ES256", Optional.empty(), Optional.empty(), dir.resolve("data"));
    String hsHeader = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(keys.publicPem().getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
    String hs = hsHeader + "." + payload + "." + b64.encodeToString(mac.doFinal((hsHeader + "." + payload).getBytes(StandardCharsets.US_ASCII)));
    assertThat(refusal(hs)).contains("algorithm HS256 is not accepted");

    // Forged: a role upgrade with the original signature.
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
    String crewToken = login("crew-south", "crew-south-secret");
    String[] crewParts = crewToken.split("\\.");
    JsonObject crewClaims = new JsonObject(new String(Base64.getUrlDecoder().decode(crewParts[1]), StandardCharsets.UTF_8))
        .put("role", "admin").put("regions", new JsonArray());
    String forged = crewParts[0] + "." + b64.encodeToString(crewClaims.encode().getBytes(StandardCharsets.UTF_8)) + "." + crewParts[2];
    assertThat(refusal(forged)).contains("signature");

    // Signed by another key of the right algorithm.
    Path other = dir.resolve("other");
    SigningKeys stranger = SigningKeys.load("ES256", Optional.empty(), Optional.empty(), other);
    Vertx vertx = gateway.vertx();
    String strangers = new Tokens(vertx, stranger, config.auth(), Clock.systemUTC()).issue(principal()).token();
    assertThat(refusal(strangers)).contains("signature");

    Clock past = Clock.offset(Clock.systemUTC(), Duration.ofHours(-3));
    assertThat(refusal(new Tokens(vertx, keys, config.auth(), past).issue(principal()).token())).contains("expired");
    Clock future = Clock.offset(Clock.systemUTC(), Duration.ofHours(3));
    assertThat(refusal(new Tokens(vertx, keys, config.auth(), future).issue(principal()).token())).contains("not valid before");

    var a = config.auth();
    var otherIssuer = new GatewayConfig.AuthConfig(a.algorithm(), a.privateKeyFile(), a.publicKeyFile(), "someone-else",
        a.audience(), a.tokenLifetime(), a.clockSkew(), a.passwordBcryptCost(), a.requestsPerSecond(), a.requestBurst(),
        a.maxStreamsPerPrincipal());
    assertThat(refusal(new Tokens(vertx, keys, otherIssuer, Clock.systemUTC()).issue(principal()).token())).contains("issuer");
    var otherAudience = new GatewayConfig.AuthConfig(a.algorithm(), a.privateKeyFile(), a.publicKeyFile(), a.issuer(),
        "another-api", a.tokenLifetime(), a.clockSkew(), a.passwordBcryptCost(), a.requestsPerSecond(), a.requestBurst(),
        a.maxStreamsPerPrincipal());
    assertThat(refusal(new Tokens(vertx, keys, otherAudience, Clock.systemUTC()).issue(principal()).token())).contains("audience");

    assertThat(refusal("not-a-token")).contains("malformed");
    assertThat(claims.getString("role")).isEqualTo("admin");
    assertThat(get("/api/v1/events", "/api/v1/events", good).statusCode()).as("the real token still works").isEqualTo(200);
  }

  static Principal principal() {
    return new Principal("admin", Role.ADMIN, Optional.empty(), Set.of(), Set.of());
  }

  static String refusal(String token) throws Exception {
    var res = get("/api/v1/events", "/api/v1/events", token);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(401);
    assertThat(res.headers().firstValue("WWW-Authenticate")).get().asString().contains("invalid_token");
    return detail(res);
  }

  @Test
  void crewsAndAgenciesSeeOnlyTheirRegionsAndScopes() throws Exception {
    assertThat(eventTypes(admin)).contains("test.south", "test.east");
    assertThat(allTypes(admin)).as("staff see watchlist hits").contains("recognition.face.hit");
    assertThat(allTypes(login("crew-south", "crew-south-secret"))).as("a crew without faces:read does not")
        .doesNotContain("recognition.face.hit");
    assertThat(eventTypes(login("crew-south", "crew-south-secret"))).containsExactly("test.south");
    assertThat(eventTypes(login("crew-east", "crew-east-secret"))).containsExactly("test.east");
    assertThat(eventTypes(clientLogin("agency-east", "agency-secret"))).containsExactly("test.east");
    var noScope = get("/api/v1/events", "/api/v1/events", clientLogin("agency-noscope", "agency-secret"));
    assertThat(noScope.statusCode()).isEqualTo(403);
    assertThat(detail(noScope)).contains("events:read");
    var crewAdmin = get("/api/v1/accounts", "/api/v1/accounts", login("crew-south", "crew-south-secret"));
    assertThat(crewAdmin.statusCode()).isEqualTo(403);
  }

  @Test
  void accountsAreValidatedAndAudited() throws Exception {
    var crewWithoutUnit = post("/api/v1/accounts", admin, new JsonObject().put("id", "crew-x").put("kind", "user")
        .put("role", "erv-crew").put("secret", "long-enough-1").put("regions", new JsonArray().add("south")));
    assertThat(crewWithoutUnit.statusCode()).isEqualTo(400);
    assertThat(detail(crewWithoutUnit)).contains("unit");
    var again = post("/api/v1/accounts", admin, new JsonObject().put("id", "crew-south").put("kind", "user")
        .put("role", "operator").put("secret", "long-enough-1"));
    assertThat(again.statusCode()).isEqualTo(409);
    var list = get("/api/v1/accounts", "/api/v1/accounts", admin);
    assertThat(new JsonObject(list.body()).getJsonArray("accounts").stream().map(a -> ((JsonObject) a).getString("id")))
        .contains("admin", "crew-south", "agency-east");
    assertThat(list.body()).doesNotContain("secret").doesNotContain("$2");
    var audit = get("/api/v1/audit", "/api/v1/audit?principal=admin", admin);
    assertThat(new JsonObject(audit.body()).getJsonArray("entries").stream()
        .filter(e -> ((JsonObject) e).getString("action").equals("account.create"))
        .map(e -> ((JsonObject) e).getString("target"))).contains("crew-south", "agency-east");
  }

  @Test
  void behindATrustedLoadBalancerTheAuditNamesTheClientFromXForwardedFor() throws Exception {
    JsonObject account = new JsonObject().put("id", "agency-xff").put("kind", "client").put("role", "agency")
        .put("secret", "long-enough-xff").put("regions", new JsonArray().add("east"))
        .put("scopes", new JsonArray().add("alarms:read"));
    var res = OpenApiResponses.check("POST", "/api/v1/accounts", HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/api/v1/accounts")).header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + admin)
        // what a client sent itself, then what the balancer appended: the balancer's own hop is believed
        .header("X-Forwarded-For", "10.9.9.9, 203.0.113.77")
        .POST(HttpRequest.BodyPublishers.ofString(account.encode())).build(), HttpResponse.BodyHandlers.ofString()));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
    var audit = get("/api/v1/audit", "/api/v1/audit?principal=admin", admin);
    JsonObject entry = new JsonObject(audit.body()).getJsonArray("entries").stream().map(JsonObject.class::cast)
        .filter(e -> e.getString("action").equals("account.create") && "agency-xff".equals(e.getString("target")))
        .findFirst().orElseThrow();
    assertThat(entry.getString("remote")).isEqualTo("203.0.113.77");
    var plain = get("/api/v1/audit", "/api/v1/audit?principal=admin", admin);
    assertThat(new JsonObject(plain.body()).getJsonArray("entries").stream().map(JsonObject.class::cast)
        .filter(e -> e.getString("action").equals("account.create") && "crew-south".equals(e.getString("target")))
        .map(e -> e.getString("remote"))).as("without the header: the peer").containsOnly("127.0.0.1");
  }

  @Test
  void aPrincipalOverItsRateGets429WithRetryAfterAndOthersAreUnaffected() throws Exception {
    String crew = login("crew-east", "crew-east-secret");
    // Sent all at once: 60 sequential requests on a loaded 2-core machine can take long enough (over 4 s at
    // 5/s after a burst of 40) for the bucket to refill and the test to see no 429.
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/events?limit=1"))
        .header("Authorization", "Bearer " + crew).build();
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 60; i++) {
      sent.add(HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
    }
    int limited = 0;
    HttpResponse<String> last = null;
    for (var f : sent) {
      var r = OpenApiResponses.check("GET", "/api/v1/events", f.get());
      if (r.statusCode() == 429) {
        limited++;
        last = r;
      }
    }
    assertThat(limited).isPositive();
    assertThat(last.headers().firstValue("Retry-After")).get().satisfies(v -> assertThat(Integer.parseInt(v)).isPositive());
    assertThat(get("/api/v1/events", "/api/v1/events?limit=1", admin).statusCode()).isEqualTo(200);
  }
}
