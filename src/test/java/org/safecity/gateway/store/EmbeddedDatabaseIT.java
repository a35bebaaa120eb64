package org.safecity.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.config.GatewayConfig.EventLogConfig;
import org.safecity.gateway.config.GatewayConfig.StoreConfig;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.ops.Blocking;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedDatabaseIT {
  @TempDir
  Path dataDir;

  private static final Duration T = Duration.ofSeconds(30);

  @Test
  void startsMigratesAndKeepsDataAcrossRestarts() throws Exception {
    StoreConfig storeConfig = new StoreConfig(Optional.empty(), 4, 0, Duration.ofSeconds(5));
    long id;
    try (EmbeddedDatabase pg = EmbeddedDatabase.start(dataDir, 0)) {
      Vertx vertx = Vertx.vertx();
      Database db = Database.connect(vertx, pg.uri(), storeConfig);
      assertThat(Blocking.await(Migrations.fromClasspath().apply(db.pool()), T, "migrate")).containsExactlyElementsOf(
          java.util.stream.IntStream.rangeClosed(1, Migrations.SCRIPTS.size()).boxed().toList());
      EventLog log = new EventLog(vertx, db.pool(), new EventLogConfig(10, 100), new SimpleMeterRegistry());
      id = Blocking.await(log.append(new NewEvent("box.door-open", "box-001", "south", Instant.parse("2026-11-24T10:00:00Z"),
          Map.of("door", "open"))), T, "append").id();
      Blocking.await(vertx.close(), T, "close");
    }
    assertThat(dataDir.resolve("postgres/PG_VERSION")).exists();

    try (EmbeddedDatabase pg = EmbeddedDatabase.start(dataDir, 0)) {
      Vertx vertx = Vertx.vertx();
      Database db = Database.connect(vertx, pg.uri(), storeConfig);
      assertThat(Blocking.await(Migrations.fromClasspath().apply(db.pool()), T, "migrate again"))
          .as("migrations are idempotent").isEmpty();
      EventLog log = new EventLog(vertx, db.pool(), new EventLogConfig(10, 100), new SimpleMeterRegistry());
      List<LoggedEvent> page = Blocking.await(log.read(id - 1, 10), T, "read");
      assertThat(page).hasSize(1);
      assertThat(page.get(0).type()).isEqualTo("box.door-open");
      assertThat(page.get(0).at()).isEqualTo(Instant.parse("2026-11-24T10:00:00Z"));
      assertThat(page.get(0).body()).containsEntry("door", "open");
      // Append-only: the log refuses edits, even from the gateway's own connection.
      var update = db.pool().query("UPDATE event_log SET type = 'x'").execute();
      Blocking.await(update.otherwiseEmpty(), T, "update");
      assertThat(update.cause()).hasMessageContaining("append-only");
      Blocking.await(vertx.close(), T, "close");
    }
  }
}
