package org.safecity.gateway.recognition;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The face watchlist in PostgreSQL: people (id, name, reason) and the embeddings of their photos, with one
 * version number that every change increments in its own transaction. Workers keep an {@link Index} in memory
 * and reload it when the version moves ({@link #version}), so every node follows changes made on any node.
 */
public final class Watchlist {

  /** One enrolled photo's embedding. */
  public record Entry(String personId, String name, String reason, float[] embedding) {
  }

  /** A person matched, with the similarity and the list version matched against. */
  public record Match(String personId, String name, String reason, float score, long version) {
  }

  /** The list as of one version, for matching in memory. */
  public record Index(long version, List<Entry> entries) {
    public static final Index EMPTY = new Index(-1, List.of());

    public Index {
      entries = List.copyOf(entries);
    }

    /** The most similar person (over all their photos), whatever the score; empty for an empty list. */
    public Optional<Match> best(float[] embedding) {
      Entry best = null;
      float score = -2;
      for (Entry e : entries) {
        float s = FaceAnalyzer.similarity(e.embedding(), embedding);
        if (s > score) {
          score = s;
          best = e;
        }
      }
      return best == null ? Optional.empty()
          : Optional.of(new Match(best.personId(), best.name(), best.reason(), score, version));
    }
  }

  private final Pool pool;

  public Watchlist(Pool pool) {
    this.pool = pool;
  }

  /**
   * Adds a person (or updates their name and reason) with the embeddings of their photos.
   *
   * @return the list's new version
   */
  public Future<Long> enroll(String personId, String name, String reason, List<float[]> embeddings, String photo) {
    if (embeddings.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("no face to enroll for " + personId));
    }
    return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO watchlist_persons (person_id, name, reason) "
            + "VALUES ($1, $2, $3) ON CONFLICT (person_id) DO UPDATE SET name = EXCLUDED.name, reason = EXCLUDED.reason")
        .execute(Tuple.of(personId, name, reason))
        .compose(v -> {
          List<Tuple> rows = new ArrayList<>();
          for (float[] e : embeddings) {
            rows.add(Tuple.of(personId, boxed(e), photo));
          }
          return conn.preparedQuery("INSERT INTO watchlist_faces (person_id, embedding, photo) VALUES ($1, $2, $3)")
              .executeBatch(rows);
        })
        .compose(v -> bump(conn)));
  }

  /** Takes a person off the list; the new version (unchanged when they were not on it). */
  public Future<Long> remove(String personId) {
    return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM watchlist_persons WHERE person_id = $1")
        .execute(Tuple.of(personId))
        .compose(r -> r.rowCount() > 0 ? bump(conn) : version()));
  }

  private static Future<Long> bump(io.vertx.sqlclient.SqlConnection conn) {
    return conn.query("UPDATE watchlist_version SET version = version + 1 WHERE id = 1 RETURNING version").execute()
        .map(r -> r.iterator().next().getLong(0));
  }

  public Future<Long> version() {
    return pool.query("SELECT version FROM watchlist_version WHERE id = 1").execute()
        .map(r -> r.iterator().next().getLong(0));
  }

  /** The whole list and its version, read in one snapshot. */
  public Future<Index> load() {
    return pool.withTransaction(conn -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute()
        .compose(v -> conn.query("SELECT version FROM watchlist_version WHERE id = 1").execute())
        .compose(v -> {
          long version = v.iterator().next().getLong(0);
          return conn.query("SELECT p.person_id, p.name, p.reason, f.embedding FROM watchlist_faces f "
                  + "JOIN watchlist_persons p USING (person_id) ORDER BY f.id").execute()
              .map(rows -> {
                List<Entry> entries = new ArrayList<>();
                for (Row r : rows) {
                  entries.add(new Entry(r.getString(0), r.getString(1), r.getString(2), unboxed(r.getArrayOfFloats(3))));
                }
                return new Index(version, entries);
              });
        }));
  }

  private static Float[] boxed(float[] v) {
    Float[] out = new Float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  private static float[] unboxed(Float[] v) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }
}
