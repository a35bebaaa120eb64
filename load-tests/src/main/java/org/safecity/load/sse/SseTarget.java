package org.safecity.load.sse;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * A server the subscribers follow (the gateway, or nginx with Nchan) together with the publisher that commits
 * its events: how to subscribe to a region, how to read a delivered message's key and commit time, what was
 * committed (the ground truth of the gap check), and the server's memory and CPU.
 */
interface SseTarget extends AutoCloseable {

  /** A subscriber's start point comes with the stream itself (the gateway's {@code position} notice). */
  long START_FROM_STREAM = Long.MIN_VALUE;

  /** Where a delivered message came from: its key, commit time and (gateway) the box's publish time, in µs. */
  record Origins(long key, long commitMicros, long publishMicros) {
  }

  /** The committed keys of one region, ascending, with each one's commit time (µs since the epoch). */
  record Committed(long[] keys, long[] commitMicros) {
    int countBetween(long fromMicros, long toMicros) {
      int n = 0;
      for (long t : commitMicros) {
        if (t >= fromMicros && t < toMicros) {
          n++;
        }
      }
      return n;
    }
  }

  String name();

  String host();

  /** The port subscriber {@code subscriber} connects to (a cluster spreads them over its nodes). */
  int port(int subscriber);

  /** The request URI of a subscriber of {@code region}. */
  String path(String region);

  /** Request headers of a subscriber of {@code region} (besides Accept and Last-Event-ID). */
  Map<String, String> headers(String region);

  /** The key of a delivered message for the gap check, or -1 when it is not one of the counted messages. */
  long key(String lastEventId, String data);

  /** Commit (and publish) time of a delivered message; cached per thread, so parsing is once per event and loop. */
  Origins origins(long key, String data);

  /** The start point of a subscriber whose stream just opened (200), or {@link #START_FROM_STREAM}. */
  long startAtOpen(String region);

  /** The publisher committing this server's events at the run's rate. */
  Publisher publisher();

  /** The server's memory now (after a full GC where that means something). */
  JsonObject memory() throws Exception;

  /** CPU seconds used so far by the server (and its helper processes). */
  double cpuSeconds();

  /** What was committed, per region; call after the publisher stopped. */
  Map<String, Committed> committed() throws Exception;

  /** Mean size in bytes of the data of the delivered messages (the gateway's alarm events), -1 unknown. */
  default double meanDataBytes() {
    return -1;
  }

  /** Extra figures the server reports about itself (its own count of open streams...). */
  default JsonObject serverCounters() {
    return new JsonObject();
  }

  /** What ran, for the results. */
  JsonObject describe();

  @Override
  void close();
}
