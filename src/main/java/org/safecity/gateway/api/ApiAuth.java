package org.safecity.gateway.api;

import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.function.Predicate;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Tokens;
import org.safecity.gateway.config.TrustedProxies;

/**
 * Authentication for {@code /api/v1}: a Bearer token on every request but the public ones, then the caller's
 * rate limit. Runs before request validation, so an anonymous caller learns nothing about the contract's
 * checks. Failures are 401 problem details with the token's precise fault, and {@code WWW-Authenticate}.
 */
public final class ApiAuth {
  static final String PRINCIPAL = "safecity.principal";
  static final String VALID_UNTIL = "safecity.tokenValidUntil";
  static final String CLIENT = "safecity.clientAddress";
  /** GraphQL's endpoint: authenticated and limited like /api/. */
  public static final String GRAPHQL_PATH = "/graphql";
  /** Paths of operations whose contract security is empty (the spec, the login): reachable without a token. */
  private volatile Set<String> publicPaths = Set.of();

  private final Tokens tokens;
  private final RateLimiter limiter;
  private final TrustedProxies proxies;

  public ApiAuth(Tokens tokens, RateLimiter limiter, TrustedProxies proxies) {
    this.tokens = tokens;
    this.limiter = limiter;
    this.proxies = proxies;
  }

  void publicPaths(Set<String> paths) {
    publicPaths = Set.copyOf(paths);
  }

  /** The root handler: tokens for /api/ (except the public operations) and /graphql, limits for everyone there. */
  void handle(RoutingContext rc) {
    String path = rc.normalizedPath();
    boolean graphql = path.equals(GRAPHQL_PATH);
    if (!path.startsWith("/api/") && !graphql) {
      rc.next();
      return;
    }
    String peer = rc.request().remoteAddress() == null ? null : rc.request().remoteAddress().hostAddress();
    String client = proxies.client(peer, rc.request().headers().getAll("X-Forwarded-For"));
    if (client != null) {
      rc.put(CLIENT, client);
    }
    // A GraphQL WebSocket's token comes in its first message (graphql-transport-ws connection_init), where the
    // GraphQL edge checks it: browsers cannot set headers on a WebSocket upgrade.
    if (publicPaths.contains(path) || (graphql && rc.request().canUpgradeToWebSocket())) {
      // Logins (and WebSocket upgrades) are limited per address: a password-guessing client meets 429 long before
      // bcrypt's cost adds up.
      if (limited(rc, "addr:" + client)) {
        return;
      }
      rc.next();
      return;
    }
    String token = bearer(rc, path.equals("/api/v1/events/stream"));
    tokens.check(token).onComplete(ar -> {
      if (ar.failed()) {
        String why = ar.cause() instanceof Tokens.Refused ? ar.cause().getMessage() : "token could not be checked";
        rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"safecity\", error=\"invalid_token\", error_description=\""
            + why.replace("\"", "'") + "\"");
        Problems.send(rc, 401, "Unauthorized", token == null ? "a Bearer token is required (POST /api/v1/auth/token)" : why);
        return;
      }
      Principal p = ar.result().principal();
      rc.put(PRINCIPAL, p);
      rc.put(VALID_UNTIL, ar.result().validUntil());
      if (!limited(rc, "sub:" + p.id())) {
        rc.next();
      }
    });
  }

  private boolean limited(RoutingContext rc, String key) {
    long wait = limiter.acquire(key, System.nanoTime());
    if (wait == 0) {
      return false;
    }
    rc.response().putHeader("Retry-After", String.valueOf(wait));
    Problems.send(rc, 429, "Too Many Requests", "request rate limit reached; retry in " + wait + " s");
    return true;
  }

  /** From {@code Authorization: Bearer}, or for the event stream (browsers' EventSource sends no headers) {@code access_token}. */
  private static String bearer(RoutingContext rc, boolean queryAllowed) {
    String h = rc.request().getHeader("Authorization");
    if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return h.substring(7).trim();
    }
    if (queryAllowed) {
      return rc.request().getParam("access_token");
    }
    return null;
  }

  public static Principal principal(RoutingContext rc) {
    return rc.get(PRINCIPAL);
  }

  /** When the caller's token stops being accepted (null for a public operation): an event stream ends then. */
  public static java.time.Instant tokenValidUntil(RoutingContext rc) {
    return rc.get(VALID_UNTIL);
  }

  /** Ends the request with 403 unless the caller satisfies {@code rule}; true when it may go on. */
  public static boolean allow(RoutingContext rc, Predicate<Principal> rule, String needed) {
    Principal p = principal(rc);
    if (p != null && rule.test(p)) {
      return true;
    }
    Problems.send(rc, 403, "Forbidden", (p == null ? "anonymous" : p.role().wire() + " " + p.id())
        + " may not do this: " + needed);
    return false;
  }

  /**
   * The address the request came from, for the audit log: the client's, which behind a trusted load balancer is
   * the one its {@code X-Forwarded-For} names ({@code http.trustedProxies}).
   */
  public static String remote(RoutingContext rc) {
    String client = rc.get(CLIENT);
    if (client != null) {
      return client;
    }
    return rc.request().remoteAddress() == null ? null : rc.request().remoteAddress().hostAddress();
  }
}
