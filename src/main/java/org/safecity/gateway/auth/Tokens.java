package org.safecity.gateway.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.safecity.gateway.config.GatewayConfig.AuthConfig;

/**
 * Issues and checks the API's tokens (vertx-auth-jwt). Only the configured algorithm is accepted, so
 * {@code alg: none} and algorithm confusion (an HS256 token keyed with the public key) fail before any
 * signature check; expiry, not-before, issuer and audience are checked here with this node's clock, each with
 * its own reason, so a client learns exactly why it was refused.
 */
public final class Tokens {
  /** Why a token was refused; the message is safe to return to the client. */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * A token that passed every check: who it speaks for, and the first instant at which this node refuses it
   * (the second after {@code exp} plus the allowed clock skew), so a long-lived use of it (an event stream) can
   * end then.
   */
  public record Verified(Principal principal, java.time.Instant validUntil) {
  }

  /** An issued token and its lifetime. */
  public record Issued(String token, long expiresInSeconds) {
  }

  /**
   * Tokens whose signature this node has verified, by their exact text, with their claims. ES256 verification
   * costs milliseconds of event-loop time; a crew's phone presents the same token on every request and every
   * reconnect of its event stream, and a reconnect storm presents thousands at once. Only the signature is
   * remembered: every use judges the claims again. Bounded, least recently used out first.
   */
  private final SignedTokens signed = new SignedTokens(4096);
  private final JWTAuth jwt;
  private final AuthConfig config;
  private final Clock clock;

  public Tokens(Vertx vertx, SigningKeys keys, AuthConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(keys.algorithm()).setBuffer(keys.publicPem()))
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(keys.algorithm()).setBuffer(keys.privatePem()))
        // expiry and the rest are judged below, with precise reasons and this node's clock
        .setJWTOptions(new JWTOptions().setIgnoreExpiration(true)));
  }

  public Issued issue(Principal p) {
    long now = clock.instant().getEpochSecond();
    long lifetime = config.tokenLifetime().toSeconds();
    JsonObject claims = new JsonObject()
        .put("sub", p.id())
        .put("iss", config.issuer())
        .put("aud", config.audience())
        .put("iat", now)
        .put("nbf", now)
        .put("exp", now + lifetime)
        .put("jti", UUID.randomUUID().toString())
        .put("role", p.role().wire())
        .put("regions", new JsonArray(p.regions().stream().sorted().toList()))
        .put("scopes", new JsonArray(p.scopes().stream().sorted().toList()));
    p.unit().ifPresent(u -> claims.put("unit", u));
    // claims carry their own timestamps; JWTOptions must not add a second iat
    String token = jwt.generateToken(claims, new JWTOptions().setAlgorithm(config.algorithm()).setNoTimestamp(true));
    return new Issued(token, lifetime);
  }

  /** How far past a token's {@code exp} it is still accepted (clocks differ). */
  public Duration clockSkew() {
    return config.clockSkew();
  }

  /** The principal a token speaks for; fails with {@link Refused} saying why. */
  public Future<Principal> verify(String token) {
    return check(token).map(Verified::principal);
  }

  /** As {@link #verify}, with the instant the token stops being accepted. */
  public Future<Verified> check(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(new Refused("no token"));
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return Future.failedFuture(new Refused("malformed token: expected header.payload.signature"));
    }
    String alg;
    try {
      alg = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8)).getString("alg");
    } catch (RuntimeException e) {
      return Future.failedFuture(new Refused("malformed token header"));
    }
    if (!config.algorithm().equals(alg)) {
      return Future.failedFuture(new Refused("token algorithm " + alg + " is not accepted; tokens are " + config.algorithm()));
    }
    JsonObject known = signed.get(token);
    if (known != null) {
      return judged(known);
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(e -> Future.failedFuture(new Refused("token signature or format is invalid")))
        .compose(user -> {
          JsonObject c = user.attributes().getJsonObject("accessToken");
          signed.put(token, c);
          return judged(c);
        });
  }

  /** The claims judged now (expiry, not-before, issuer, audience, role): a cached signature is no pass. */
  private Future<Verified> judged(JsonObject claims) {
    try {
      return Future.succeededFuture(claims(claims));
    } catch (Refused r) {
      return Future.failedFuture(r);
    }
  }

  private Verified claims(JsonObject c) {
    long now = clock.instant().getEpochSecond();
    long skew = config.clockSkew().toSeconds();
    Long exp = number(c, "exp");
    if (exp == null) {
      throw new Refused("token has no expiry (exp)");
    }
    if (now > exp + skew) {
      throw new Refused("token expired " + Duration.ofSeconds(now - exp) + " ago");
    }
    Long nbf = number(c, "nbf");
    if (nbf != null && now + skew < nbf) {
      throw new Refused("token not valid before " + java.time.Instant.ofEpochSecond(nbf));
    }
    if (!config.issuer().equals(c.getValue("iss"))) {
      throw new Refused("token issuer " + c.getValue("iss") + " is not " + config.issuer());
    }
    Object aud = c.getValue("aud");
    boolean audienceOk = aud instanceof String s ? s.equals(config.audience())
        : aud instanceof JsonArray a && a.contains(config.audience());
    if (!audienceOk) {
      throw new Refused("token audience " + aud + " is not " + config.audience());
    }
    Optional<Role> role = Role.fromWire(String.valueOf(c.getValue("role")));
    if (role.isEmpty() || !(c.getValue("sub") instanceof String sub)) {
      throw new Refused("token lacks a known role or subject");
    }
    return new Verified(new Principal(sub, role.get(), Optional.ofNullable(c.getString("unit")), strings(c, "regions"),
        strings(c, "scopes")), java.time.Instant.ofEpochSecond(exp + skew + 1));
  }

  /** A small LRU map shared by the event loops (held for a lookup only). */
  private static final class SignedTokens {
    private final java.util.LinkedHashMap<String, JsonObject> map;

    SignedTokens(int max) {
      this.map = new java.util.LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, JsonObject> eldest) {
          return size() > max;
        }
      };
    }

    synchronized JsonObject get(String token) {
      return map.get(token);
    }

    synchronized void put(String token, JsonObject claims) {
      map.put(token, claims);
    }
  }

  private static Long number(JsonObject c, String key) {
    return c.getValue(key) instanceof Number n ? n.longValue() : null;
  }

  private static Set<String> strings(JsonObject c, String key) {
    Set<String> out = new HashSet<>();
    if (c.getValue(key) instanceof JsonArray a) {
      a.forEach(v -> {
        if (v instanceof String s) {
          out.add(s);
        }
      });
    }
    return out;
  }
}
