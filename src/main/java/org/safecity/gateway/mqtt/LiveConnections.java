package org.safecity.gateway.mqtt;

import io.vertx.core.Context;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This node's live box connections, shared by every instance of the MQTT edge (each runs on its own event
 * loop): routing for takeover and command delivery, not a source of truth. A connection is only ever touched
 * on its own context, so callers hop there.
 */
final class LiveConnections {
  record Live(BoxConnection connection, Context context) {
  }

  private final Map<String, Live> byBox = new ConcurrentHashMap<>();
  private final AtomicInteger open = new AtomicInteger();

  AtomicInteger open() {
    return open;
  }

  /** Registers {@code conn} for its box; returns the connection it replaces, if any. */
  Live put(String boxId, BoxConnection conn, Context context) {
    return byBox.put(boxId, new Live(conn, context));
  }

  void remove(String boxId, BoxConnection conn) {
    byBox.computeIfPresent(boxId, (k, v) -> v.connection() == conn ? null : v);
  }

  Live get(String boxId) {
    return byBox.get(boxId);
  }

  Iterable<Live> all() {
    return byBox.values();
  }
}
