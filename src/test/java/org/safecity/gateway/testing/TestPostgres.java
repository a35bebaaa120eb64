package org.safecity.gateway.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A real PostgreSQL server for a test, on a fixed port and data dir so it can be stopped and started again
 * (the readiness test takes the store away and brings it back).
 */
public final class TestPostgres implements AutoCloseable {
  private final Path dataDir;
  private final int port;
  private EmbeddedPostgres pg;

  public TestPostgres(Path dataDir) {
    this.dataDir = dataDir;
    this.port = Ports.free();
    start();
  }

  public synchronized void start() {
    try {
      pg = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false).setPort(port)
          .setOverrideWorkingDirectory(dataDir.resolveSibling("pg-bin").toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public synchronized void stop() {
    try {
      if (pg != null) {
        pg.close();
        pg = null;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String url() {
    return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    stop();
  }
}
