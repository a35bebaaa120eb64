package org.safecity.gateway.devices;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.safecity.gateway.core.Box;
import org.safecity.gateway.core.Enforcement;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.Sampling;

/** The {@code boxes} and {@code cameras} tables: read them, or replace their content in one transaction. */
final class DeviceStore {
  /** Serialises loads from several gateway nodes sharing one database. */
  private static final long LOCK_KEY = 0x5AFEC173L;

  // Rows whose values are unchanged are not rewritten: no churn, and updated_at says when an entry really changed.
  private static final String UPSERT_BOX = "INSERT INTO boxes AS b (id, region, lat, lon, geofence_m, secret_hash, cameras) "
      + "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET region = EXCLUDED.region, "
      + "lat = EXCLUDED.lat, lon = EXCLUDED.lon, geofence_m = EXCLUDED.geofence_m, secret_hash = EXCLUDED.secret_hash, "
      + "cameras = EXCLUDED.cameras, updated_at = now() "
      + "WHERE (b.region, b.lat, b.lon, b.geofence_m, b.secret_hash, b.cameras) IS DISTINCT FROM "
      + "(EXCLUDED.region, EXCLUDED.lat, EXCLUDED.lon, EXCLUDED.geofence_m, EXCLUDED.secret_hash, EXCLUDED.cameras)";
  private static final String UPSERT_CAMERA = "INSERT INTO cameras AS c (id, region, box_id, lat, lon, publish_user, "
      + "publish_secret_hash, read_user, read_secret_hash, source, enforcement, sample) "
      + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
      + "ON CONFLICT (id) DO UPDATE SET region = EXCLUDED.region, box_id = EXCLUDED.box_id, lat = EXCLUDED.lat, "
      + "lon = EXCLUDED.lon, publish_user = EXCLUDED.publish_user, publish_secret_hash = EXCLUDED.publish_secret_hash, "
      + "read_user = EXCLUDED.read_user, read_secret_hash = EXCLUDED.read_secret_hash, source = EXCLUDED.source, "
      + "enforcement = EXCLUDED.enforcement, sample = EXCLUDED.sample, updated_at = now() "
      + "WHERE (c.region, c.box_id, c.lat, c.lon, c.publish_user, c.publish_secret_hash, c.read_user, "
      + "c.read_secret_hash, c.source, c.enforcement, c.sample) IS DISTINCT FROM (EXCLUDED.region, EXCLUDED.box_id, "
      + "EXCLUDED.lat, EXCLUDED.lon, EXCLUDED.publish_user, EXCLUDED.publish_secret_hash, EXCLUDED.read_user, "
      + "EXCLUDED.read_secret_hash, EXCLUDED.source, EXCLUDED.enforcement, EXCLUDED.sample)";
  private static final String SELECT_BOXES = "SELECT id, region, lat, lon, geofence_m, secret_hash, cameras FROM boxes ORDER BY id";
  private static final String SELECT_CAMERAS = "SELECT id, region, box_id, lat, lon, publish_user, publish_secret_hash, "
      + "read_user, read_secret_hash, source, enforcement, sample FROM cameras ORDER BY id";

  record StoredBox(Box box, String secretHash) {
    @Override
    public String toString() {
      return "StoredBox[" + box + "]";
    }
  }

  record StoredCamera(CameraEntry camera, Optional<String> publishSecretHash, Optional<String> readSecretHash) {
    @Override
    public String toString() {
      return "StoredCamera[" + camera + "]";
    }
  }

  /** Everything the tables hold. */
  record Stored(List<StoredBox> boxes, List<StoredCamera> cameras) {
    Stored {
      boxes = List.copyOf(boxes);
      cameras = List.copyOf(cameras);
    }

    /** Every stored hash by principal ({@link #boxPrincipal} and friends). */
    Map<String, String> hashes() {
      Map<String, String> out = new HashMap<>();
      boxes.forEach(b -> out.put(boxPrincipal(b.box().id()), b.secretHash()));
      for (StoredCamera c : cameras) {
        c.publishSecretHash().ifPresent(h -> out.put(cameraPublishPrincipal(c.camera().id()), h));
        c.readSecretHash().ifPresent(h -> out.put(cameraReadPrincipal(c.camera().id()), h));
      }
      return out;
    }
  }

  /** The outcome of {@link #replace}: what the tables hold now and how many rows it wrote or removed. */
  record Replaced(Stored stored, int changed, int removed) {
  }

  static String boxPrincipal(String id) {
    return "box:" + id;
  }

  static String cameraPublishPrincipal(String id) {
    return "camera-publish:" + id;
  }

