package org.safecity.gateway.auth;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.Map;

/**
 * The audit log: who did what, when, from where. An audited action's answer waits for its entry to commit,
 * so nothing audited happens unrecorded.
 */
public final class Audit {
  private final Pool pool;

  public Audit(Pool pool) {
    this.pool = pool;
  }

  public Future<Void> record(Principal who, String action, String target, String remote, Map<String, Object> details) {
    return record(pool, who, action, target, remote, details);
  }

  /** Within the caller's transaction: the audited change and its entry commit together. */
  public static Future<Void> record(io.vertx.sqlclient.SqlClient client, Principal who, String action, String target,
      String remote, Map<String, Object> details) {
    return client.preparedQuery("INSERT INTO audit_log (principal, role, action, target, remote, details) VALUES ($1, $2, $3, $4, $5, $6)")
        .execute(Tuple.of(who.id(), who.role().wire(), action, target, remote, new JsonObject(details)))
        .mapEmpty();
  }

  /** Newest first, entries with id below {@code before} (0 = from the newest). */
  public Future<JsonArray> page(long before, int limit, String principal) {
    return pool.preparedQuery("SELECT id, at, principal, role, action, target, remote, details FROM audit_log "
            + "WHERE ($1 = 0 OR id < $1) AND ($2::text IS NULL OR principal = $2) ORDER BY id DESC LIMIT $3")
        .execute(Tuple.of(before, principal, limit))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("id", r.getLong("id"))
              .put("at", r.getOffsetDateTime("at").toInstant().toString()).put("principal", r.getString("principal"))
              .put("role", r.getString("role")).put("action", r.getString("action")).put("target", r.getString("target"))
              .put("remote", r.getString("remote")).put("details", r.getJsonObject("details"))));
          return out;
        });
  }
}
