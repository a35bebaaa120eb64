package org.safecity.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.config.GatewayConfig;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.store.Database;
import org.safecity.gateway.store.EventLog;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/** The gateway in this JVM against a PostgreSQL server the test controls (store.url). */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayIT {
  private static final Duration T = Duration.ofSeconds(30);
  @TempDir
  Path dir;
  TestPostgres postgres;
  Gateway gateway;
  Vertx client = Vertx.vertx();

  GatewayConfig config() {
    return ConfigLoader.load(Optional.empty(), Map.of(
        "SAFECITY_STORE_URL", postgres.url(),
        "SAFECITY_DATA_DIR", dir.resolve("data").toString(),
        "SAFECITY_HTTP_PORT", String.valueOf(Ports.free()),
        "SAFECITY_MQTT_ENABLED", "false",
        "SAFECITY_STORE_CONNECT_TIMEOUT", "1s",
        "SAFECITY_SHUTDOWN_TIMEOUT", "8s"));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (gateway != null) {
      gateway.stop();
    }
    Blocking.await(client.close(), T, "client");
    if (postgres != null) {
      postgres.close();
    }
  }

  JsonObject ready(int expectedStatus) throws Exception {
    var resp = Blocking.await(WebClient.create(client).get(gateway.config().http().port(), "127.0.0.1", "/health/ready")
        .send(), T, "ready");
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(expectedStatus);
    return resp.bodyAsJsonObject();
  }

  JsonObject awaitReady(int status) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    AssertionError last = null;
    while (System.nanoTime() < end) {
      try {
        return ready(status);
      } catch (AssertionError e) {
        last = e;
        Thread.sleep(200);
      }
    }
    throw last;
  }

  @Test
  void readinessFollowsTheStore() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    gateway = Gateway.start(config());
    JsonObject up = ready(200);
    assertThat(up.getString("status")).isEqualTo("UP");
    assertThat(up.getJsonObject("checks").fieldNames()).contains("store", "http");

    postgres.stop();
    JsonObject down = awaitReady(503);
    assertThat(down.getString("status")).isEqualTo("DOWN");
    assertThat(down.getJsonObject("checks").getJsonObject("store").getString("status")).isEqualTo("DOWN");
    assertThat(down.getJsonObject("checks").getJsonObject("store").getString("detail")).isNotBlank();
    assertThat(down.getJsonObject("checks").getJsonObject("http").getString("status")).isEqualTo("UP");

    postgres.start();
    assertThat(awaitReady(200).getString("status")).isEqualTo("UP");
  }

  @Test
  void stopWithAppendsInFlightLosesNothingAcknowledged() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    gateway = Gateway.start(config());
    EventLog log = gateway.eventLog();
    List<Future<LoggedEvent>> appends = new ArrayList<>();
    // Keep appending from an event loop until the log refuses; stop the gateway meanwhile.
    var producer = gateway.vertx().setPeriodic(1, id -> {
      for (int i = 0; i < 50; i++) {
        synchronized (appends) {
          appends.add(log.append(new NewEvent("test.flood", "producer", null, Instant.now(), Map.of("i", appends.size()))));
        }
      }
    });
    Thread.sleep(1500);
    long t0 = System.nanoTime();
    assertThat(gateway.stop()).as("stopped cleanly").isTrue();
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(10);
    gateway = null;

    List<Long> acknowledged = new ArrayList<>();
    int refused = 0;
    synchronized (appends) {
      for (Future<LoggedEvent> f : appends) {
        assertThat(f.isComplete()).as("every append got an answer before stop returned").isTrue();
        if (f.succeeded()) {
          acknowledged.add(f.result().id());
        } else {
          refused++;
        }
      }
    }
    assertThat(acknowledged).hasSizeGreaterThan(100);
    assertThat(refused).as("appends after close are refused, not dropped silently").isPositive();

    // Read back with a fresh client: every acknowledged id is there with its body.
    Vertx v = Vertx.vertx();
    Database db = Database.connect(v, postgres.url(), config().store());
    var rows = Blocking.await(db.pool().query("SELECT id FROM event_log WHERE type = 'test.flood' ORDER BY id").execute(), T, "read");
    List<Long> stored = new ArrayList<>();
    rows.forEach(r -> stored.add(r.getLong(0)));
    assertThat(stored).containsAll(acknowledged);
    Blocking.await(v.close(), T, "close");
  }
}
