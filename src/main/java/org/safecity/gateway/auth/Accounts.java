package org.safecity.gateway.auth;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.safecity.gateway.mqtt.BoxDirectory;
import org.safecity.gateway.devices.CredentialVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API accounts in PostgreSQL, with their secrets as bcrypt hashes checked on a bounded worker pool (a login
 * flood is refused, not queued). The bootstrap administrator {@code admin} is made on first start.
 */
public final class Accounts {
  private static final Logger LOG = LoggerFactory.getLogger(Accounts.class);
  public static final String ADMIN = "admin";
  public static final String BOOTSTRAP_ENV = "SAFECITY_BOOTSTRAP_ADMIN_SECRET";

  /** A login's outcome. */
  public enum Login { OK, WRONG, DISABLED, BUSY }

  public record LoginResult(Login outcome, Optional<Account> account) {
  }

  private final Pool pool;
  private final CredentialVerifier secrets;

  public Accounts(Pool pool, CredentialVerifier secrets) {
    this.pool = pool;
    this.secrets = secrets;
  }

  /**
   * Makes {@code admin} when no such account exists: with {@code bootstrapSecret} when given, else with a
   * generated secret, which the returned future carries so it can be printed once. Empty when admin existed.
   */
  public Future<Optional<String>> bootstrap(Optional<String> bootstrapSecret) {
    return find(ADMIN).compose(existing -> {
      if (existing.isPresent()) {
        return Future.succeededFuture(Optional.<String>empty());
      }
      String secret = bootstrapSecret.orElseGet(Accounts::generateSecret);
      Account admin = new Account(ADMIN, false, Role.ADMIN, Optional.empty(), Set.of(), Set.of(), false);
      return create(admin, secret).map(a -> {
        LOG.info("bootstrap administrator '{}' created ({})", ADMIN, bootstrapSecret.isPresent()
            ? "secret from " + BOOTSTRAP_ENV : "generated secret, printed once");
        return bootstrapSecret.isPresent() ? Optional.<String>empty() : Optional.of(secret);
      }).recover(e -> find(ADMIN).compose(now -> now.isPresent()
          // Another node sharing the database made it between the look-up and the insert: that one stands.
          ? Future.succeededFuture(Optional.<String>empty()) : Future.failedFuture(e)));
    });
  }

  static String generateSecret() {
    byte[] b = new byte[18];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Stores a new account; fails with {@link IllegalArgumentException} when it is not valid or exists. */
  public Future<Account> create(Account a, String secret) {
    Optional<String> problem = a.problem();
    if (problem.isPresent()) {
      return Future.failedFuture(new IllegalArgumentException(problem.get()));
    }
    if (secret == null || secret.length() < 8) {
      return Future.failedFuture(new IllegalArgumentException("the secret must be at least 8 characters"));
    }
    return secrets.hash(secret).compose(hash -> pool.preparedQuery(
            "INSERT INTO accounts (id, kind, role, secret_hash, unit, regions, scopes) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                + "ON CONFLICT (id) DO NOTHING")
        .execute(Tuple.of(a.id(), a.client() ? "client" : "user", a.role().wire(), hash, a.unit().orElse(null),
            a.regions().toArray(new String[0])).addValue(a.scopes().toArray(new String[0])))
        .compose(r -> r.rowCount() == 1 ? Future.succeededFuture(a)
            : Future.failedFuture(new IllegalArgumentException("account " + a.id() + " already exists"))));
  }

  public Future<Optional<Account>> find(String id) {
    return pool.preparedQuery("SELECT id, kind, role, unit, regions, scopes, disabled FROM accounts WHERE id = $1")
        .execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(account(rows.iterator().next())));
  }

  public Future<List<Account>> all() {
    return pool.query("SELECT id, kind, role, unit, regions, scopes, disabled FROM accounts ORDER BY id").execute()
        .map(rows -> {
          List<Account> out = new ArrayList<>();
          rows.forEach(r -> out.add(account(r)));
          return out;
        });
  }

  /**
   * Checks a login. A user must log in as a user and a client as a client; an unknown id costs a dummy bcrypt
   * check, so the time taken does not tell which ids exist.
   */
  public Future<LoginResult> login(String id, String secret, boolean asClient) {
    return pool.preparedQuery("SELECT id, kind, role, unit, regions, scopes, disabled, secret_hash FROM accounts WHERE id = $1")
        .execute(Tuple.of(id))
        .compose(rows -> {
          Row r = rows.size() == 0 ? null : rows.iterator().next();
          Account a = r == null ? null : account(r);
          boolean kindMatches = a != null && a.client() == asClient;
          String hash = kindMatches ? r.getString("secret_hash") : null;
          return secrets.verify("account:" + id, secret, hash)
              .map(ok -> {
                if (!ok) {
                  return new LoginResult(Login.WRONG, Optional.<Account>empty());
                }
                return a.disabled() ? new LoginResult(Login.DISABLED, Optional.of(a)) : new LoginResult(Login.OK, Optional.of(a));
              })
              .recover(e -> e instanceof BoxDirectory.BusyException
                  ? Future.succeededFuture(new LoginResult(Login.BUSY, Optional.empty())) : Future.failedFuture(e));
        });
  }

  private static Account account(Row r) {
    return new Account(r.getString("id"), "client".equals(r.getString("kind")),
        Role.fromWire(r.getString("role")).orElseThrow(), Optional.ofNullable(r.getString("unit")),
        Set.of(r.getArrayOfStrings("regions")), Set.of(r.getArrayOfStrings("scopes")), r.getBoolean("disabled"));
  }
}