  static String cameraReadPrincipal(String id) {
    return "camera-read:" + id;
  }

  private final Pool pool;

  DeviceStore(Pool pool) {
    this.pool = pool;
  }

  /** The tables as one consistent snapshot. */
  Future<Stored> read() {
    return pool.withTransaction(conn -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute()
        .compose(v -> read(conn)));
  }

  /** Makes the tables hold exactly {@code wanted} (upsert every entry, delete the rest), all or nothing. */
  Future<Replaced> replace(Stored wanted) {
    List<Tuple> boxRows = new ArrayList<>();
    for (StoredBox sb : wanted.boxes()) {
      Box b = sb.box();
      boxRows.add(Tuple.of(b.id(), b.region(), b.location().lat(), b.location().lon(), b.geofenceMeters(),
          sb.secretHash(), b.cameraIds().toArray(String[]::new)));
    }
    List<Tuple> cameraRows = new ArrayList<>();
    for (StoredCamera sc : wanted.cameras()) {
      CameraEntry c = sc.camera();
      cameraRows.add(Tuple.wrap(new ArrayList<>(Arrays.asList(c.id(), c.region(), c.boxId(),
          c.location().lat(), c.location().lon(), c.publishUser().orElse(null), sc.publishSecretHash().orElse(null),
          c.readUser().orElse(null), sc.readSecretHash().orElse(null), c.source().orElse(null),
          c.enforcement().map(Enforcement::wire).orElse(null), c.sampling().map(Sampling::wire).orElse(null)))));
    }
    String[] boxIds = wanted.boxes().stream().map(b -> b.box().id()).toArray(String[]::new);
    String[] cameraIds = wanted.cameras().stream().map(c -> c.camera().id()).toArray(String[]::new);
    int[] counts = new int[2];
    return pool.withTransaction(conn -> conn.query("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")").execute()
        .compose(v -> batch(conn, UPSERT_BOX, boxRows)).map(n -> counts[0] += n)
        .compose(v -> batch(conn, UPSERT_CAMERA, cameraRows)).map(n -> counts[0] += n)
        .compose(v -> conn.preparedQuery("DELETE FROM cameras WHERE id <> ALL($1::text[])").execute(Tuple.of(cameraIds)))
        .map(rs -> counts[1] += rs.rowCount())
        .compose(v -> conn.preparedQuery("DELETE FROM boxes WHERE id <> ALL($1::text[])").execute(Tuple.of(boxIds)))
        .map(rs -> counts[1] += rs.rowCount())
        .compose(v -> read(conn)))
        .map(stored -> new Replaced(stored, counts[0], counts[1]));
  }

  /** Rows written by a batch (unchanged rows are skipped by the upsert's WHERE and not counted). */
  private static Future<Integer> batch(SqlConnection conn, String sql, List<Tuple> rows) {
    if (rows.isEmpty()) {
      return Future.succeededFuture(0); // executeBatch refuses an empty batch
    }
    return conn.preparedQuery(sql).executeBatch(rows).map(first -> {
      int n = 0;
      for (RowSet<Row> rs = first; rs != null; rs = rs.next()) {
        n += rs.rowCount();
      }
      return n;
    });
  }

  private static Future<Stored> read(SqlConnection conn) {
    return conn.query(SELECT_BOXES).execute().compose(boxRows -> conn.query(SELECT_CAMERAS).execute().map(cameraRows -> {
      List<StoredBox> boxes = new ArrayList<>();
      for (Row r : boxRows) {
        String[] cameras = r.getArrayOfStrings("cameras");
        boxes.add(new StoredBox(new Box(r.getString("id"), r.getString("region"),
            new GeoPoint(r.getDouble("lat"), r.getDouble("lon")), r.getDouble("geofence_m"),
            cameras == null ? List.of() : List.of(cameras)), r.getString("secret_hash")));
      }
      List<StoredCamera> cameras = new ArrayList<>();
      for (Row r : cameraRows) {
        cameras.add(new StoredCamera(new CameraEntry(r.getString("id"), r.getString("region"), r.getString("box_id"),
            new GeoPoint(r.getDouble("lat"), r.getDouble("lon")), Optional.ofNullable(r.getString("publish_user")),
            Optional.ofNullable(r.getString("read_user")), Optional.ofNullable(r.getString("source")),
            Optional.ofNullable(r.getString("enforcement")).map(Enforcement::fromWire),
            Optional.ofNullable(r.getString("sample")).map(Sampling::fromWire)),
            Optional.ofNullable(r.getString("publish_secret_hash")), Optional.ofNullable(r.getString("read_secret_hash"))));
      }
      return new Stored(boxes, cameras);
    }));
  }
}
