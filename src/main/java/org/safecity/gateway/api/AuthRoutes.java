package org.safecity.gateway.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.safecity.gateway.auth.Account;
import org.safecity.gateway.auth.Accounts;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.auth.Tokens;

/** Login, account administration and the audit log: the {@code auth} tag of the contract. */
final class AuthRoutes {
  private final Accounts accounts;
  private final Tokens tokens;
  private final Audit audit;

  AuthRoutes(Accounts accounts, Tokens tokens, Audit audit) {
    this.accounts = accounts;
    this.tokens = tokens;
    this.audit = audit;
  }

  void issueToken(RoutingContext rc) {
    JsonObject body = rc.body().asJsonObject();
    boolean client = body.containsKey("clientId");
    String id = client ? body.getString("clientId") : body.getString("username");
    String secret = client ? body.getString("clientSecret") : body.getString("password");
    accounts.login(id, secret, client).onSuccess(r -> {
      switch (r.outcome()) {
        case OK -> {
          Account a = r.account().orElseThrow();
          Tokens.Issued t = tokens.issue(a.principal());
          HttpVerticle.json(rc, 200, new JsonObject().put("accessToken", t.token()).put("tokenType", "Bearer")
              .put("expiresIn", t.expiresInSeconds()).put("role", a.role().wire()));
        }
        case WRONG -> Problems.send(rc, 401, "Unauthorized", "unknown " + (client ? "client or wrong client secret"
            : "username or wrong password"));
        case DISABLED -> Problems.send(rc, 403, "Forbidden", "account " + id + " is disabled");
        case BUSY -> {
          rc.response().putHeader("Retry-After", "1");
          Problems.send(rc, 503, "Service Unavailable", "every credential checker is busy; retry shortly");
        }
      }
    }).onFailure(rc::fail);
  }

  void listAccounts(RoutingContext rc) {
    if (!ApiAuth.allow(rc, p -> p.is(Role.ADMIN), "admin only")) {
      return;
    }
    accounts.all().onSuccess(list -> {
      JsonArray out = new JsonArray();
      list.forEach(a -> out.add(json(a)));
      HttpVerticle.json(rc, 200, new JsonObject().put("accounts", out));
    }).onFailure(rc::fail);
  }

  void createAccount(RoutingContext rc) {
    if (!ApiAuth.allow(rc, p -> p.is(Role.ADMIN), "admin only")) {
      return;
    }
    JsonObject b = rc.body().asJsonObject();
    Optional<Role> role = Role.fromWire(b.getString("role"));
    Account a = new Account(b.getString("id"), "client".equals(b.getString("kind")), role.orElseThrow(),
        Optional.ofNullable(b.getString("unit")), strings(b.getJsonArray("regions")), strings(b.getJsonArray("scopes")), false);
    Principal admin = ApiAuth.principal(rc);
    accounts.create(a, b.getString("secret"))
        .compose(created -> audit.record(admin, "account.create", created.id(), ApiAuth.remote(rc),
            Map.of("role", created.role().wire(), "regions", new JsonArray(created.regions().stream().sorted().toList()),
                "scopes", new JsonArray(created.scopes().stream().sorted().toList()))).map(created))
        .onSuccess(created -> HttpVerticle.json(rc, 201, json(created)))
        .onFailure(e -> {
          if (e instanceof IllegalArgumentException) {
            int status = e.getMessage().contains("already exists") ? 409 : 400;
            Problems.send(rc, status, status == 409 ? "Conflict" : "Bad Request", e.getMessage());
          } else {
            rc.fail(e);
          }
        });
  }

  void listAudit(RoutingContext rc) {
    if (!ApiAuth.allow(rc, p -> p.is(Role.ADMIN), "admin only")) {
      return;
    }
    var q = HttpVerticle.validated(rc).getQuery();
    long before = HttpVerticle.longParam(q.get("before"), 0);
    int limit = (int) HttpVerticle.longParam(q.get("limit"), 100);
    String principal = q.get("principal") == null || q.get("principal").isNull() ? null : q.get("principal").getString();
    audit.page(before, limit, principal)
        .onSuccess(entries -> HttpVerticle.json(rc, 200, new JsonObject().put("entries", entries)))
        .onFailure(rc::fail);
  }

  private static Set<String> strings(JsonArray a) {
    Set<String> out = new HashSet<>();
    if (a != null) {
      a.forEach(v -> out.add(String.valueOf(v)));
    }
    return out;
  }

  static JsonObject json(Account a) {
    return new JsonObject().put("id", a.id()).put("kind", a.client() ? "client" : "user").put("role", a.role().wire())
        .put("unit", a.unit().orElse(null)).put("regions", new JsonArray(a.regions().stream().sorted().toList()))
        .put("scopes", new JsonArray(a.scopes().stream().sorted().toList())).put("disabled", a.disabled());
  }
}
