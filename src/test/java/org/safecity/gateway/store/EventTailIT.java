package org.safecity.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.config.GatewayConfig.EventLogConfig;
import org.safecity.gateway.config.GatewayConfig.StoreConfig;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.testing.TestPostgres;

/**
 * Two "nodes" (two Vert.x instances that share no event bus at all) on one PostgreSQL: each node's tail publishes
 * every committed event, whichever node committed it, exactly once and in id order; so does an event committed by
 * a writer that never publishes anything (a node that died right after its commit).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EventTailIT {
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static final StoreConfig STORE = new StoreConfig(Optional.empty(), 4, 0, Duration.ofSeconds(5));

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    Vertx v = Vertx.vertx();
    Database db = Database.connect(v, postgres.url(), STORE);
    Blocking.await(Migrations.fromClasspath().apply(db.pool()), Duration.ofSeconds(30), "migrate");
    Blocking.await(v.close(), Duration.ofSeconds(10), "close");
  }

  @AfterAll
  static void stop() {
    postgres.close();
  }

  /** One node: its own Vert.x, pool, event log and tail, and what its bus consumers received. */
  static final class Node implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final Database db = Database.connect(vertx, postgres.url(), STORE);
    final EventLog log = new EventLog(vertx, db.pool(), new EventLogConfig(50, 100_000), new SimpleMeterRegistry());
    final EventTail tail;
    final List<Long> seen = Collections.synchronizedList(new ArrayList<>());

    Node(boolean withTail) throws Exception {
      tail = withTail ? new EventTail(vertx, log, Database.connectOptions(postgres.url()), new SimpleMeterRegistry()) : null;
      vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> seen.add(m.body().getLong("id")));
      if (tail != null) {
        Blocking.await(tail.start(), Duration.ofSeconds(10), "tail");
      }
    }

    Future<Void> append(String source, int count) {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        all.add(log.append(new NewEvent("test.event", source, "south", Instant.now(), Map.of("n", i))));
      }
      return Future.all(all).mapEmpty();
    }

    @Override
    public void close() throws Exception {
      if (tail != null) {
        Blocking.await(tail.stop(), Duration.ofSeconds(10), "tail stop");
      }
      Blocking.await(vertx.close(), Duration.ofSeconds(10), "close");
    }
  }

  @Test
  void everyNodeSeesEveryCommitOnceInOrder() throws Exception {
    try (Node a = new Node(true); Node b = new Node(true); Node silent = new Node(false)) {
      long start = Blocking.await(a.log.lastId(), Duration.ofSeconds(5), "lastId");
      // Interleaved commits from both nodes and from a writer whose commits nobody is told about on any bus.
      Blocking.await(Future.all(a.append("a", 400), b.append("b", 400), silent.append("silent", 200)),
          Duration.ofSeconds(60), "appends");
      long end = Blocking.await(a.log.lastId(), Duration.ofSeconds(5), "lastId");
      assertThat(end - start).isEqualTo(1000);
      List<Long> expected = LongStream.rangeClosed(start + 1, end).boxed().toList();
      for (Node n : List.of(a, b)) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (n.seen.size() < expected.size() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        Thread.sleep(300); // anything extra (a duplicate) would arrive now
        synchronized (n.seen) {
          assertThat(n.seen).as("ids published on a node: each once, in order").containsExactlyElementsOf(expected);
        }
        assertThat(n.tail.last()).isEqualTo(end);
      }
      // The writer without a tail published only its own commits, locally (the behaviour before scale-out).
      assertThat(silent.seen).hasSize(200);
    }
  }

  @Test
  void aCommitWhileTheListenConnectionIsDownIsStillDelivered() throws Exception {
    try (Node a = new Node(true); Node writer = new Node(false)) {
      long start = Blocking.await(a.log.lastId(), Duration.ofSeconds(5), "lastId");
      // Cut a's LISTEN connection from the server side; it reconnects and catches up by id.
      Vertx v = Vertx.vertx();
      try {
        Database admin = Database.connect(v, postgres.url(), STORE);
        Blocking.await(admin.pool().query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            + "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()").execute(), Duration.ofSeconds(5), "terminate");
      } finally {
        Blocking.await(v.close(), Duration.ofSeconds(10), "close");
      }
      Blocking.await(writer.append("w", 30), Duration.ofSeconds(20), "appends");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (a.seen.size() < 30 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(a.seen).containsExactlyElementsOf(LongStream.rangeClosed(start + 1, start + 30).boxed().toList());
    }
  }
}
