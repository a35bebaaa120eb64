package org.safecity.gateway.store;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * Device messages refused by validation, kept verbatim for the vendor and the operator. Recorded before the
 * refusal is acknowledged, so "refused" is as durable as "accepted".
 */
public final class DeadLetters {
  private final Pool pool;

  public DeadLetters(Pool pool) {
    this.pool = pool;
  }

  public Future<Long> record(String boxId, String topic, String reason, String detail, Buffer payload) {
    return pool.preparedQuery("INSERT INTO dead_letters (box_id, topic, reason, detail, payload) "
            + "VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .execute(Tuple.of(clean(boxId, 200), clean(topic, 1000), reason, clean(detail, 2000), payload))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** Text columns cannot hold U+0000 and need not hold megabytes of a hostile topic. */
  private static String clean(String s, int max) {
    String t = s == null ? "" : s.replace('\0', '\uFFFD');
    return t.length() > max ? t.substring(0, max) : t;
  }
}
