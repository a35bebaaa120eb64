package org.safecity.gateway.api.sse;

import io.vertx.core.json.JsonObject;

/**
 * The wire format (WHATWG HTML, "server-sent events"). Log events are unnamed messages, so an
 * {@code EventSource}'s {@code onmessage} gets all of them; the stream's own notices are named events
 * ({@code position}, {@code reset}, {@code overflow}, {@code token-expired}) that {@code onmessage} does not see.
 * Every frame that carries an {@code id:} carries a log id, so the client's {@code Last-Event-ID} is always a
 * position in the log. JSON never contains a raw newline, so each {@code data:} is one line.
 */
final class SseFrames {
  static final String PING = ": ping\n\n";

  private SseFrames() {
  }

  /** A log event: its id and its JSON (the shape of {@code GET /api/v1/events}' items). */
  static String event(long id, String json) {
    return "id: " + id + "\ndata: " + json + "\n\n";
  }

  /** A named notice of the stream itself, at log position {@code id}. */
  static String notice(String name, long id, JsonObject data) {
    return "id: " + id + "\nevent: " + name + "\ndata: " + data.encode() + "\n\n";
  }

  /** A named notice without an id: the client keeps the {@code Last-Event-ID} it has. */
  static String notice(String name, JsonObject data) {
    return "event: " + name + "\ndata: " + data.encode() + "\n\n";
  }

  /** The reconnection delay an {@code EventSource} should use, and an opening comment. */
  static String open(long retryMillis) {
    return "retry: " + retryMillis + "\n: safecity event stream\n\n";
  }
}
