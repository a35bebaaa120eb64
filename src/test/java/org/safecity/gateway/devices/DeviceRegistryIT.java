package org.safecity.gateway.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.config.ConfigException;
import org.safecity.gateway.config.GatewayConfig.StoreConfig;
import org.safecity.gateway.core.Box;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.store.Database;
import org.safecity.gateway.store.Migrations;
import org.safecity.gateway.testing.TestPostgres;

@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeviceRegistryIT {
  static final Duration WAIT = Duration.ofSeconds(30);
  /** Fast hashes keep the tests quick; the cost is a parameter precisely for this. */
  static final int COST = 4;

  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Vertx vertx;
  static Database db;

  @TempDir
  Path files;
  final List<DeviceRegistry> opened = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    vertx = Vertx.vertx();
    db = Database.connect(vertx, postgres.url(), new StoreConfig(Optional.empty(), 8, 0, Duration.ofSeconds(5)));
    Blocking.await(Migrations.fromClasspath().apply(db.pool()), WAIT, "migrate");
  }

  @AfterAll
  static void stop() throws Exception {
    Blocking.await(vertx.close(), Duration.ofSeconds(10), "close");
    postgres.close();
  }

  @BeforeEach
  void emptyTables() throws Exception {
    Blocking.await(db.pool().query("TRUNCATE cameras, boxes").execute(), WAIT, "truncate");
  }

  @AfterEach
  void closeRegistries() throws Exception {
    for (DeviceRegistry r : opened) {
      Blocking.await(r.close(), WAIT, "close registry");
    }
  }

  /** A box with one camera, {@code <id>-cam}, whose publish secret is {@code pub-<secret>}. */
  record B(String id, String secret, String region, double fence) {
    B(String id, String secret) {
      this(id, secret, "south", 50);
    }
  }

  static String yaml(B... boxes) {
    StringBuilder s = new StringBuilder("boxes:\n");
    for (B b : boxes) {
      s.append("  - id: ").append(b.id()).append("\n    secret: \"").append(b.secret()).append("\"\n    region: ")
          .append(b.region()).append("\n    location: { lat: 24.81, lon: 67.03 }\n    geofenceMeters: ").append(b.fence())
          .append("\n    cameras: [").append(b.id()).append("-cam]\n");
    }
    s.append("cameras:\n");
    for (B b : boxes) {
      s.append("  - id: ").append(b.id()).append("-cam\n    region: ").append(b.region()).append("\n    box: ")
          .append(b.id()).append("\n    location: { lat: 24.8101, lon: 67.0301 }\n    publishUser: pub\n")
          .append("    publishSecret: \"pub-").append(b.secret()).append("\"\n");
    }
    return s.toString();
  }

  Path write(String text) throws Exception {
    Path f = files.resolve("devices.yaml");
    // Write then rename, as the example file recommends, so a watcher never sees half a file.
    Path tmp = files.resolve("devices.yaml.tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return f;
  }

  DeviceRegistry start(Optional<Path> file) throws Exception {
    return start(file, COST, 4);
  }

  DeviceRegistry start(Optional<Path> file, int cost, int maxConcurrent) throws Exception {
    DeviceRegistry r = Blocking.await(DeviceRegistry.start(vertx, db.pool(), file, cost, maxConcurrent), WAIT, "start");
    opened.add(r);
    return r;
  }

  static Optional<Box> auth(DeviceRegistry r, String box, String secret) throws Exception {
    return Blocking.await(r.authenticate(box, secret), WAIT, "authenticate");
  }

  static List<Row> rows(String sql) throws Exception {
    List<Row> out = new ArrayList<>();
    Blocking.await(db.pool().query(sql).execute(), WAIT, sql).forEach(out::add);
    return out;
  }

  static Map<String, String> boxHashes() throws Exception {
    Map<String, String> out = new TreeMap<>();
    rows("SELECT id, secret_hash FROM boxes").forEach(r -> out.put(r.getString(0), r.getString(1)));
    return out;
  }

  static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void loadsTheExampleAndAuthenticatesGoodBadUnknownAndStoredHash() throws Exception {
    Path file = files.resolve("devices.yaml");
    Files.copy(Path.of("gateway-config/devices.example.yaml"), file);
    DeviceRegistry r = start(Optional.of(file));

    assertThat(r.version()).isEqualTo(1);
    assertThat(r.boxes()).extracting(Box::id).containsExactly("box-001", "box-002", "box-003", "box-004");
    assertThat(r.cameras()).hasSize(8);
    assertThat(r.camera("cam-005")).get().satisfies(c -> {
      assertThat(c.boxId()).isEqualTo("box-003");
      assertThat(c.source()).contains("rtsp://10.20.3.15:554/Streaming/Channels/101");
      assertThat(c.readUser()).contains("viewer");
    });
    assertThat(r.box("box-002")).get().extracting(Box::geofenceMeters).isEqualTo(75.0);
    assertThat(r.box("nope")).isEmpty();
    assertThat(r.camera("nope")).isEmpty();

    assertThat(auth(r, "box-001", "change-me")).get().extracting(Box::id).isEqualTo("box-001");
    assertThat(auth(r, "box-001", "change-me-too")).isEmpty();
    assertThat(auth(r, "box-001", "")).isEmpty();
    assertThat(auth(r, "box-002", "change-me")).isEmpty();

    // An unknown id pays for a bcrypt check like a wrong secret does, so timing does not reveal which ids exist.
    long before = r.credentials().bcryptVerifications();
    assertThat(auth(r, "box-999", "change-me")).isEmpty();
    assertThat(r.credentials().bcryptVerifications()).isEqualTo(before + 1);
    // Ids that cannot exist are refused without any work.
    assertThat(auth(r, "box 1/../x", "change-me")).isEmpty();
    assertThat(auth(r, "box-001", "x".repeat(73))).isEmpty();
    assertThat(r.credentials().bcryptVerifications()).isEqualTo(before + 1);

    // A hash in the file is stored as given and checks the secret it was made from.
    assertThat(boxHashes()).containsEntry("box-004", "$2b$10$kqMVoxiVcn5GeOyWtzKdXOdQCj6oKJyvQRlz9n5bmRlzUd9Gcaili");
    assertThat(auth(r, "box-004", "box-004-example-secret")).get().extracting(Box::id).isEqualTo("box-004");
    assertThat(auth(r, "box-004", "box-004-example")).isEmpty();
  }

  @Test
  void theTablesNeverHoldAPlainSecret() throws Exception {
    Path file = files.resolve("devices.yaml");
    Files.copy(Path.of("gateway-config/devices.example.yaml"), file);
    start(Optional.of(file));
    List<String> plain = List.of("change-me", "change-me-too", "change-me-three", "change-me-publish", "change-me-read",
        "change-me-read-3");
    List<String> stored = new ArrayList<>();
    rows("SELECT secret_hash FROM boxes").forEach(row -> stored.add(row.getString(0)));
    rows("SELECT publish_secret_hash, read_secret_hash FROM cameras").forEach(row -> {
      for (int i = 0; i < 2; i++) {
        if (row.getValue(i) != null) {
          stored.add(row.getString(i));
        }
      }
    });
    assertThat(stored).hasSize(4 + 3);
    assertThat(stored).allSatisfy(h -> {
      assertThat(h).startsWith("$2").matches(Bcrypt.HASH);
      assertThat(plain).noneMatch(h::contains);
    });
    assertThat(Bcrypt.verify("change-me", boxHashes().get("box-001"))).isTrue();
    String publish = rows("SELECT publish_secret_hash FROM cameras WHERE id = 'cam-003'").get(0).getString(0);
    assertThat(Bcrypt.verify("change-me-publish", publish)).isTrue();
    // The schema refuses a plain secret even from code that bypasses the registry.
    assertThatThrownBy(() -> rows("UPDATE boxes SET secret_hash = 'change-me' WHERE id = 'box-001'"))
        .hasMessageContaining("boxes_secret_hash_check");
  }

  @Test
  void reloadAddsChangesAndRemovesBoxesBumpsTheVersionAndTellsListeners() throws Exception {
    Path file = write(yaml(new B("box-a", "sa"), new B("box-b", "sb")));
    DeviceRegistry r = start(Optional.of(file));
    Context ctx = vertx.getOrCreateContext();
    List<Snapshot> seen = new CopyOnWriteArrayList<>();
    List<Boolean> onItsContext = new CopyOnWriteArrayList<>();
    Blocking.await(Future.<Void>future(p -> ctx.runOnContext(v -> {
      r.onChange(s -> {
        onItsContext.add(Vertx.currentContext() == ctx);
        seen.add(s);
      });
      p.complete();
    })), WAIT, "listen");

    write(yaml(new B("box-a", "sa", "east", 120), new B("box-c", "sc")));
    assertThat(Blocking.await(r.reload(), WAIT, "reload")).isEqualTo(2);
    assertThat(r.version()).isEqualTo(2);
    assertThat(r.boxes()).extracting(Box::id).containsExactly("box-a", "box-c");
    assertThat(r.box("box-a")).get().satisfies(b -> {
      assertThat(b.region()).isEqualTo("east");
      assertThat(b.geofenceMeters()).isEqualTo(120.0);
    });
    assertThat(r.box("box-b")).isEmpty();
    assertThat(r.camera("box-b-cam")).isEmpty();
    assertThat(r.camera("box-c-cam")).isPresent();
    assertThat(auth(r, "box-c", "sc")).isPresent();
    assertThat(auth(r, "box-b", "sb")).isEmpty();
    assertThat(boxHashes()).containsOnlyKeys("box-a", "box-c");
    assertThat(rows("SELECT id FROM cameras ORDER BY id")).extracting(row -> row.getString(0))
        .containsExactly("box-a-cam", "box-c-cam");
    assertThat(rows("SELECT region FROM boxes WHERE id = 'box-a'").get(0).getString(0)).isEqualTo("east");

    eventually(() -> seen.size() == 1, "the listener");
    assertThat(seen.get(0).version()).isEqualTo(2);
    assertThat(seen.get(0).boxes()).containsOnlyKeys("box-a", "box-c");
    assertThat(onItsContext).containsExactly(true);

    // Every successful reload is a new version, even when nothing changed.
    assertThat(Blocking.await(r.reload(), WAIT, "reload")).isEqualTo(3);
    eventually(() -> seen.size() == 2, "the listener");
  }

  @Test
  void reloadingTheSamePlainSecretKeepsTheStoredHashAndRow() throws Exception {
    Path file = write(yaml(new B("box-a", "sa"), new B("box-b", "sb")));
    DeviceRegistry r = start(Optional.of(file));
    List<Row> before = rows("SELECT id, secret_hash, updated_at FROM boxes ORDER BY id");
    String cameraHash = rows("SELECT publish_secret_hash FROM cameras WHERE id = 'box-a-cam'").get(0).getString(0);

    Blocking.await(r.reload(), WAIT, "reload");
    List<Row> after = rows("SELECT id, secret_hash, updated_at FROM boxes ORDER BY id");
    for (int i = 0; i < before.size(); i++) {
      assertThat(after.get(i).getString(1)).isEqualTo(before.get(i).getString(1));
      assertThat(after.get(i).getOffsetDateTime(2)).as("row not rewritten").isEqualTo(before.get(i).getOffsetDateTime(2));
    }

    // A restart (empty cache) verifies the stored hash instead of making a new one.
    Blocking.await(r.close(), WAIT, "close");
    opened.remove(r);
    start(Optional.of(file));
    assertThat(rows("SELECT secret_hash FROM boxes ORDER BY id")).extracting(row -> row.getString(0))
        .containsExactly(before.get(0).getString(1), before.get(1).getString(1));
    assertThat(rows("SELECT publish_secret_hash FROM cameras WHERE id = 'box-a-cam'").get(0).getString(0))
        .isEqualTo(cameraHash);

    // A higher configured cost replaces weaker stored hashes on the next load.
    DeviceRegistry stronger = start(Optional.of(file), COST + 1, 4);
    assertThat(boxHashes().get("box-a")).startsWith("$2b$05$");
    assertThat(auth(stronger, "box-a", "sa")).isPresent();
  }

  @Test
  void aVerifiedSecretIsCachedAndAChangedSecretInvalidatesIt() throws Exception {
    Path file = write(yaml(new B("box-a", "old-secret")));
    DeviceRegistry owner = start(Optional.of(file));
    // A second node without the file: serves what the database holds, with its own (empty) cache.
    DeviceRegistry node = start(Optional.empty());
    CredentialVerifier c = node.credentials();

    assertThat(auth(node, "box-a", "old-secret")).isPresent();
    long afterFirst = c.bcryptVerifications();
    assertThat(afterFirst).isEqualTo(1);
    assertThat(auth(node, "box-a", "old-secret")).isPresent();
    assertThat(auth(node, "box-a", "old-secret")).isPresent();
    assertThat(c.bcryptVerifications()).as("a reconnect does not pay for bcrypt again").isEqualTo(afterFirst);
    // A wrong secret is never answered from the cache.
    assertThat(auth(node, "box-a", "old-secreT")).isEmpty();
    assertThat(c.bcryptVerifications()).isEqualTo(afterFirst + 1);

    write(yaml(new B("box-a", "new-secret")));
    Blocking.await(owner.reload(), WAIT, "reload owner");
    assertThat(auth(owner, "box-a", "old-secret")).isEmpty();
    assertThat(auth(owner, "box-a", "new-secret")).isPresent();

    Blocking.await(node.reload(), WAIT, "reload node from the database");
    long beforeOld = c.bcryptVerifications();
    assertThat(auth(node, "box-a", "old-secret")).as("the cached old secret no longer counts").isEmpty();
    assertThat(c.bcryptVerifications()).isEqualTo(beforeOld + 1);
    assertThat(auth(node, "box-a", "new-secret")).isPresent();
  }

  @Test
  void aBrokenFileOnReloadKeepsTheRunningRegistry() throws Exception {
    String good = yaml(new B("box-a", "sa"), new B("box-b", "sb"));
    Path file = write(good);
    DeviceRegistry r = start(Optional.of(file));
    Snapshot before = r.snapshot();
    Map<String, String> hashesBefore = boxHashes();

    write(good.replace("geofenceMeters: 50.0", "geofenceMeters: -1").replace("box-b\n", "box-b\n    colour: red\n"));
    Future<Integer> reload = r.reload();
    assertThatThrownBy(() -> Blocking.await(reload, WAIT, "reload")).isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("boxes[0] (box-a), key geofenceMeters")
        .hasMessageContaining("unknown key colour");
    write("");
    assertThatThrownBy(() -> Blocking.await(r.reload(), WAIT, "reload")).hasMessageContaining("is empty");
    Files.delete(file);
    assertThatThrownBy(() -> Blocking.await(r.reload(), WAIT, "reload")).hasMessageContaining("does not exist");

    assertThat(r.snapshot()).isSameAs(before);
    assertThat(r.version()).isEqualTo(1);
    assertThat(boxHashes()).isEqualTo(hashesBefore);
    assertThat(auth(r, "box-b", "sb")).isPresent();

    write(good.replace("sb", "sb2"));
    assertThat(Blocking.await(r.reload(), WAIT, "reload")).isEqualTo(2);
  }

  @Test
  void aBadOrMissingFileStopsStartUp() throws Exception {
    Path file = write(yaml(new B("box-a", "sa")).replace("region: south", "region: \"south east\""));
    assertThatThrownBy(() -> start(Optional.of(file))).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("devices file " + file + " has 2 problems:")
        .hasMessageContaining("boxes[0] (box-a), key region: expected the region name");
    assertThatThrownBy(() -> start(Optional.of(files.resolve("missing.yaml")))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("missing.yaml does not exist");
    assertThat(rows("SELECT id FROM boxes")).isEmpty();
    assertThatThrownBy(() -> start(Optional.empty(), 3, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cost");
  }

  @Test
  void withoutAFileTheDatabaseIsServed() throws Exception {
    Path file = write(yaml(new B("box-a", "sa"), new B("box-b", "sb")));
    DeviceRegistry first = start(Optional.of(file));
    Blocking.await(first.close(), WAIT, "close");
    opened.remove(first);

    DeviceRegistry r = start(Optional.empty());
    r.watch(Duration.ofMillis(50)); // nothing to watch: a no-op
    assertThat(r.version()).isEqualTo(1);
    assertThat(r.file()).isEmpty();
    assertThat(r.boxes()).extracting(Box::id).containsExactly("box-a", "box-b");
    assertThat(r.camera("box-a-cam")).get().extracting(CameraEntry::publishUser).isEqualTo(Optional.of("pub"));
    assertThat(auth(r, "box-b", "sb")).isPresent();
    assertThat(auth(r, "box-b", "sa")).isEmpty();
    assertThat(Blocking.await(r.reload(), WAIT, "reload")).isEqualTo(2);
  }

  @Test
  void concurrentVerificationsAreBoundedAndTheRestRefusedAtOnce() throws Exception {
    // A costly stored hash makes each verification last long enough to overlap.
    String slow = Bcrypt.hash("slow-secret", 12);
    Path file = write(yaml(new B("box-a", "sa"), new B("box-slow", slow)));
    DeviceRegistry r = start(Optional.of(file), COST, 2);
    assertThat(auth(r, "box-a", "sa")).isPresent(); // cached from now on

    Context ctx = vertx.getOrCreateContext();
    record Burst(List<Future<Optional<Box>>> wrong, long completedAtOnce, Future<Optional<Box>> cachedDuringBurst) {
    }
    Burst burst = Blocking.await(Future.<Burst>future(p -> ctx.runOnContext(v -> {
      List<Future<Optional<Box>>> all = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        all.add(r.authenticate("box-slow", "wrong-" + i));
      }
      long atOnce = all.stream().filter(Future::isComplete).count();
      // A box whose secret verified before still gets in while the verifiers are busy.
      p.complete(new Burst(all, atOnce, r.authenticate("box-a", "sa")));
    })), WAIT, "burst");

    assertThat(burst.completedAtOnce()).as("refused without queueing").isEqualTo(6);
    assertThat(r.credentials().refused()).isEqualTo(6);
    assertThat(burst.wrong()).filteredOn(Future::isComplete)
        .allSatisfy(f -> assertThat(f.cause()).isInstanceOf(org.safecity.gateway.mqtt.BoxDirectory.BusyException.class));
    assertThat(Blocking.await(burst.cachedDuringBurst(), WAIT, "cached")).isPresent();
    Blocking.await(Future.join(burst.wrong()).otherwiseEmpty(), WAIT, "verifications");
    assertThat(burst.wrong()).filteredOn(Future::succeeded).hasSize(2).allSatisfy(f -> assertThat(f.result()).isEmpty());

    // The permits came back: the right secret is verified (and it is a real bcrypt check of the slow hash).
    assertThat(auth(r, "box-slow", "slow-secret")).isPresent();
    assertThat(r.credentials().refused()).isEqualTo(6);
  }

  @Test
  void watchReloadsOnceTheFileHasSettledAndSkipsBrokenEdits() throws Exception {
    String good = yaml(new B("box-a", "sa"));
    Path file = write(good);
    DeviceRegistry r = start(Optional.of(file));
    r.watch(Duration.ofMillis(100));

    write(yaml(new B("box-a", "sa"), new B("box-b", "sb")));
    eventually(() -> r.version() == 2, "the watcher to load the new file");
    assertThat(r.box("box-b")).isPresent();

    write(good.replace("lat: 24.81", "lat: 124.81"));
    Thread.sleep(600);
    assertThat(r.version()).as("a broken edit is logged and skipped").isEqualTo(2);
    assertThat(r.box("box-b")).isPresent();

    write(yaml(new B("box-c", "sc")));
    eventually(() -> r.version() == 3, "the watcher to load the fixed file");
    assertThat(r.boxes()).extracting(Box::id).containsExactly("box-c");
  }
}
