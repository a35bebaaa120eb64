package org.safecity.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.config.GatewayConfig.EventLogConfig;
import org.safecity.gateway.config.GatewayConfig.StoreConfig;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.testing.TestPostgres;

@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EventLogIT {
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Vertx vertx;
  static Database db;

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    vertx = Vertx.vertx();
    db = Database.connect(vertx, postgres.url(),
        new StoreConfig(java.util.Optional.empty(), 8, 0, Duration.ofSeconds(5)));
    Blocking.await(Migrations.fromClasspath().apply(db.pool()), Duration.ofSeconds(30), "migrate");
  }

  @AfterAll
  static void stop() throws Exception {
    Blocking.await(vertx.close(), Duration.ofSeconds(10), "close");
    postgres.close();
  }

  static NewEvent event(String source, int n) {
    return new NewEvent("test.event", source, "south", Instant.now(), Map.of("n", n));
  }

  /** Appends {@code count} events as fast as it can, from its own event loop. */
  static final class Appender extends VerticleBase {
    final String name;
    final int count;
    final EventLog log;
    final List<Long> ids = Collections.synchronizedList(new ArrayList<>());
    volatile boolean wrongContext;

    Appender(String name, int count, EventLog log) {
      this.name = name;
      this.count = count;
      this.log = log;
    }

    Context ctx() {
      return context;
    }

    Future<Void> run() {
      Context mine = context;
      List<Future<LoggedEvent>> all = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        all.add(log.append(event(name, i)).onSuccess(e -> {
          wrongContext |= Vertx.currentContext() != mine;
          ids.add(e.id());
        }));
      }
      return Future.all(all).mapEmpty();
    }
  }

  @Test
  void concurrentAppendsFromManyVerticlesAreGapFreeOrderedAndGroupCommitted() throws Exception {
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    EventLog log = new EventLog(vertx, db.pool(), new EventLogConfig(200, 100_000), metrics);
    long before = Blocking.await(log.lastId(), Duration.ofSeconds(10), "lastId");

    List<JsonObject> published = Collections.synchronizedList(new ArrayList<>());
    var consumer = vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> published.add(m.body()));
    Blocking.await(consumer.completion(), Duration.ofSeconds(5), "consumer");

    int verticles = 8;
    int each = 400;
    List<Appender> appenders = new ArrayList<>();
    for (int v = 0; v < verticles; v++) {
      Appender a = new Appender("src-" + v, each, log);
      Blocking.await(vertx.deployVerticle(a), Duration.ofSeconds(5), "deploy");
      appenders.add(a);
    }
    List<Future<Void>> runs = new ArrayList<>();
    for (Appender a : appenders) {
      runs.add(Future.<Future<Void>>future(p -> a.ctx().runOnContext(x -> p.complete(a.run()))).compose(f -> f));
    }
    Blocking.await(Future.all(runs), Duration.ofSeconds(60), "appends");

    int total = verticles * each;
    List<Long> all = new ArrayList<>();
    for (Appender a : appenders) {
      assertThat(a.wrongContext).as("append futures complete on the caller's context").isFalse();
      assertThat(a.ids).as("one caller's events keep their order").isSorted().hasSize(each);
      all.addAll(a.ids);
    }
    Collections.sort(all);
    assertThat(all).as("ids are gap-free and unique")
        .containsExactlyElementsOf(LongStream.rangeClosed(before + 1, before + total).boxed().toList());

    // What the store holds, paged the way the API pages it.
    List<LoggedEvent> read = new ArrayList<>();
    long after = before;
    while (true) {
      List<LoggedEvent> page = Blocking.await(log.read(after, 333), Duration.ofSeconds(10), "read");
      if (page.isEmpty()) {
        break;
      }
      read.addAll(page);
      after = page.get(page.size() - 1).id();
    }
    assertThat(read).extracting(LoggedEvent::id).containsExactlyElementsOf(all);
    assertThat(read.get(0).body()).containsKey("n");
    assertThat(read.get(0).region()).isEqualTo("south");

    // Publication: every event, in id order, and only after commit (its row is visible when it arrives).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (published.size() < total && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(published).extracting(j -> j.getLong("id")).containsExactlyElementsOf(all);

    // Group commit: far fewer transactions than events.
    long batches = metrics.find("gateway_event_log_batch_events").summary().count();
    assertThat(batches).isLessThan(total / 4);
    assertThat(metrics.find("gateway_event_log_appended").counter().count()).isEqualTo(total);
    consumer.unregister();
  }

  @Test
  void publishedEventIsAlreadyCommitted() throws Exception {
    EventLog log = new EventLog(vertx, db.pool(), new EventLogConfig(50, 1000), new SimpleMeterRegistry());
    var seen = new java.util.concurrent.CompletableFuture<Long>();
    var consumer = vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
      if ("probe".equals(m.body().getString("source"))) {
        // Query from the consumer: the row must already be visible to another connection.
        db.pool().preparedQuery("SELECT count(*) FROM event_log WHERE id = $1")
            .execute(io.vertx.sqlclient.Tuple.of(m.body().getLong("id")))
            .onSuccess(rows -> seen.complete(rows.iterator().next().getLong(0)));
      }
    });
    Blocking.await(consumer.completion(), Duration.ofSeconds(5), "consumer");
    Blocking.await(log.append(event("probe", 1)), Duration.ofSeconds(10), "append");
    assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo(1L);
    consumer.unregister();
  }

  @Test
  void aBadEventFailsAloneAndAppendAllIsAtomic() throws Exception {
    EventLog log = new EventLog(vertx, db.pool(), new EventLogConfig(50, 1000), new SimpleMeterRegistry());
    Future<LoggedEvent> good1 = log.append(event("ok", 1));
    Future<LoggedEvent> bad = log.append(new NewEvent("test.event", "bad", null, Instant.now(), Map.of("t", "a\u0000b")));
    Future<LoggedEvent> badType = log.append(new NewEvent("x\u0000", "bad", null, Instant.now(), Map.of()));
    Future<List<LoggedEvent>> pair = log.appendAll(List.of(event("pair", 1), event("pair", 2)));
    Blocking.await(Future.join(good1, bad, badType, pair).otherwiseEmpty(), Duration.ofSeconds(10), "appends");
    assertThat(good1.succeeded()).isTrue();
    assertThat(bad.cause()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("U+0000");
    assertThat(badType.cause()).isInstanceOf(IllegalArgumentException.class);
    assertThat(pair.result()).extracting(LoggedEvent::id).containsExactly(pair.result().get(0).id(), pair.result().get(0).id() + 1);
  }

  @Test
  void overLimitAppendsAreRefusedNotLost() throws Exception {
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    EventLog log = new EventLog(vertx, db.pool(), new EventLogConfig(5, 20), metrics);
    List<Future<LoggedEvent>> all = new ArrayList<>();
    Blocking.await(Future.<Void>future(p -> vertx.runOnContext(v -> {
      for (int i = 0; i < 200; i++) {
        all.add(log.append(event("burst", i)));
      }
      p.complete();
    })), Duration.ofSeconds(5), "burst");
    Blocking.await(Future.join(new ArrayList<>(all)).otherwiseEmpty(), Duration.ofSeconds(30), "settle");
    List<Long> accepted = all.stream().filter(Future::succeeded).map(f -> f.result().id()).toList();
    long refused = all.stream().filter(Future::failed).filter(f -> f.cause() instanceof EventLogFullException).count();
    assertThat(accepted.size() + refused).isEqualTo(200);
    assertThat(refused).isPositive();
    assertThat(metrics.find("gateway_event_log_refused").counter().count()).isEqualTo(refused);
    for (long id : accepted) {
      var rows = Blocking.await(log.read(id - 1, 1), Duration.ofSeconds(5), "read");
      assertThat(rows).extracting(LoggedEvent::id).containsExactly(id);
    }
  }

  @Test
  void closeWaitsForQueuedAppendsThenRefuses() throws Exception {
    EventLog log = new EventLog(vertx, db.pool(), new EventLogConfig(10, 10_000), new SimpleMeterRegistry());
    List<Future<LoggedEvent>> all = new ArrayList<>();
    Future<Void> closed = Future.future(p -> vertx.runOnContext(v -> {
      for (int i = 0; i < 500; i++) {
        all.add(log.append(event("drain", i)));
      }
      log.close().onComplete(p);
    }));
    Blocking.await(closed, Duration.ofSeconds(30), "close");
    assertThat(all).allSatisfy(f -> assertThat(f.succeeded()).as("accepted before close, committed").isTrue());
    Future<LoggedEvent> late = log.append(event("late", 0));
    assertThat(late.failed()).isTrue();
    assertThat(late.cause()).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("stopping");
  }

  @Test
  void appendOnceAbsorbsResendsAcrossAndWithinBatches() throws Exception {
    EventLog log = new EventLog(vertx, db.pool(), new EventLogConfig(50, 1000), new SimpleMeterRegistry());
    var first = Blocking.await(log.appendOnce(event("dedup", 1), "box-9:telemetry:7"), Duration.ofSeconds(10), "first");
    assertThat(first.duplicate()).isFalse();
    var again = Blocking.await(log.appendOnce(event("dedup", 1), "box-9:telemetry:7"), Duration.ofSeconds(10), "again");
    assertThat(again.duplicate()).isTrue();
    assertThat(again.existingId()).isEqualTo(first.events().get(0).id());

    // Two copies queued together (one batch): one event, and the log stays gap-free.
    List<Future<EventLog.Appended>> twins = new ArrayList<>();
    Blocking.await(Future.<Void>future(p -> vertx.runOnContext(v -> {
      twins.add(log.appendOnce(event("dedup", 2), "box-9:telemetry:8"));
      twins.add(log.appendOnce(event("dedup", 2), "box-9:telemetry:8"));
      twins.add(log.appendOnce(event("dedup", 3), "box-9:telemetry:9"));
      p.complete();
    })), Duration.ofSeconds(5), "queue");
    Blocking.await(Future.all(new ArrayList<>(twins)), Duration.ofSeconds(10), "twins");
    assertThat(twins.get(0).result().duplicate()).isFalse();
    assertThat(twins.get(1).result().duplicate()).isTrue();
    long a = twins.get(0).result().events().get(0).id();
    assertThat(twins.get(1).result().existingId()).isEqualTo(a);
    assertThat(twins.get(2).result().events().get(0).id()).isEqualTo(a + 1);
  }
}
