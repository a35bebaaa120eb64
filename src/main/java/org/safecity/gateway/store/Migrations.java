package org.safecity.gateway.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned SQL migrations from {@code db/migration/V<n>__<name>.sql}, applied in order, each once. The
 * whole run holds a transaction-scoped advisory lock, so gateway nodes starting together on one database
 * do not race, and a failed script leaves the schema as it was.
 */
public final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
  private static final long LOCK_KEY = 0x5AFEC171L;

  /** In order. A test checks this list matches the files in the folder. */
  static final List<String> SCRIPTS = List.of(
      "V1__event_log.sql",
      "V2__devices.sql",
      "V3__mqtt.sql",
      "V4__accounts_audit.sql",
      "V5__alarms_incidents.sql",
      "V6__event_log_source.sql",
      "V7__watchlist.sql",
      "V8__plates.sql",
      "V9__watchlist_api.sql",
      "V10__scale_out.sql");

  public record Script(int version, String name, String sql) {
  }

  private final List<Script> scripts;

  private Migrations(List<Script> scripts) {
    this.scripts = scripts;
  }

  /** Reads the scripts from the classpath: blocking, call before the event loops start. */
  public static Migrations fromClasspath() {
    List<Script> out = new ArrayList<>();
    for (String file : SCRIPTS) {
      var m = java.util.regex.Pattern.compile("V(\\d+)__(.+)\\.sql").matcher(file);
      if (!m.matches()) {
        throw new IllegalStateException("migration file name " + file + " is not V<n>__<name>.sql");
      }
      try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream("db/migration/" + file)) {
        if (in == null) {
          throw new IllegalStateException("migration db/migration/" + file + " is missing from the classpath");
        }
        out.add(new Script(Integer.parseInt(m.group(1)), m.group(2), new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new Migrations(out);
  }

  /** Applies the missing scripts; returns the versions applied by this call. */
  public Future<List<Integer>> apply(Pool pool) {
    return pool.withTransaction(conn -> conn.query("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")").execute()
        .compose(v -> conn.query("CREATE TABLE IF NOT EXISTS schema_migrations ("
            + "version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())").execute())
        .compose(v -> conn.query("SELECT version FROM schema_migrations").execute())
        .compose(rows -> {
          Set<Integer> done = new HashSet<>();
          for (Row r : rows) {
            done.add(r.getInteger(0));
          }
          List<Integer> applied = new ArrayList<>();
          Future<Void> chain = Future.succeededFuture();
          for (Script s : scripts) {
            if (!done.contains(s.version())) {
              chain = chain.compose(v -> applyOne(conn, s)).map(v -> {
                applied.add(s.version());
                return null;
              });
            }
          }
          return chain.map(v -> applied);
        }))
        .onSuccess(applied -> {
          if (!applied.isEmpty()) {
            LOG.info("schema migrated versions={}", applied);
          }
        });
  }

  private static Future<Void> applyOne(SqlConnection conn, Script s) {
    // The simple query protocol runs a multi-statement script in one round trip.
    return conn.query(s.sql()).execute()
        .recover(e -> Future.failedFuture(new IllegalStateException(
            "migration V" + s.version() + "__" + s.name() + " failed: " + e.getMessage(), e)))
        .compose(v -> conn.preparedQuery("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
            .execute(Tuple.of(s.version(), s.name())))
        .mapEmpty();
  }
}
