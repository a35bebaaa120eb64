package org.safecity.gateway.api;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Adapts the published contract for vertx-openapi 5.0, which refuses response media types outside a short
 * list (no {@code application/problem+json}, no {@code application/yaml}, no {@code text/event-stream}, no {@code image/jpeg}).
 * Responses are not validated by the router, only requests, so renaming those response content keys loses no
 * checking; the document clients see and lint stays exactly as written. Request bodies of operations marked
 * {@code x-safecity-streamed-body} are read by their handlers after authentication ({@link PhotoUploads}), so the
 * router sees none: in the copy they are optional (the handler checks them against the published contract).
 */
final class RouterContract {
  private static final Map<String, String> RESPONSE_TYPES = Map.of(
      "application/problem+json", "application/json",
      "application/yaml", "text/plain",
      "text/event-stream", "text/plain",
      "image/jpeg", "application/octet-stream");

  private RouterContract() {
  }

  static JsonObject adapt(JsonObject published) {
    JsonObject copy = published.copy();
    JsonObject paths = copy.getJsonObject("paths", new JsonObject());
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (item.getValue(method) instanceof JsonObject op) {
          renameIn(op.getJsonObject("responses"));
          if (op.containsKey(PhotoUploads.STREAMED) && op.getJsonObject("requestBody") != null) {
            op.getJsonObject("requestBody").put("required", false);
          }
        }
      }
    }
    JsonObject components = copy.getJsonObject("components");
    if (components != null) {
      renameIn(components.getJsonObject("responses"));
    }
    return copy;
  }

  private static void renameIn(JsonObject responses) {
    if (responses == null) {
      return;
    }
    for (String code : responses.fieldNames()) {
      JsonObject content = responses.getJsonObject(code).getJsonObject("content");
      if (content == null) {
        continue;
      }
      RESPONSE_TYPES.forEach((from, to) -> {
        if (content.containsKey(from)) {
          Object v = content.remove(from);
          content.put(to, v);
        }
      });
    }
  }
}
