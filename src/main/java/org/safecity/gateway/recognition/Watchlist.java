package org.safecity.gateway.recognition;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  /** An enrolled photo as the API shows it; what V9 added is null for photos enrolled before it. */
  public record Photo(long id, String label, String sha256, Integer width, Integer height, Integer faceX, Integer faceY,
                      Integer faceWidth, Integer faceHeight, boolean thumbnail, Instant addedAt, String addedBy) {
  }

  /** A person on the list with their photos, oldest first. */
  public record Person(String id, String name, String reason, Instant addedAt, String addedBy, Instant updatedAt,
                       String updatedBy, List<Photo> photos) {
  }

  /** The outcome of a change and the list's version after it. */
  public record Changed<T>(T value, long version) {
  }

  /** A page of people by id, the version it was read at, and the id to continue after (null at the end). */
  public record Page(List<Person> persons, long version, String nextAfter) {
  }

  /** A stored face picture. */
  public record Thumbnail(byte[] jpeg, Instant addedAt) {
  }

  /** Work that commits with a change: it sees the new version. */
  @FunctionalInterface
  public interface WithChange {
    Future<Void> run(SqlConnection conn, long version);
  }

  /** No such person (or photo). */
  public static final class Missing extends RuntimeException {
    public Missing(String message) {
      super(message, null, false, false);
    }
  }

  /** The change contradicts what is there (the person exists, the photo is enrolled already). */
  public static final class Conflict extends RuntimeException {
    public Conflict(String message) {
      super(message, null, false, false);
    }
  }

  private final Pool pool;

  public Watchlist(Pool pool) {
    this.pool = pool;
  }

  /** Adds a new person with their checked photos; {@link Conflict} when the id is taken. */
  public Future<Changed<Person>> create(String personId, String name, String reason, List<FacePhotos.Enrolled> photos,
      String by, WithChange also) {
    return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO watchlist_persons (person_id, name, reason, "
            + "added_by, updated_by) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (person_id) DO NOTHING")
        .execute(Tuple.of(personId, name, reason, by))
        .compose(r -> r.rowCount() == 0
            ? Future.<Void>failedFuture(new Conflict("person " + personId + " is on the watchlist already; add photos with "
                + "POST /api/v1/watchlist/persons/" + personId + "/photos"))
            : insertPhotos(conn, personId, photos, by))
        .compose(v -> commit(conn, personId, also)))
        .recover(Watchlist::duplicate);
  }

  /** Changes a person's name and reason. */
  public Future<Changed<Person>> update(String personId, String name, String reason, String by, WithChange also) {
    return pool.withTransaction(conn -> conn.preparedQuery("UPDATE watchlist_persons SET name = $2, reason = $3, "
            + "updated_at = now(), updated_by = $4 WHERE person_id = $1")
        .execute(Tuple.of(personId, name, reason, by))
        .compose(r -> r.rowCount() == 0 ? Future.<Void>failedFuture(missing(personId)) : Future.<Void>succeededFuture())
        .compose(v -> commit(conn, personId, also)));
  }

  /** Adds checked photos to a person. */
  public Future<Changed<Person>> addPhotos(String personId, List<FacePhotos.Enrolled> photos, String by, WithChange also) {
    return pool.withTransaction(conn -> conn.preparedQuery("UPDATE watchlist_persons SET updated_at = now(), "
            + "updated_by = $2 WHERE person_id = $1")
        .execute(Tuple.of(personId, by))
        .compose(r -> r.rowCount() == 0 ? Future.<Void>failedFuture(missing(personId)) : insertPhotos(conn, personId, photos, by))
        .compose(v -> commit(conn, personId, also)))
        .recover(Watchlist::duplicate);
  }

  /** Takes a person and their photos off the list; {@link Missing} when they are not on it. */
  public Future<Long> remove(String personId, WithChange also) {
    return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM watchlist_persons WHERE person_id = $1")
        .execute(Tuple.of(personId))
        .compose(r -> r.rowCount() == 0 ? Future.<Long>failedFuture(missing(personId)) : bump(conn))
        .compose(version -> also.run(conn, version).map(version)));
  }

  public Future<Optional<Person>> person(String personId) {
    return persons(pool, "WHERE p.person_id = $1", Tuple.of(personId)).map(list -> list.stream().findFirst());
  }

  /** People with an id after {@code after} (null: from the first), in id order, and the version they were read at. */
  public Future<Page> persons(String after, int limit) {
    return pool.withTransaction(conn -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute()
        .compose(v -> conn.query("SELECT version FROM watchlist_version WHERE id = 1").execute())
        .compose(v -> {
          long version = v.iterator().next().getLong(0);
          // Byte order ("C"), so the cursor means the same to every client whatever the database's collation.
          return persons(conn, "WHERE ($1::text IS NULL OR p.person_id COLLATE \"C\" > $1) "
              + "ORDER BY p.person_id COLLATE \"C\" LIMIT " + (limit + 1), Tuple.of(after)).map(list -> {
                boolean more = list.size() > limit;
                List<Person> page = more ? list.subList(0, limit) : list;
                return new Page(List.copyOf(page), version, more ? page.get(page.size() - 1).id() : null);
              });
        }));
  }

  /** The stored face picture of one of a person's photos. */
  public Future<Optional<Thumbnail>> thumbnail(String personId, long photoId) {
    return pool.preparedQuery("SELECT thumbnail, added_at FROM watchlist_faces WHERE person_id = $1 AND id = $2 "
            + "AND thumbnail IS NOT NULL")
        .execute(Tuple.of(personId, photoId))
        .map(rows -> {
          for (Row r : rows) {
            return Optional.of(new Thumbnail(r.getBuffer(0).getBytes(), r.getOffsetDateTime(1).toInstant()));
          }
          return Optional.empty();
        });
  }

  private static Future<Void> insertPhotos(SqlConnection conn, String personId, List<FacePhotos.Enrolled> photos,
      String by) {
    Map<String, FacePhotos.Enrolled> seen = new HashMap<>();
    for (FacePhotos.Enrolled p : photos) {
      FacePhotos.Enrolled twin = seen.putIfAbsent(p.sha256(), p);
      if (twin != null) {
        return Future.failedFuture(new Conflict(p.upload().label() + " is the same file as " + twin.upload().label()));
      }
    }
    return conn.preparedQuery("SELECT id, sha256 FROM watchlist_faces WHERE person_id = $1 AND sha256 = ANY($2)")
        .execute(Tuple.tuple().addString(personId).addArrayOfString(seen.keySet().toArray(new String[0])))
        .compose(rows -> {
          for (Row r : rows) {
            return Future.failedFuture(new Conflict(seen.get(r.getString(1)).upload().label()
                + " is enrolled for " + personId + " already (photo " + r.getLong(0) + ")"));
          }
          List<Tuple> batch = new ArrayList<>();
          for (FacePhotos.Enrolled p : photos) {
            batch.add(Tuple.from(new Object[] {personId, boxed(p.embedding()), label(p.upload()), p.sha256(), p.width(),
                p.height(), p.faceX(), p.faceY(), p.faceWidth(), p.faceHeight(), Buffer.buffer(p.thumbnail()), by}));
          }
          return conn.preparedQuery("INSERT INTO watchlist_faces (person_id, embedding, photo, sha256, width, height, "
                  + "face_x, face_y, face_w, face_h, thumbnail, added_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                  + "$10, $11, $12)")
              .executeBatch(batch).mapEmpty();
        });
  }

  private static String label(FacePhotos.Upload u) {
    return u.filename() == null || u.filename().isEmpty() ? "photo " + u.index() : u.filename();
  }

  /** Bumps the version, runs {@code also}, and reads the person back, all in the change's transaction. */
  private Future<Changed<Person>> commit(SqlConnection conn, String personId, WithChange also) {
    return bump(conn).compose(version -> also.run(conn, version)
        .compose(v -> persons(conn, "WHERE p.person_id = $1", Tuple.of(personId)))
        .map(list -> new Changed<>(list.get(0), version)));
  }

  /** Two requests adding the same photo at once: the unique index decides, the loser hears why. */
  private static <T> Future<T> duplicate(Throwable e) {
    if (e instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      return Future.failedFuture(new Conflict("a photo in this request was enrolled for this person meanwhile"));
    }
    return Future.failedFuture(e);
  }

  private static Missing missing(String personId) {
    return new Missing("no person " + personId + " is on the watchlist");
  }

  /** People with their photos; {@code where} is the rest of the query after FROM (conditions, order, limit). */
  private static Future<List<Person>> persons(io.vertx.sqlclient.SqlClient client, String where, Tuple args) {
    return client.preparedQuery("SELECT p.person_id, p.name, p.reason, p.added_at, p.added_by, p.updated_at, p.updated_by, "
            + "COALESCE((SELECT json_agg(json_build_object('id', f.id, 'label', f.photo, 'sha256', f.sha256, "
            + "'width', f.width, 'height', f.height, 'x', f.face_x, 'y', f.face_y, 'w', f.face_w, 'h', f.face_h, "
            + "'thumbnail', f.thumbnail IS NOT NULL, 'addedAt', f.added_at, 'addedBy', f.added_by) ORDER BY f.id) "
            + "FROM watchlist_faces f WHERE f.person_id = p.person_id), '[]'::json) AS photos "
            + "FROM watchlist_persons p " + where)
        .execute(args)
        .map(rows -> {
          List<Person> out = new ArrayList<>();
          for (Row r : rows) {
            List<Photo> photos = new ArrayList<>();
            Object json = r.getValue("photos");
            JsonArray list = json instanceof JsonArray a ? a : new JsonArray(String.valueOf(json));
            for (Object o : list) {
              JsonObject f = (JsonObject) o;
              photos.add(new Photo(f.getLong("id"), f.getString("label"), f.getString("sha256"), f.getInteger("width"),
                  f.getInteger("height"), f.getInteger("x"), f.getInteger("y"), f.getInteger("w"), f.getInteger("h"),
                  f.getBoolean("thumbnail"), OffsetDateTime.parse(f.getString("addedAt")).toInstant(),
                  f.getString("addedBy")));
            }
            out.add(new Person(r.getString(0), r.getString(1), r.getString(2), r.getOffsetDateTime(3).toInstant(),
                r.getString(4), r.getOffsetDateTime(5).toInstant(), r.getString(6), photos));
          }
          return out;
        });
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
