package org.safecity.gateway.mqtt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parts of {@code api-spec/asyncapi.yaml} the gateway runs on: for each {@link TopicKind} the
 * message's payload schema, with every local {@code $ref} inlined, and its examples.
 *
 * <p>Loading fails loudly when the document and {@link TopicKind} disagree (a channel missing, not
 * exactly one message per channel, an operation with the wrong direction), so the code cannot
 * quietly run on a contract it does not match.
 */
final class AsyncApiContract {

  static final String RESOURCE = "api-spec/asyncapi.yaml";

  /** One {@code examples} entry of a message. */
  record Example(TopicKind kind, String name, JsonObject payload) {
  }

  private final JsonObject document;
  private final Map<TopicKind, JsonObject> schemas = new EnumMap<>(TopicKind.class);
  private final Map<TopicKind, List<Example>> examples = new EnumMap<>(TopicKind.class);

  private AsyncApiContract(JsonObject document) {
    this.document = document;
    JsonObject channels = required(document, "channels", "");
    for (TopicKind kind : TopicKind.values()) {
      String channelKey = channelKeyFor(channels, kind);
      JsonObject messages = required(channels.getJsonObject(channelKey), "messages", "channels." + channelKey);
      if (messages.size() != 1) {
        throw new IllegalStateException("channel " + kind.address() + " must carry exactly one message, has " + messages.size());
      }
      JsonObject message = (JsonObject) resolve(messages.getValue(messages.fieldNames().iterator().next()), new HashSet<>());
      Object payload = message.getValue("payload");
      if (!(payload instanceof JsonObject)) {
        throw new IllegalStateException("message of channel " + kind.address() + " has no payload schema");
      }
      schemas.put(kind, (JsonObject) resolve(payload, new HashSet<>()));
      examples.put(kind, examplesOf(kind, message));
      checkOperation(kind, channelKey);
    }
  }

  /** Loads the contract from the class path (the build copies {@code api-spec/} into the jar). */
  static AsyncApiContract fromClasspath() {
    ClassLoader loader = AsyncApiContract.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the class path");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = new ObjectMapper(new YAMLFactory()).readValue(in, Map.class);
      return new AsyncApiContract(new JsonObject(map));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** The whole document as parsed, refs unresolved. */
  JsonObject document() {
    return document;
  }

  /** The payload schema of the kind's message, self-contained (no {@code $ref} left). */
  JsonObject schema(TopicKind kind) {
    return schemas.get(kind);
  }

  List<Example> examples(TopicKind kind) {
    return examples.get(kind);
  }

  private static String channelKeyFor(JsonObject channels, TopicKind kind) {
    String found = null;
    for (String key : channels.fieldNames()) {
      if (kind.address().equals(channels.getJsonObject(key).getString("address"))) {
        if (found != null) {
          throw new IllegalStateException("two channels have the address " + kind.address());
        }
        found = key;
      }
    }
    if (found == null) {
      throw new IllegalStateException("no channel with the address " + kind.address());
    }
    return found;
  }

  private void checkOperation(TopicKind kind, String channelKey) {
    String expected = kind.fromBox() ? "receive" : "send";
    JsonObject operations = required(document, "operations", "");
    for (String key : operations.fieldNames()) {
      JsonObject operation = operations.getJsonObject(key);
      JsonObject channel = operation.getJsonObject("channel");
      if (channel != null && ("#/channels/" + channelKey).equals(channel.getString("$ref"))) {
        if (!expected.equals(operation.getString("action"))) {
          throw new IllegalStateException("operation " + key + " on " + kind.address() + " must be '" + expected + "'");
        }
        return;
      }
    }
    throw new IllegalStateException("no operation for channel " + kind.address());
  }

  private List<Example> examplesOf(TopicKind kind, JsonObject message) {
    List<Example> list = new ArrayList<>();
    JsonArray array = message.getJsonArray("examples", new JsonArray());
    for (int i = 0; i < array.size(); i++) {
      JsonObject example = (JsonObject) resolve(array.getJsonObject(i), new HashSet<>());
      list.add(new Example(kind, example.getString("name", "#" + i), example.getJsonObject("payload")));
    }
    return List.copyOf(list);
  }

  /** A deep copy of {@code node} with each local {@code $ref} replaced by (a copy of) its target. */
  private Object resolve(Object node, Set<String> inProgress) {
    if (node instanceof JsonObject object) {
      Object ref = object.getValue("$ref");
      if (ref instanceof String pointer) {
        if (!pointer.startsWith("#/")) {
          throw new IllegalStateException("only local $refs are supported, found " + pointer);
        }
        if (!inProgress.add(pointer)) {
          throw new IllegalStateException("$ref cycle through " + pointer);
        }
        Object resolved = resolve(JsonPointers.resolve(document, pointer.substring(1)), inProgress);
        inProgress.remove(pointer);
        return resolved;
      }
      JsonObject copy = new JsonObject();
      for (String key : object.fieldNames()) {
        copy.put(key, resolve(object.getValue(key), inProgress));
      }
      return copy;
    }
    if (node instanceof JsonArray array) {
      JsonArray copy = new JsonArray();
      for (int i = 0; i < array.size(); i++) {
        copy.add(resolve(array.getValue(i), inProgress));
      }
      return copy;
    }
    return node;
  }

  private static JsonObject required(JsonObject parent, String key, String where) {
    JsonObject value = parent == null ? null : parent.getJsonObject(key);
    if (value == null) {
      throw new IllegalStateException(RESOURCE + ": missing " + (where.isEmpty() ? key : where + "." + key));
    }
    return value;
  }
}
