package org.safecity.gateway.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * The demo's people and vehicles talk to the gateway as any client does: over its public REST API with a token
 * from {@code POST /api/v1/auth/token}. One instance per login; the token is fetched again when it expires.
 */
final class DemoApi {

  /** An answer: status and body (JSON or a problem). */
  record Reply(int status, Buffer body) {
    JsonObject json() {
      return body.length() == 0 ? new JsonObject() : body.toJsonObject();
    }

    boolean ok() {
      return status / 100 == 2;
    }
  }

  /** A refused call, with the problem's text. */
  static final class Refused extends RuntimeException {
    final int status;

    Refused(String what, Reply r) {
      super(what + " -> " + r.status() + " " + r.body().toString().trim(), null, false, false);
      this.status = r.status();
    }
  }

  private final HttpClient http;
  private final String host;
  private final int port;
  private final String username;
  private final String password;
  private String token;

  DemoApi(Vertx vertx, String host, int port, String username, String password) {
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(10_000));
    this.host = host;
    this.port = port;
    this.username = username;
    this.password = password;
  }

  String username() {
    return username;
  }

  /** Logs in (again). */
  Future<Void> login() {
    JsonObject body = new JsonObject().put("username", username).put("password", password);
    return send(HttpMethod.POST, "/api/v1/auth/token", null, body).compose(r -> {
      if (!r.ok()) {
        return Future.failedFuture(new Refused("login as " + username, r));
      }
      token = r.json().getString("accessToken");
      return Future.succeededFuture();
    });
  }

  Future<Reply> get(String path) {
    return call(HttpMethod.GET, path, null);
  }

  /** A call without a token, for the operations open to anyone ({@code /health/ready}). */
  Future<Reply> getPublic(String path) {
    return send(HttpMethod.GET, path, null, null);
  }

  Future<Reply> post(String path, JsonObject body) {
    return call(HttpMethod.POST, path, body);
  }

  /** A call with the token; one 401 (token expired) logs in again and retries. */
  Future<Reply> call(HttpMethod method, String path, JsonObject body) {
    Future<Void> ready = token == null ? login() : Future.succeededFuture();
    return ready.compose(v -> send(method, path, token, body)).compose(r -> r.status() != 401 ? Future.succeededFuture(r)
        : login().compose(v -> send(method, path, token, body)));
  }

  private Future<Reply> send(HttpMethod method, String path, String bearer, JsonObject body) {
    RequestOptions o = new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(path)
        .setTimeout(15_000);
    if (bearer != null) {
      o.putHeader("Authorization", "Bearer " + bearer);
    }
    if (body != null) {
      o.putHeader("Content-Type", "application/json");
    }
    return http.request(o).compose(req -> (body == null ? req.send() : req.send(body.toBuffer()))
        .compose(res -> res.body().map(b -> new Reply(res.statusCode(), b))));
  }

  Future<Void> close() {
    return http.close();
  }
}
