package org.safecity.gateway.api;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The REST contract as shipped in the jar ({@code api-spec/openapi.yaml}): its text, and the parsed form the router is built from. */
public record Contract(String text, OpenAPIContract openApi) {
  public static final String RESOURCE = "api-spec/openapi.yaml";

  /** Reads the resource (blocking: call at start-up, off the event loops) and resolves it. */
  public static Future<Contract> load(Vertx vertx) {
    String text;
    JsonObject json;
    try (InputStream in = Contract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return Future.failedFuture(new IllegalStateException(RESOURCE + " is missing from the classpath"));
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      json = new JsonObject(new YAMLMapper().readValue(text, Map.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return OpenAPIContract.from(vertx, RouterContract.adapt(json)).map(c -> new Contract(text, c));
  }
}
