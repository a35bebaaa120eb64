package org.safecity.gateway.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** RFC 9457 problem details: the one error shape of the API. */
public final class Problems {
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  public static final String CONTENT_TYPE = "application/problem+json";

  private Problems() {
  }

  public static Future<Void> send(RoutingContext rc, int status, String title, String detail) {
    return send(rc, status, title, detail, null);
  }

  /** With extension members (RFC 9457 §3.2), e.g. the current state beside a conflict. */
  public static Future<Void> send(RoutingContext rc, int status, String title, String detail, JsonObject extensions) {
    JsonObject body = new JsonObject()
        .put("type", "urn:safecity:problem:" + slug(title))
        .put("title", title)
        .put("status", status)
        .put("instance", rc.request().path());
    if (detail != null) {
      body.put("detail", detail);
    }
    if (extensions != null) {
      extensions.forEach(e -> body.put(e.getKey(), e.getValue()));
    }
    if (rc.response().headWritten()) {
      // Too late for a problem body: cut the response so the client sees it is incomplete.
      rc.response().reset();
      return Future.succeededFuture();
    }
    return rc.response().setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE).end(body.encode());
  }

  /** Router failure handler: validation errors, oversized bodies and anything unexpected. */
  public static void onFailure(RoutingContext rc) {
    Throwable err = rc.failure();
    int status = rc.statusCode();
    String detail = err == null ? null : err.getMessage();
    if (err instanceof HttpException he) {
      status = he.getStatusCode();
      // The router puts the validator's explanation in the payload; the message is only the status text.
      detail = he.getPayload() != null ? he.getPayload() : detail;
    }
    if (status < 400) {
      status = 500;
    }
    if (status >= 500) {
      LOG.error("request failed method={} path={}", rc.request().method(), rc.request().path(), err);
      detail = "the gateway could not complete this request; it has been logged";
    }
    send(rc, status, title(status), detail);
  }

  static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Payload Too Large";
      case 415 -> "Unsupported Media Type";
      case 422 -> "Unprocessable Content";
      case 429 -> "Too Many Requests";
      case 503 -> "Service Unavailable";
      default -> status >= 500 ? "Internal Server Error" : "Error";
    };
  }

  private static String slug(String title) {
    return title.toLowerCase(java.util.Locale.ROOT).replace(' ', '-');
  }
}
