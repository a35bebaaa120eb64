package org.safecity.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.config.GatewayConfig.AuthConfig;

/** A token's signature is verified once; its claims are judged on every use. */
class TokensTest {
  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    volatile Instant now = Instant.parse("2026-11-25T06:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  String refusal(Tokens tokens, String token) throws Exception {
    try {
      tokens.check(token).await(10, TimeUnit.SECONDS);
      return null;
    } catch (Tokens.Refused r) {
      return r.getMessage();
    }
  }

  @Test
  void aRememberedSignatureIsNoPassForExpiredOrAlteredTokens() throws Exception {
    Path dir = Files.createTempDirectory("tokens-test");
    AuthConfig config = ConfigLoader.load(Optional.empty(), Map.of()).auth();
    SigningKeys keys = SigningKeys.load(config.algorithm(), Optional.empty(), Optional.empty(), dir);
    MovableClock clock = new MovableClock();
    Tokens tokens = new Tokens(vertx, keys, config, clock);
    Principal crew = new Principal("crew-1", Role.ERV_CREW, Optional.of("erv-01"), Set.of("south"), Set.of());
    String token = tokens.issue(crew).token();

    for (int i = 0; i < 3; i++) {
      assertThat(tokens.check(token).await(10, TimeUnit.SECONDS).principal()).isEqualTo(crew);
    }
    String[] parts = token.split("\\.");
    char last = parts[2].charAt(parts[2].length() - 2);
    String altered = parts[0] + "." + parts[1] + "." + parts[2].substring(0, parts[2].length() - 2)
        + (last == 'A' ? 'B' : 'A') + parts[2].charAt(parts[2].length() - 1);
    assertThat(refusal(tokens, altered)).contains("signature");

    clock.now = clock.now.plus(config.tokenLifetime()).plus(config.clockSkew()).plus(Duration.ofSeconds(2));
    assertThat(refusal(tokens, token)).as("judged again on every use").contains("expired");
  }
}
