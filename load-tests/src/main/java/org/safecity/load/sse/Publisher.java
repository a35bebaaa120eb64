package org.safecity.load.sse;

import io.vertx.core.json.JsonObject;

/** Commits the benchmark's events ("alarms") at a fixed rate, round robin over the regions. */
interface Publisher extends AutoCloseable {

  /** Starts publishing; returns at once. */
  void start();

  /** Stops publishing and waits (a little) for what is in flight. */
  void stop() throws InterruptedException;

  /** Messages sent, acknowledged (committed), failed, and not sent because the previous one was still due. */
  JsonObject counters();

  /**
   * The newest key of {@code region} whose publishing has started (-1 for none): a subscriber whose stream opens
   * now is owed every later one.
   */
  default long lastSent(String region) {
    return -1;
  }

  /** Time the event with this source was published, if known (-1 otherwise); µs since the epoch. */
  default long publishedMicros(String source, long notAfterMicros) {
    return -1;
  }

  @Override
  void close();
}
