package org.safecity.gateway.mqtt;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.Optional;

/**
 * Persistent MQTT sessions in PostgreSQL, so a box's subscriptions survive its reconnects, the gateway's
 * restarts and a move to another gateway node. A session of a box that went away lives for its expiry. The key
 * (column {@code client_id}) is the authenticated box id, never a client id the device chose.
 */
final class SessionStore {
  private final Pool pool;

  SessionStore(Pool pool) {
    this.pool = pool;
  }

  /** The box's subscriptions ({@code {"boxes/b/cmd": 1}}), if a live session exists. */
  Future<Optional<JsonObject>> load(String clientId) {
    return pool.preparedQuery("SELECT subscriptions FROM mqtt_sessions WHERE client_id = $1 "
            + "AND (expires_at IS NULL OR expires_at > now())")
        .execute(Tuple.of(clientId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of((JsonObject) rows.iterator().next().getValue(0)));
  }

  /** Marks the session as in use (no expiry while connected) with these subscriptions. */
  Future<Void> save(String clientId, String boxId, JsonObject subscriptions) {
    return pool.preparedQuery("INSERT INTO mqtt_sessions (client_id, box_id, subscriptions, expires_at) "
            + "VALUES ($1, $2, $3, NULL) ON CONFLICT (client_id) DO UPDATE SET box_id = $2, subscriptions = $3, "
            + "expires_at = NULL, updated_at = now()")
        .execute(Tuple.of(clientId, boxId, subscriptions)).mapEmpty();
  }

  /** The box left: its session lives on for {@code expiry}. */
  Future<Void> expireIn(String clientId, Duration expiry) {
    return pool.preparedQuery("UPDATE mqtt_sessions SET expires_at = now() + make_interval(secs => $2), "
            + "updated_at = now() WHERE client_id = $1")
        .execute(Tuple.of(clientId, (double) expiry.toSeconds())).mapEmpty();
  }

  Future<Void> delete(String clientId) {
    return pool.preparedQuery("DELETE FROM mqtt_sessions WHERE client_id = $1").execute(Tuple.of(clientId)).mapEmpty();
  }
}
