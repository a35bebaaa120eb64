package org.safecity.gateway.api.graphql;

import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.graphql.ws.ConnectionInitEvent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.safecity.gateway.config.TrustedProxies;
import org.safecity.gateway.auth.Tokens;

/**
 * Authentication of a GraphQL WebSocket: its {@code connection_init} payload carries
 * {@code {"authorization": "Bearer <token>"}} or {@code {"token": "<token>"}}, checked like a REST request's header.
 * A missing or invalid token closes the socket with 4401 and the reason; a valid one becomes the connection's
 * {@link Caller}, and the socket is closed (4401) when that token expires, so a subscription never outlives the right
 * to see what it carries.
 */
final class WebSocketAuth {
  /** A WebSocket close reason is at most 123 bytes. */
  private static final int MAX_REASON = 123;

  private final Vertx vertx;
  private final Tokens tokens;
  private final TrustedProxies proxies;
  private final Map<ServerWebSocket, Long> expiryTimers = new ConcurrentHashMap<>();

  WebSocketAuth(Vertx vertx, Tokens tokens, TrustedProxies proxies) {
    this.vertx = vertx;
    this.tokens = tokens;
    this.proxies = proxies;
  }

  void init(ConnectionInitEvent event) {
    ServerWebSocket socket = event.message().socket();
    String token = token(event.message().message().getValue("payload"));
    tokens.verify(token).onComplete(ar -> {
      if (ar.failed()) {
        String why = ar.cause() instanceof Tokens.Refused ? ar.cause().getMessage() : "token could not be checked";
        socket.close((short) 4401, reason("Unauthorized: " + (token == null
            ? "connection_init needs {\"authorization\": \"Bearer <token>\"}" : why)));
        event.fail(ar.cause());
        return;
      }
      expiry(token).ifPresent(exp -> {
        long ms = Math.max(1, exp + tokens.clockSkew().toMillis() - System.currentTimeMillis());
        expiryTimers.put(socket, vertx.setTimer(ms, t -> {
          expiryTimers.remove(socket);
          socket.close((short) 4401, "Unauthorized: token expired; connect again with a new token");
        }));
      });
      String peer = socket.remoteAddress() == null ? null : socket.remoteAddress().hostAddress();
      event.complete(new Caller(ar.result(), proxies.client(peer, socket.headers().getAll("X-Forwarded-For")),
          Caller.Transport.WEBSOCKET));
    });
  }

  void ended(ServerWebSocket socket) {
    Long timer = expiryTimers.remove(socket);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }

  static String token(Object payload) {
    if (!(payload instanceof JsonObject p)) {
      return null;
    }
    if (p.getValue("authorization") instanceof String h && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return h.substring(7).trim();
    }
    return p.getValue("token") instanceof String t ? t.trim() : null;
  }

  /** The {@code exp} of a token {@link Tokens#verify} accepted, in epoch milliseconds. */
  private static Optional<Long> expiry(String token) {
    try {
      String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
      return new JsonObject(payload).getValue("exp") instanceof Number n ? Optional.of(n.longValue() * 1000) : Optional.empty();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String reason(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return b.length <= MAX_REASON ? s : new String(b, 0, MAX_REASON - 3, StandardCharsets.UTF_8) + "...";
  }
}
