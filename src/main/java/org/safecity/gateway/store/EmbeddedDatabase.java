package org.safecity.gateway.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server run as a child process with its data under the gateway's data dir, so a plain
 * {@code java -jar} needs no database set-up and keeps its data across restarts. Start and stop block:
 * call them from the main thread or a worker, never from an event loop.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static EmbeddedDatabase start(Path dataDir, int port) {
    Path pgData = dataDir.resolve("postgres");
    try {
      Files.createDirectories(pgData);
      stopOrphan(pgData);
      var builder = EmbeddedPostgres.builder()
          .setDataDirectory(pgData)
          .setCleanDataDirectory(false)
          .setRegisterShutdownHook(false)
          // Binaries are unpacked next to the data, not in a shared /tmp folder other users could alter.
          .setOverrideWorkingDirectory(dataDir.resolve("postgres-bin").toFile())
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("max_connections", "200");
      if (port > 0) {
        builder.setPort(port);
      }
      EmbeddedPostgres pg = builder.start();
      LOG.info("embedded PostgreSQL started port={} data={}", pg.getPort(), pgData.toAbsolutePath());
      return new EmbeddedDatabase(pg);
    } catch (IOException e) {
      throw new UncheckedIOException("embedded PostgreSQL did not start (data " + pgData.toAbsolutePath() + "): "
          + e.getMessage(), e);
    }
  }

  /**
   * A gateway killed with SIGKILL leaves its PostgreSQL running and holding the data dir. Stop that server
   * (SIGTERM; its clients are gone) so this start can take the data over instead of failing.
   */
  private static void stopOrphan(Path pgData) throws IOException {
    Path pidFile = pgData.resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    } catch (RuntimeException e) {
      return; // unreadable: let PostgreSQL itself judge the lock file
    }
    var handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(h -> h.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    if (handle.isEmpty()) {
      return;
    }
    LOG.warn("stopping PostgreSQL pid={} left running by an earlier gateway on {}", pid, pgData.toAbsolutePath());
    handle.get().destroy();
    try {
      handle.get().onExit().get(15, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException("PostgreSQL pid " + pid + " from an earlier run still holds " + pgData + ": " + e);
    }
  }

  public int port() {
    return postgres.getPort();
  }

  /** Connection URI for the pool: the built-in {@code postgres} superuser on loopback. */
  public String uri() {
    return "postgresql://postgres@127.0.0.1:" + port() + "/postgres";
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      LOG.warn("embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
    }
  }
}
