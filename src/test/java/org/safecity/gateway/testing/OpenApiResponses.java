package org.safecity.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Checks real responses against {@code api-spec/openapi.yaml}: the status is one the operation declares, the
 * media type is declared for it, declared headers are present, and the body validates against the schema.
 * Independent of the server's own (request-side) validation, so a handler that drifts from the contract fails.
 */
public final class OpenApiResponses {
  private static final JsonObject DOC = load();

  private OpenApiResponses() {
  }

  private static JsonObject load() {
    try {
      Map<?, ?> map = new ObjectMapper(new YAMLFactory()).readValue(Path.of("api-spec/openapi.yaml").toFile(), Map.class);
      return JsonObject.mapFrom(map);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Asserts {@code res} is a response {@code method pathTemplate} may give; returns it for chaining. */
  public static <T> HttpResponse<T> check(String method, String pathTemplate, HttpResponse<T> res) {
    JsonObject op = DOC.getJsonObject("paths").getJsonObject(pathTemplate, new JsonObject())
        .getJsonObject(method.toLowerCase(Locale.ROOT));
    assertThat(op).as("operation %s %s in the contract", method, pathTemplate).isNotNull();
    JsonObject responses = op.getJsonObject("responses");
    String status = String.valueOf(res.statusCode());
    Object declared = responses.getValue(status);
    if (declared == null) {
      declared = responses.getValue(status.charAt(0) + "XX");
    }
    assertThat(declared).as("%s %s may answer %s (declared: %s); body %s", method, pathTemplate, status,
        responses.fieldNames(), res.body()).isNotNull();
    JsonObject response = (JsonObject) resolve(declared);
    JsonObject headers = response.getJsonObject("headers", new JsonObject());
    for (String h : headers.fieldNames()) {
      assertThat(res.headers().firstValue(h)).as("header %s of %s %s %s", h, method, pathTemplate, status).isPresent();
    }
    JsonObject content = response.getJsonObject("content");
    if (content == null) {
      return res;
    }
    String type = res.headers().firstValue("Content-Type").orElse("").split(";")[0].trim();
    assertThat(content.fieldNames()).as("media type of %s %s %s", method, pathTemplate, status).contains(type);
    if (type.endsWith("json")) {
      JsonObject schema = (JsonObject) resolve(content.getJsonObject(type).getJsonObject("schema"));
      Object body = res.body().toString().trim().startsWith("[") ? new JsonArray(res.body().toString())
          : new JsonObject(res.body().toString());
      OutputUnit out = Validator.create(JsonSchema.of(schema), new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
          .setBaseUri("https://safecity.invalid/openapi")).validate(body);
      assertThat(out.getValid()).as("%s %s %s body %s against the contract: %s", method, pathTemplate, status, res.body(),
          out.getErrors()).isTrue();
    }
    return res;
  }

  private static Object resolve(Object node) {
    if (node instanceof JsonObject o) {
      if (o.getValue("$ref") instanceof String ref) {
        Object target = DOC;
        for (String part : ref.substring(2).split("/")) {
          target = ((JsonObject) target).getValue(part.replace("~1", "/").replace("~0", "~"));
        }
        return resolve(target);
      }
      JsonObject copy = new JsonObject();
      o.fieldNames().forEach(k -> copy.put(k, resolve(o.getValue(k))));
      return copy;
    }
    if (node instanceof JsonArray a) {
      JsonArray copy = new JsonArray();
      a.forEach(v -> copy.add(resolve(v)));
      return copy;
    }
    return node;
  }
}
