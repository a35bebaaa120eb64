package org.safecity.gateway.recognition;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.core.PlateFormats;
import org.safecity.gateway.incidents.Outbox;

/**
 * The vehicle hotlist in PostgreSQL: plates (canonical form, keyed by their letters and digits), why they are
 * wanted, who added them and when, with one version number that every change increments in its own transaction.
 * Workers keep an {@link Index} in memory and reload it when the version moves, as with the face watchlist. Each
 * change writes its audit entry and its {@code hotlist.added}/{@code hotlist.removed} event (through the outbox) in
 * the same transaction.
 */
public final class Hotlist {
  public static final List<String> REASONS = List.of("stolen", "wanted", "other");

  /** One listed plate. */
  public record Entry(String plate, String reason, String addedBy, Instant addedAt, Optional<String> note) {
    public String key() {
      return PlateFormats.compact(plate);
    }
  }

  /** The list as of one version, by plate key ({@link PlateFormats#compact}). */
  public record Index(long version, Map<String, Entry> byKey) {
    public static final Index EMPTY = new Index(-1, Map.of());

    public Index {
      byKey = Map.copyOf(byKey);
    }

    public Optional<Entry> match(String plate) {
      return Optional.ofNullable(byKey.get(PlateFormats.compact(plate)));
    }
  }

  /** A change: the entry as it is now (or was, when removed), whether it was new, and the list's new version. */
  public record Change(Entry entry, boolean created, long version) {
  }

  private static final String COLUMNS = "plate, reason, added_by, added_at, note";
  private final Pool pool;

  public Hotlist(Pool pool) {
    this.pool = pool;
  }

  /**
   * Lists a plate (canonical form), or replaces its reason and note; audited as {@code hotlist.add}.
   */
  public Future<Change> add(Principal who, String plate, String reason, Optional<String> note, String remote) {
    if (!REASONS.contains(reason)) {
      return Future.failedFuture(new IllegalArgumentException("reason must be one of " + REASONS + ": " + reason));
    }
    String key = PlateFormats.compact(plate);
    return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO hotlist AS h (plate_key, plate, reason, added_by, note) "
            + "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (plate_key) DO UPDATE SET plate = EXCLUDED.plate, "
            + "reason = EXCLUDED.reason, added_by = EXCLUDED.added_by, added_at = now(), note = EXCLUDED.note "
            + "RETURNING " + COLUMNS + ", (xmax = 0) AS created")
        .execute(Tuple.of(key, plate, reason, who.id(), note.orElse(null)))
        .compose(rows -> {
          Row r = rows.iterator().next();
          Entry e = entry(r);
          boolean created = r.getBoolean("created");
          return bump(conn).compose(version -> Audit.record(conn, who, "hotlist.add", plate, remote,
                  details(e, version, created))
              .compose(v -> Outbox.enqueue(conn, event("hotlist.added", e, version, who)))
              .map(v -> new Change(e, created, version)));
        }));
  }

  /** Takes a plate off the list; empty when it was not on it. Audited as {@code hotlist.remove}. */
  public Future<Optional<Change>> remove(Principal who, String plate, String remote) {
    return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM hotlist WHERE plate_key = $1 RETURNING " + COLUMNS)
        .execute(Tuple.of(PlateFormats.compact(plate)))
        .compose(rows -> {
          if (rows.rowCount() == 0) {
            return Future.succeededFuture(Optional.<Change>empty());
          }
          Entry e = entry(rows.iterator().next());
          return bump(conn).compose(version -> Audit.record(conn, who, "hotlist.remove", e.plate(), remote,
                  details(e, version, false))
              .compose(v -> Outbox.enqueue(conn, event("hotlist.removed", e, version, who)))
              .map(v -> Optional.of(new Change(e, false, version))));
        }));
  }

  public Future<Optional<Entry>> get(String plate) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM hotlist WHERE plate_key = $1")
        .execute(Tuple.of(PlateFormats.compact(plate)))
        .map(rows -> rows.rowCount() == 0 ? Optional.empty() : Optional.of(entry(rows.iterator().next())));
  }

  /** A page in plate-key order after {@code after} (a key; "" from the start), optionally of one reason. */
  public Future<List<Entry>> page(String after, Optional<String> reason, int limit) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM hotlist WHERE plate_key > $1 AND ($2::text IS NULL OR reason = $2) "
            + "ORDER BY plate_key LIMIT $3")
        .execute(Tuple.of(PlateFormats.compact(after), reason.orElse(null), limit))
        .map(rows -> {
          List<Entry> out = new ArrayList<>();
          rows.forEach(r -> out.add(entry(r)));
          return out;
        });
  }

  private static Future<Long> bump(SqlConnection conn) {
    return conn.query("UPDATE hotlist_version SET version = version + 1 WHERE id = 1 RETURNING version").execute()
        .map(r -> r.iterator().next().getLong(0));
  }

  public Future<Long> version() {
    return pool.query("SELECT version FROM hotlist_version WHERE id = 1").execute()
        .map(r -> r.iterator().next().getLong(0));
  }

  /** The whole list and its version, read in one snapshot. */
  public Future<Index> load() {
    return pool.withTransaction(conn -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute()
        .compose(v -> conn.query("SELECT version FROM hotlist_version WHERE id = 1").execute())
        .compose(v -> {
          long version = v.iterator().next().getLong(0);
          return conn.query("SELECT plate_key, " + COLUMNS + " FROM hotlist").execute().map(rows -> {
            Map<String, Entry> byKey = new HashMap<>();
            rows.forEach(r -> byKey.put(r.getString("plate_key"), entry(r)));
            return new Index(version, byKey);
          });
        }));
  }

  private static Entry entry(Row r) {
    return new Entry(r.getString("plate"), r.getString("reason"), r.getString("added_by"),
        r.getOffsetDateTime("added_at").toInstant(), Optional.ofNullable(r.getString("note")));
  }

  private static Map<String, Object> details(Entry e, long version, boolean created) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("plate", e.plate());
    d.put("reason", e.reason());
    d.put("listVersion", version);
    d.put("created", created);
    return d;
  }

  private static NewEvent event(String type, Entry e, long version, Principal who) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("plate", e.plate());
    body.put("reason", e.reason());
    body.put("listVersion", version);
    body.put("by", who.id());
    return new NewEvent(type, "hotlist", null, Instant.now(), body);
  }
}
