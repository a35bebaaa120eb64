package org.safecity.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import org.safecity.gateway.testing.CuttableProxy;
import org.safecity.gateway.testing.OpenApiResponses;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.SseClient;
import org.safecity.gateway.testing.SseClient.Frame;
import org.safecity.gateway.testing.TestPostgres;

/**
 * {@code GET /api/v1/events/stream} over real HTTP against a real PostgreSQL, read by a hand-written SSE parser
 * on {@link HttpClient}, a raw socket that stops reading, and the {@code eventsource} npm package. Each test
 * streams as its own principal (the stream limit is per principal) and its own event types.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class EventStreamIT {
  static final String STREAM = "/api/v1/events/stream";
  static final Duration WAIT = Duration.ofSeconds(15);
  static final int MAX_STREAMS = 3;
  static final int REPLAY_WINDOW = 2000;
  static final int MAX_QUEUED = 200;
  /** Small, so the tests' longer replays read the log first and the hub's memory for their end. */
  static final int RECENT = 64;

  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static GatewayConfig config;
  static int port;
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    port = Ports.free();
    config = ConfigLoader.load(Optional.empty(), Map.ofEntries(
        Map.entry("SAFECITY_STORE_URL", postgres.url()),
        Map.entry("SAFECITY_DATA_DIR", dir.resolve("data").toString()),
        Map.entry("SAFECITY_HTTP_PORT", String.valueOf(port)),
        Map.entry("SAFECITY_MQTT_ENABLED", "false"),
        Map.entry("SAFECITY_RTSP_ENABLED", "false"),
        Map.entry("SAFECITY_AUTH_PASSWORD_BCRYPT_COST", "4"),
        Map.entry("SAFECITY_AUTH_REQUESTS_PER_SECOND", "1000"),
        Map.entry("SAFECITY_AUTH_REQUEST_BURST", "1000"),
        Map.entry("SAFECITY_AUTH_CLOCK_SKEW", "0s"),
        Map.entry("SAFECITY_AUTH_MAX_STREAMS_PER_PRINCIPAL", String.valueOf(MAX_STREAMS)),
        Map.entry("SAFECITY_SSE_HEARTBEAT", "1s"),
        Map.entry("SAFECITY_SSE_REPLAY_WINDOW", String.valueOf(REPLAY_WINDOW)),
        Map.entry("SAFECITY_SSE_MAX_QUEUED_EVENTS", String.valueOf(MAX_QUEUED)),
        Map.entry("SAFECITY_SSE_RECENT_EVENTS", String.valueOf(RECENT)),
        Map.entry("SAFECITY_BOOTSTRAP_ADMIN_SECRET", "admin-secret-1")));
    gateway = Gateway.start(config);
    admin = login(new JsonObject().put("username", "admin").put("password", "admin-secret-1"));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }

  // ---- live delivery, headers, the contract ----

  @Test
  void liveEventsArriveWithTheirLogIdsOverHttp1AndHttp2() throws Exception {
    String op = operator("op-live");
    try (SseClient h1 = stream(op, "?types=test.live.*", null);
         // browsers' EventSource cannot set headers: the token as access_token, over h2c this time
         SseClient h2 = SseClient.open(HttpClient.newHttpClient(),
             SseClient.request(port, STREAM + "?types=test.live.a&access_token=" + op, null).build())) {
      assertThat(h2.status()).isEqualTo(200);
      assertThat(h2.response().version()).isEqualTo(HttpClient.Version.HTTP_2);
      OpenApiResponses.check("GET", STREAM, h2.response());
      var headers = h1.response().headers();
      assertThat(headers.firstValue("Content-Type")).hasValue("text/event-stream");
      assertThat(headers.firstValue("Cache-Control")).hasValue("no-cache");
      assertThat(headers.firstValue("X-Accel-Buffering")).hasValue("no");
      long start1 = position(h1).longId();
      long start2 = position(h2).longId();
      assertThat(h1.retry()).as("retry hint").isEqualTo(2000);

      List<LoggedEvent> logged = append(
          event("test.live.a", "box-1", "south", Map.of("n", 0)),
          event("test.other", "box-1", "south", Map.of("n", 1)),
          event("test.live.b", "cam-1", "east", Map.of("n", 2)),
          event("test.live.a", "box-2", null, Map.of("n", 3)));
      List<Frame> got = h1.messages(3, WAIT);
      assertThat(ids(got)).containsExactly(logged.get(0).id(), logged.get(2).id(), logged.get(3).id());
      assertThat(got.get(0).longId()).isGreaterThan(start1);
      for (Frame f : got) {
        JsonObject e = f.json();
        assertThat(e.getLong("id")).as("SSE id is the log id").isEqualTo(f.longId());
        assertThat(e.fieldNames()).contains("type", "source", "region", "at", "body");
      }
      assertThat(got.get(1).json().getString("type")).isEqualTo("test.live.b");
      assertThat(got.get(1).json().getString("source")).isEqualTo("cam-1");
      assertThat(got.get(1).json().getJsonObject("body").getInteger("n")).isEqualTo(2);
      assertThat(ids(h2.messages(2, WAIT))).containsExactly(logged.get(0).id(), logged.get(3).id());
      assertThat(start2).isLessThan(logged.get(0).id());
      assertNoMessage(h1, Duration.ofMillis(1500));
      assertNoMessage(h2, Duration.ofMillis(10));
    }
  }

  // ---- who sees what ----

  @Test
  void crewsAgenciesAndStaffGetOnlyTheirRegionsScopesAndDispatches() throws Exception {
    create("crew-south", "user", "erv-crew", "erv-07", List.of("south"), List.of());
    create("crew-east", "user", "erv-crew", "erv-11", List.of("east"), List.of());
    create("agency-east", "client", "agency", null, List.of("east"), List.of("events:read"));
    create("agency-alarms", "client", "agency", null, List.of("east"), List.of("alarms:read"));
    create("agency-noscope", "client", "agency", null, List.of("east"), List.of("cameras:read"));
    String crewSouth = login(user("crew-south"));
    String crewEast = login(user("crew-east"));
    String agencyEast = login(client("agency-east"));
    String agencyAlarms = login(client("agency-alarms"));
    String noScope = login(client("agency-noscope"));
    String op = operator("op-regions");

    assertThat(refused(noScope, "").statusCode()).isEqualTo(403);
    assertThat(detail(refused(noScope, ""))).contains("events:read", "alarms:read");
    assertThat(refused(agencyAlarms, "?types=test.region.x").statusCode()).as("alarms:read is alarm.* only").isEqualTo(403);
    assertThat(refused(agencyAlarms, "?types=*").statusCode()).isEqualTo(403);
    assertThat(refused(crewSouth, "?region=east").statusCode()).isEqualTo(403);
    assertThat(detail(refused(crewSouth, "?region=east"))).contains("region east");

    try (SseClient south = stream(crewSouth, "", null);
         SseClient southTyped = stream(crewSouth, "?types=test.region.*", null);
         SseClient east = stream(crewEast, "", null);
         SseClient agency = stream(agencyEast, "?types=test.region.*,alarm.*", null);
         SseClient alarmsOnly = stream(agencyAlarms, "", null);
         SseClient staff = stream(op, "?region=south&types=alarm.*,test.region.*", null)) {
      for (SseClient c : List.of(south, southTyped, east, agency, alarmsOnly, staff)) {
        position(c);
      }
      List<LoggedEvent> e = append(
          event("alarm.raised", "box-s1", "south", Map.of("n", 1)),
          event("alarm.raised", "box-e1", "east", Map.of("n", 2)),
          event("test.region.x", "box-s1", "south", Map.of("n", 3)),
          event("test.region.x", "box-e1", "east", Map.of("n", 4)),
          event("incident.dispatched", "incident-1", "south", Map.of("n", 5, "unit", "erv-07")),
          event("incident.dispatched", "incident-2", "east", Map.of("n", 6, "unit", "erv-07")),
          event("box.status", "box-s1", "south", Map.of("n", 7, "unit", "erv-07")),
          event("alarm.raised", "gateway", null, Map.of("n", 8)),
          event("alarm.raised", "box-s1", "south", Map.of("n", 9, "end", true)),
          event("alarm.raised", "box-e1", "east", Map.of("n", 10, "end", true)));
      // the last event each stream may see ends its collection; anything else it got is in the list
      assertThat(ns(until(south, e.get(8).id()))).as("crew-south: its region's alarms and incidents, its own unit")
          .containsExactly(1, 5, 7, 9);
      assertThat(ns(until(east, e.get(9).id()))).as("crew-east: never south, never the gateway-wide alarm")
          .containsExactly(2, 6, 10);
      assertThat(ns(until(agency, e.get(9).id()))).containsExactly(2, 4, 10);
      assertThat(ns(until(alarmsOnly, e.get(9).id()))).containsExactly(2, 10);
      assertThat(ns(until(staff, e.get(8).id()))).containsExactly(1, 3, 9);
      assertThat(ns(until(southTyped, e.get(2).id()))).containsExactly(3);
      append(event("test.region.x", "box-s1", "south", Map.of("n", 11)));
      assertThat(ns(southTyped.messages(1, WAIT))).containsExactly(11);
    }
  }

  @Test
  void malformedFiltersAre400() throws Exception {
    String op = operator("op-bad");
    for (String q : List.of("?types=bad%20type", "?types=a..b", "?types=alarm.*.x", "?types=" + "a,".repeat(40))) {
      var r = refused(op, q);
      assertThat(r.statusCode()).as(q).isEqualTo(400);
    }
  }

  // ---- resume ----

  @Test
  void resumingAfterADisconnectReplaysExactlyTheMissedEventsThenGoesLive() throws Exception {
    String op = operator("op-resume");
    List<LoggedEvent> before;
    try (SseClient c = stream(op, "?types=test.resume", null)) {
      position(c);
      before = append(5, "test.resume", null);
      assertThat(ids(c.messages(5, WAIT))).containsExactlyElementsOf(ids(before, "test.resume"));
      assertThat(c.lastEventId()).isEqualTo(String.valueOf(before.get(before.size() - 1).id()));
    }
    // the first missed event is the very next id after the resume point; others are interleaved
    List<LoggedEvent> missed = append(5, "test.resume", "test.resume.other");
    String last = String.valueOf(before.get(before.size() - 1).id());
    assertThat(missed.get(0).id()).isEqualTo(Long.parseLong(last) + 1);
    List<Long> all = new ArrayList<>(ids(missed, "test.resume"));
    try (SseClient c = stream(op, "?types=test.resume", last)) {
      assertThat(ids(c.messages(5, WAIT))).as("exactly the missed ones, in order")
          .containsExactlyElementsOf(ids(missed, "test.resume"));
      List<LoggedEvent> live = append(2, "test.resume", "test.resume.other");
      assertThat(ids(c.messages(2, WAIT))).containsExactlyElementsOf(ids(live, "test.resume"));
      assertNoMessage(c, Duration.ofMillis(1500));
      all.addAll(ids(live, "test.resume"));
    }
    // lastEventId for clients that cannot set headers; the header wins when both are sent
    all.addAll(ids(append(2, "test.resume", "test.resume.other"), "test.resume"));
    try (SseClient c = SseClient.open(SseClient.request(port, STREAM + "?types=test.resume&lastEventId=" + all.get(1), op)
        .build())) {
      assertThat(ids(c.messages(all.size() - 2, WAIT))).containsExactlyElementsOf(all.subList(2, all.size()));
    }
    try (SseClient c = SseClient.open(SseClient.request(port, STREAM + "?types=test.resume&lastEventId=0", op)
        .header("Last-Event-ID", String.valueOf(all.get(all.size() - 2))).build())) {
      assertThat(ids(c.messages(1, WAIT))).containsExactly(all.get(all.size() - 1));
      assertNoMessage(c, Duration.ofMillis(1000));
    }
  }

  @Test
  void aRecentResumeIsReplayedFromMemoryALongerOneFromTheLogThenMemory() throws Exception {
    String op = operator("op-memory");
    long start;
    try (SseClient c = stream(op, "?types=test.memory", null)) {
      start = position(c).longId();
    }
    List<LoggedEvent> few = append(10, "test.memory", null);
    double log0 = metric("gateway_sse_replay_pages_total{from=\"log\"");
    double memory0 = metric("gateway_sse_replay_pages_total{from=\"memory\"");
    long last;
    try (SseClient c = stream(op, "?types=test.memory", String.valueOf(start))) {
      assertThat(ids(c.messages(10, WAIT))).containsExactlyElementsOf(ids(few, "test.memory"));
      List<LoggedEvent> live = append(2, "test.memory", null);
      assertThat(ids(c.messages(2, WAIT))).as("then live").containsExactlyElementsOf(ids(live, "test.memory"));
      last = live.get(1).id();
    }
    assertThat(metric("gateway_sse_replay_pages_total{from=\"log\"")).as("a recent resume reads no log").isEqualTo(log0);
    assertThat(metric("gateway_sse_replay_pages_total{from=\"memory\"")).isGreaterThan(memory0);

    // Further back than the hub keeps (RECENT events): the log first, the last page from memory, then live.
    List<LoggedEvent> many = append(RECENT * 2, "test.memory", "test.memory.other");
    try (SseClient c = stream(op, "?types=test.memory", String.valueOf(last))) {
      assertThat(ids(c.messages(RECENT * 2, WAIT))).containsExactlyElementsOf(ids(many, "test.memory"));
      List<LoggedEvent> live = append(1, "test.memory", null);
      assertThat(ids(c.messages(1, WAIT))).containsExactlyElementsOf(ids(live, "test.memory"));
      assertNoMessage(c, Duration.ofMillis(500));
    }
    assertThat(metric("gateway_sse_replay_pages_total{from=\"log\"")).isGreaterThan(log0);
  }

  @Test
  void resumingWhileEventsAreAppendedConcurrentlyLosesAndRepeatsNothing() throws Exception {
    String op = operator("op-conc");
    List<Long> written = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> writerFailed = new AtomicReference<>();
    SseClient c = stream(op, "?types=test.conc", null);
    position(c);
    // Two writers appending back to back (group commits of several events, published while streams resume) and
    // a third, slower one of another type, whose ids the stream must skip.
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      boolean noise = w == 2;
      String source = "box-" + w;
      writers.add(new Thread(() -> {
        try {
          for (int n = 0; !stop.get(); n++) {
            if (noise) {
              append(event("test.conc.noise", source, "south", Map.of("n", n)));
              Thread.sleep(5);
            } else {
              written.add(append(event("test.conc", source, "south", Map.of("n", n))).get(0).id());
            }
          }
        } catch (Throwable t) {
          writerFailed.set(t);
        }
      }, "writer-" + w));
    }
    writers.forEach(Thread::start);
    List<Long> got = new ArrayList<>();
    Random random = new Random(7);
    try {
      // Many short visits near the live edge: each resume's replay ends while the writers commit, racing its
      // last page against the live feed.
      for (int round = 0; round < 80; round++) {
        got.addAll(ids(c.messages(1, WAIT)));
        got.addAll(ids(messagesFor(c, Duration.ofMillis(20 + random.nextInt(80)))));
        // the last event this client took in (its reader may have parsed more, which the close throws away)
        String resumeFrom = String.valueOf(got.get(got.size() - 1));
        c.close(); // mid-stream: events keep committing while this client is away
        Thread.sleep(random.nextInt(40));
        c = stream(op, "?types=test.conc", resumeFrom);
      }
      stop.set(true);
      for (Thread t : writers) {
        t.join(30_000);
      }
      assertThat(writerFailed.get()).isNull();
      long lastWritten = Collections.max(written);
      while (got.get(got.size() - 1) < lastWritten) {
        got.addAll(ids(c.messages(1, WAIT)));
      }
    } finally {
      stop.set(true);
      c.close();
    }
    List<Long> expected = new ArrayList<>(written);
    Collections.sort(expected);
    assertThat(expected).hasSizeGreaterThan(200);
    assertThat(got).as("before and after every resume: every id once, in order").containsExactlyElementsOf(expected);
  }

  @Test
  void aResumePointTooOldOrUnknownGetsAnExplicitResetThenLiveEvents() throws Exception {
    String op = operator("op-reset");
    long start;
    try (SseClient c = stream(op, "?types=test.reset", null)) {
      start = position(c).longId();
    }
    List<LoggedEvent> flood = append(REPLAY_WINDOW + 50, "test.reset", null);
    long newest = flood.get(flood.size() - 1).id();
    try (SseClient c = stream(op, "?types=test.reset", String.valueOf(start))) {
      Frame reset = c.nextEvent(WAIT);
      assertThat(reset.isNotice("reset")).as("%s", reset).isTrue();
      assertThat(reset.longId()).isEqualTo(newest);
      assertThat(reset.json().getLong("currentId")).isEqualTo(newest);
      assertThat(reset.json().getString("reason")).contains("replay window");
      assertNoMessage(c, Duration.ofMillis(1000)); // nothing of the old range is replayed
      LoggedEvent next = append(event("test.reset", "box-1", "south", Map.of("n", -1))).get(0);
      Frame f = c.nextEvent(WAIT);
      assertThat(f.isMessage()).isTrue();
      assertThat(f.longId()).isEqualTo(next.id()).isEqualTo(newest + 1);
      newest = next.id();
    }
    for (String unknown : List.of(String.valueOf(newest + 1_000_000), "not-an-id", "4f1c-77", "99999999999999999999")) {
      try (SseClient c = stream(op, "?types=test.reset", unknown)) {
        Frame reset = c.nextEvent(WAIT);
        assertThat(reset.isNotice("reset")).as(unknown).isTrue();
        assertThat(reset.json().getLong("currentId")).isEqualTo(newest);
        assertThat(c.lastEventId()).isEqualTo(String.valueOf(newest));
      }
    }
    // within the window: a replay, no reset
    try (SseClient c = stream(op, "?types=test.reset", String.valueOf(newest - 10))) {
      List<Frame> replay = c.messages(10, WAIT);
      assertThat(replay.get(0).longId()).isEqualTo(newest - 9);
      assertThat(replay.get(9).longId()).isEqualTo(newest);
    }
  }

  @Test
  void anEventWhoseBusMessageNeverArrivesIsReadFromTheLogInItsPlace() throws Exception {
    // As another gateway node without a clustered bus would: committed to the shared log, published nowhere here.
    String op = operator("op-gap");
    try (SseClient c = stream(op, "?types=test.gap", null)) {
      position(c);
      double before = metric("gateway_event_tail_read_total");
      long silent = Blocking.await(gateway.database().pool().withTransaction(conn -> conn.query(
              "SELECT pg_advisory_xact_lock(" + 0x5AFEC172L + ")").execute()
          .compose(v -> conn.query("INSERT INTO event_log (id, type, source, region, ts, body) "
              + "SELECT coalesce(max(id), 0) + 1, 'test.gap', 'other-node', 'south', now(), '{\"n\": 1}'::jsonb "
              + "FROM event_log RETURNING id").execute())
          .map(rows -> rows.iterator().next().getLong(0))), WAIT, "insert behind the bus's back");
      // No bus message and no notification tell this node; its event tail's periodic check (every 2 s) or the next
      // commit's notification makes it read the log, whichever comes first: either way in order, once.
      LoggedEvent next = append(event("test.gap", "box-1", "south", Map.of("n", 2))).get(0);
      assertThat(next.id()).isEqualTo(silent + 1);
      List<Frame> got = c.messages(2, WAIT);
      assertThat(ids(got)).containsExactly(silent, next.id());
      assertThat(got.get(0).json().getString("source")).isEqualTo("other-node");
      // The node's event tail read it from the log (since scale-out the streams' feed has no gaps to fill).
      assertThat(metric("gateway_event_tail_read_total")).isGreaterThanOrEqualTo(before + 1);
    }
  }

  // ---- keeping the connection ----

  @Test
  void heartbeatsComeAsCommentsAndAQuietFilterIsNotLeftBehindTheReplayWindow() throws Exception {
    String op = operator("op-hb");
    Frame moved;
    try (SseClient c = stream(op, "?types=test.quiet", null)) {
      long start = position(c).longId();
      Frame ping1 = comment(c, Duration.ofSeconds(5));
      Frame ping2 = comment(c, Duration.ofSeconds(5));
      assertThat(ping1.data()).isEqualTo("ping");
      assertThat(Duration.ofNanos(ping2.atNanos() - ping1.atNanos())).as("sse.heartbeat is 1s")
          .isBetween(Duration.ofMillis(500), Duration.ofMillis(3000));
      // Other types move the log on; this client's id would fall out of the replay window without positions.
      append(REPLAY_WINDOW * 3 / 4, "test.noise", null);
      moved = c.nextEvent(WAIT);
      assertThat(moved.isNotice("position")).as("%s", moved).isTrue();
      assertThat(moved.longId()).isGreaterThanOrEqualTo(start + REPLAY_WINDOW * 3 / 4);
      assertThat(moved.json().getLong("lastId")).isEqualTo(moved.longId());
    }
    append(REPLAY_WINDOW * 3 / 4, "test.noise", null);
    try (SseClient c = stream(op, "?types=test.quiet", moved.id())) {
      LoggedEvent quiet = append(event("test.quiet", "box-1", "south", Map.of("n", 1))).get(0);
      Frame f = c.nextEvent(WAIT);
      while (f.isNotice("position")) {
        f = c.nextEvent(WAIT);
      }
      assertThat(f.isMessage()).as("no reset: %s", f).isTrue();
      assertThat(f.longId()).isEqualTo(quiet.id());
    }
  }

  @Test
  void anExpiringTokenEndsTheStreamWithTokenExpired() throws Exception {
    SigningKeys keys = SigningKeys.load("ES256", Optional.empty(), Optional.empty(), dir.resolve("data"));
    // issued "an hour ago less 3 s" by a clock that runs behind: it expires 2-3 s from now (clock skew is 0)
    Clock behind = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(3).minus(config.auth().tokenLifetime()));
    String token = new Tokens(gateway.vertx(), keys, config.auth(), behind)
        .issue(new Principal("op-expiring", Role.OPERATOR, Optional.empty(), Set.of(), Set.of())).token();
    long opened = System.nanoTime();
    LoggedEvent seen;
    try (SseClient c = stream(token, "?types=test.exp", null)) {
      position(c);
      seen = append(event("test.exp", "box-1", "south", Map.of("n", 1))).get(0);
      assertThat(ids(c.messages(1, WAIT))).containsExactly(seen.id());
      Frame expired = c.nextEvent(WAIT);
      Duration after = Duration.ofNanos(expired.atNanos() - opened);
      assertThat(expired.isNotice("token-expired")).as("%s", expired).isTrue();
      assertThat(after).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(10));
      assertThat(expired.longId()).isEqualTo(expired.json().getLong("lastId")).isGreaterThanOrEqualTo(seen.id());
      assertThat(expired.json().getString("reason")).contains("expired");
      assertThat(c.nextEvent(WAIT).kind()).as("the stream ends").isEqualTo(SseClient.Kind.END);
    }
    var again = refused(token, "?types=test.exp");
    assertThat(again.statusCode()).isEqualTo(401);
    assertThat(detail(again)).contains("expired");
  }

  // ---- slow consumers ----

  @Test
  void aClientThatStopsReadingOverflowsAndEndsWhileAnotherKeepsReceivingPromptly() throws Exception {
    String slowToken = operator("op-slow");
    String fastToken = operator("op-fast");
    try (Socket slow = new Socket(); SseClient fast = stream(fastToken, "?types=test.flood", null)) {
      slow.setReceiveBufferSize(4096);
      slow.connect(new InetSocketAddress("127.0.0.1", port));
      slow.setSoTimeout(15_000);
      slow.getOutputStream().write(("GET " + STREAM + "?types=test.flood HTTP/1.1\r\nHost: 127.0.0.1:" + port
          + "\r\nAuthorization: Bearer " + slowToken + "\r\nAccept: text/event-stream\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = slow.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).contains("event: position")) {
        int b = in.read();
        assertThat(b).as("stream start, got %s", head).isNotNegative();
        head.write(b);
      }
      assertThat(head.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200");
      position(fast);
      // From here the slow client reads nothing while 1,500 events of 8 kB each (12 MB) are committed.
      String pad = "x".repeat(8000);
      List<Long> flood = new ArrayList<>();
      List<long[]> chunks = new ArrayList<>(); // {last id of the chunk, nanoTime its commit was acknowledged}
      for (int k = 0; k < 30; k++) {
        List<NewEvent> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          batch.add(event("test.flood", "box-1", "south", Map.of("n", k * 50 + i, "pad", pad)));
        }
        List<LoggedEvent> done = append(batch);
        chunks.add(new long[] {done.get(done.size() - 1).id(), System.nanoTime()});
        done.forEach(e -> flood.add(e.id()));
      }
      List<Frame> got = fast.messages(flood.size(), Duration.ofSeconds(60));
      assertThat(ids(got)).containsExactlyElementsOf(flood);
      Map<Long, Long> arrived = new HashMap<>();
      got.forEach(f -> arrived.put(f.longId(), f.atNanos()));
      long worst = 0;
      for (long[] chunk : chunks) {
        worst = Math.max(worst, arrived.get(chunk[0]) - chunk[1]);
      }
      assertThat(Duration.ofNanos(worst)).as("the reading client's worst delay behind a commit").isLessThan(Duration.ofSeconds(3));

      // The slow client now reads what the gateway had sent it: some events, the overflow notice, the end.
      ByteArrayOutputStream rest = new ByteArrayOutputStream();
      slow.setSoTimeout(1000);
      byte[] buf = new byte[65536];
      long deadline = System.nanoTime() + Duration.ofSeconds(25).toNanos(); // heartbeats would keep a live stream busy
      for (int n = 0; n >= 0; ) {
        assertThat(System.nanoTime()).as("the gateway ends the slow client's stream; it got %s bytes", rest.size())
            .isLessThan(deadline);
        try {
          n = in.read(buf);
          if (n > 0) {
            rest.write(buf, 0, n);
          }
        } catch (SocketTimeoutException quiet) {
          n = 0;
        }
      }
      String text = rest.toString(StandardCharsets.ISO_8859_1);
      Matcher overflow = Pattern.compile("id: (\\d+)\nevent: overflow\ndata: (\\{.*})\n\n").matcher(text);
      assertThat(overflow.find()).as("an overflow notice in the %s bytes the slow client got", text.length()).isTrue();
      long lastId = Long.parseLong(overflow.group(1));
      JsonObject notice = new JsonObject(overflow.group(2));
      assertThat(notice.getLong("lastId")).isEqualTo(lastId);
      assertThat(notice.getString("reason")).contains(String.valueOf(MAX_QUEUED));
      assertThat(lastId).as("it ended long before the flood did").isLessThan(flood.get(flood.size() - 1));
      assertThat(text).as("the response was ended").endsWith("0\r\n\r\n");
      List<Long> delivered = new ArrayList<>();
      Matcher event = Pattern.compile("id: (\\d+)\ndata: ").matcher(text);
      while (event.find()) {
        delivered.add(Long.parseLong(event.group(1)));
      }
      // What it got before the notice is the flood from its start to lastId, without a gap ...
      int cut = flood.indexOf(lastId);
      assertThat(cut).isNotNegative();
      assertThat(delivered).containsExactlyElementsOf(flood.subList(0, cut + 1));
      // ... and resuming from lastId brings exactly the rest.
      try (SseClient resumed = stream(slowToken, "?types=test.flood", String.valueOf(lastId))) {
        List<Frame> after = resumed.messages(flood.size() - 1 - cut, Duration.ofSeconds(60));
        assertThat(ids(after)).containsExactlyElementsOf(flood.subList(cut + 1, flood.size()));
      }
    }
    assertThat(metric("gateway_sse_ended_total{reason=\"overflow\"")).isGreaterThanOrEqualTo(1);
  }

  // ---- limits ----

  @Test
  void moreStreamsThanAllowedGet429WithRetryAfterUntilOneCloses() throws Exception {
    String op = operator("op-limit");
    List<SseClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_STREAMS; i++) {
        open.add(stream(op, "?types=test.limit", null));
        position(open.get(i));
      }
      var over = refused(op, "?types=test.limit");
      assertThat(over.statusCode()).isEqualTo(429);
      assertThat(Integer.parseInt(over.headers().firstValue("Retry-After").orElseThrow())).isPositive();
      assertThat(detail(over)).contains("maxStreamsPerPrincipal");
      try (SseClient other = stream(operator("op-limit-other"), "?types=test.limit", null)) {
        position(other); // another principal is not affected
      }
      open.remove(0).close();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        SseClient c = SseClient.open(SseClient.request(port, STREAM + "?types=test.limit", op).build());
        if (c.status() == 200) {
          open.add(c);
          position(c);
          break;
        }
        assertThat(c.refusal(WAIT).statusCode()).isEqualTo(429);
        assertThat(System.nanoTime()).as("the closed stream's slot comes back").isLessThan(deadline);
        Thread.sleep(100);
      }
      LoggedEvent e = append(event("test.limit", "box-1", "south", Map.of("n", 1))).get(0);
      for (SseClient c : open) {
        assertThat(ids(c.messages(1, WAIT))).containsExactly(e.id());
      }
    } finally {
      open.forEach(SseClient::close);
    }
  }

  // ---- a real EventSource ----

  @Test
  void theEventsourcePackageResumesByItselfAfterItsConnectionIsCut() throws Exception {
    // Captured, not inherited: npm would make an inherited stdin non-blocking and write into the test runner's
    // own channel (surefire talks to this JVM over its stdin/stdout).
    org.safecity.gateway.testing.Cli.Result install = org.safecity.gateway.testing.Cli.run(java.time.Duration.ofMinutes(5),
        null, "bash", ".ci/install-sse-client");
    assertThat(install.exit()).as("bash .ci/install-sse-client: " + install.output()).isZero();
    String op = operator("op-npm");
    try (CuttableProxy proxy = new CuttableProxy(port)) {
      ProcessBuilder pb = new ProcessBuilder("node", "src/test/resources/sse/eventsource-client.cjs",
          "http://127.0.0.1:" + proxy.port() + STREAM + "?types=test.npm", op, "19").redirectErrorStream(true);
      pb.environment().put("NODE_PATH", Path.of(".ci/sse-client/node_modules").toAbsolutePath().toString());
      Process node = pb.start();
      LinkedBlockingQueue<JsonObject> lines = new LinkedBlockingQueue<>();
      List<JsonObject> all = Collections.synchronizedList(new ArrayList<>());
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            JsonObject o = line.startsWith("{") ? new JsonObject(line) : new JsonObject().put("raw", line);
            all.add(o);
            lines.add(o);
          }
        } catch (Exception e) {
          lines.add(new JsonObject().put("raw", e.toString()));
        }
      }, "node-output");
      reader.setDaemon(true);
      reader.start();
      try {
        await(lines, o -> "position".equals(o.getString("notice")), all);
        List<LoggedEvent> first = append(10, "test.npm", 0);
        for (int i = 0; i < 10; i++) {
          await(lines, o -> o.containsKey("eventId"), all);
        }
        proxy.hold(); // the network goes away: reconnects wait ...
        proxy.cut();
        List<LoggedEvent> second = append(10, "test.npm", 10); // ... while these commit
        Thread.sleep(500);
        proxy.release();
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("node exits after the 20th event; output %s", all).isTrue();
        reader.join(5000);
        assertThat(node.exitValue()).as("%s", all).isZero();
        List<Long> expected = new ArrayList<>();
        first.forEach(e -> expected.add(e.id()));
        second.forEach(e -> expected.add(e.id()));
        List<Long> received = new ArrayList<>();
        synchronized (all) {
          all.stream().filter(o -> o.containsKey("eventId")).forEach(o -> {
            assertThat(o.getLong("id")).as("lastEventId is the event's id").isEqualTo(o.getLong("eventId"));
            received.add(o.getLong("eventId"));
          });
          assertThat(all.stream().filter(o -> o.containsKey("open")).count()).as("reconnected by itself: %s", all)
              .isGreaterThanOrEqualTo(2);
          assertThat(all.stream().filter(o -> o.containsKey("notice") && !"position".equals(o.getString("notice"))))
              .isEmpty();
        }
        assertThat(received).as("complete and in order across the cut").containsExactlyElementsOf(expected);
        List<String> requests = proxy.requests();
        assertThat(requests.get(requests.size() - 1).toLowerCase())
            .contains("last-event-id: " + first.get(first.size() - 1).id());
      } finally {
        node.destroyForcibly();
      }
    }
  }

  // ---- helpers ----

  static SseClient stream(String token, String query, String lastEventId) throws Exception {
    HttpRequest.Builder b = SseClient.request(port, STREAM + query, token);
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    SseClient c = SseClient.open(b.build());
    if (c.status() != 200) {
      throw new AssertionError("stream " + query + ": " + c.status() + " " + c.refusal(WAIT).body());
    }
    OpenApiResponses.check("GET", STREAM, c.response());
    return c;
  }

  /** A request that must be refused: its response, checked against the contract. */
  static HttpResponse<String> refused(String token, String query) throws Exception {
    try (SseClient c = SseClient.open(SseClient.request(port, STREAM + query, token).build())) {
      assertThat(c.status()).as("refused %s", query).isNotEqualTo(200);
      return OpenApiResponses.check("GET", STREAM, c.refusal(WAIT));
    }
  }

  static Frame position(SseClient c) throws InterruptedException {
    Frame f = c.nextEvent(WAIT);
    assertThat(f.isNotice("position")).as("first frame %s", f).isTrue();
    assertThat(f.json().getLong("lastId")).isEqualTo(f.longId());
    return f;
  }

  static Frame comment(SseClient c, Duration timeout) throws InterruptedException {
    Frame f = c.next(timeout);
    assertThat(f.kind()).as("%s", f).isEqualTo(SseClient.Kind.COMMENT);
    return f;
  }

  /** Messages up to and including the one with {@code lastId}. */
  static List<Frame> until(SseClient c, long lastId) throws InterruptedException {
    List<Frame> out = new ArrayList<>();
    while (out.isEmpty() || out.get(out.size() - 1).longId() < lastId) {
      out.addAll(c.messages(1, WAIT));
    }
    return out;
  }

  /** The log events that arrive within {@code d}. */
  static List<Frame> messagesFor(SseClient c, Duration d) throws InterruptedException {
    List<Frame> out = new ArrayList<>();
    long deadline = System.nanoTime() + d.toNanos();
    for (long left; (left = deadline - System.nanoTime()) > 0; ) {
      Optional<Frame> f = c.poll(Duration.ofNanos(left));
      if (f.isPresent() && !f.get().isNotice("position") && f.get().kind() != SseClient.Kind.COMMENT) {
        assertThat(f.get().isMessage()).as("%s", f.get()).isTrue();
        out.add(f.get());
      }
    }
    return out;
  }

  static void assertNoMessage(SseClient c, Duration d) throws InterruptedException {
    long deadline = System.nanoTime() + d.toNanos();
    for (long left; (left = deadline - System.nanoTime()) > 0; ) {
      Optional<Frame> f = c.poll(Duration.ofNanos(left));
      f.ifPresent(x -> assertThat(x.kind()).as("nothing more but heartbeats: %s", x).isEqualTo(SseClient.Kind.COMMENT));
    }
  }

  static void await(LinkedBlockingQueue<JsonObject> lines, java.util.function.Predicate<JsonObject> what,
      List<JsonObject> all) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      JsonObject o = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertThat(o).as("node client output so far: %s", all).isNotNull();
      if (what.test(o)) {
        return;
      }
    }
  }

  static List<Long> ids(List<Frame> frames) {
    return frames.stream().map(Frame::longId).toList();
  }

  static List<Long> ids(List<LoggedEvent> events, String type) {
    return events.stream().filter(e -> e.type().equals(type)).map(LoggedEvent::id).toList();
  }

  static List<Integer> ns(List<Frame> frames) {
    return frames.stream().map(f -> f.json().getJsonObject("body").getInteger("n")).toList();
  }

  static NewEvent event(String type, String source, String region, Map<String, Object> body) {
    return new NewEvent(type, source, region, Instant.now(), body);
  }

  static List<LoggedEvent> append(NewEvent... events) throws Exception {
    return append(List.of(events));
  }

  static List<LoggedEvent> append(List<NewEvent> events) throws Exception {
    return Blocking.await(gateway.eventLog().appendAll(events), WAIT, "append");
  }

  /** {@code n} events of {@code type}, each followed by one of {@code other} when that is not null. */
  static List<LoggedEvent> append(int n, String type, String other) throws Exception {
    List<NewEvent> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      batch.add(event(type, "box-1", "south", Map.of("n", i)));
      if (other != null) {
        batch.add(event(other, "box-1", "south", Map.of("n", i)));
      }
    }
    return append(batch);
  }

  /** {@code n} events of {@code type} numbered from {@code from}, committed one by one. */
  static List<LoggedEvent> append(int n, String type, int from) throws Exception {
    List<LoggedEvent> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.addAll(append(event(type, "box-1", "south", Map.of("n", from + i))));
    }
    return out;
  }

  static double metric(String prefix) throws Exception {
    HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    return res.body().lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  static String operator(String id) throws Exception {
    create(id, "user", "operator", null, List.of(), List.of());
    return login(user(id));
  }

  static JsonObject user(String id) {
    return new JsonObject().put("username", id).put("password", id + "-secret");
  }

  static JsonObject client(String id) {
    return new JsonObject().put("clientId", id).put("clientSecret", id + "-secret");
  }

  static void create(String id, String kind, String role, String unit, List<String> regions, List<String> scopes)
      throws Exception {
    JsonObject b = new JsonObject().put("id", id).put("kind", kind).put("role", role).put("secret", id + "-secret")
        .put("regions", new JsonArray(regions)).put("scopes", new JsonArray(scopes));
    if (unit != null) {
      b.put("unit", unit);
    }
    var res = post("/api/v1/accounts", admin, b);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
  }

  static String login(JsonObject credentials) throws Exception {
    var res = post("/api/v1/auth/token", null, credentials);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return new JsonObject(res.body()).getString("accessToken");
  }

  static HttpResponse<String> post(String path, String token, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return OpenApiResponses.check("POST", path, HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  static String detail(HttpResponse<String> res) {
    return new JsonObject(res.body()).getString("detail");
  }
}
