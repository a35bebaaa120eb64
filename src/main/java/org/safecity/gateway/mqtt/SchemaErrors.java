package org.safecity.gateway.mqtt;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns vertx-json-schema's error units into messages a box vendor can act on, such as
 * {@code $.batteryPercent: must be ≤ 100, got 140}. The library's own texts ("140 is greater than
 * 100", "Instance does not have required property ...") do not say where, so the message is rebuilt
 * from the failing keyword, its value in the schema and the offending value in the payload.
 */
final class SchemaErrors {

  /** Messages reported for one payload; the rest are counted. */
  static final int MAX_MESSAGES = 5;

  private final JsonObject schema;

  /** @param schema the self-contained schema the errors refer to (keyword locations resolve in it) */
  SchemaErrors(JsonObject schema) {
    this.schema = schema;
  }

  String describe(OutputUnit result, JsonObject payload, Map<String, String> hugeNumbers) {
    Set<String> messages = new LinkedHashSet<>();
    List<OutputUnit> errors = result.getErrors() == null ? List.of() : result.getErrors();
    for (OutputUnit unit : errors) {
      messages.addAll(messagesFor(unit, payload, hugeNumbers));
    }
    if (messages.isEmpty()) {
      // only container keywords (anyOf, oneOf...) failed: pass on what the library said
      for (OutputUnit unit : errors) {
        List<String> keys = JsonPointers.instanceKeys(payload, unit.getInstanceLocation());
        messages.add(JsonPointers.path(payload, keys) + ": " + Texts.sanitize(unit.getError()));
      }
    }
    if (messages.isEmpty()) {
      return "$: does not match the schema";
    }
    List<String> list = new ArrayList<>(messages);
    String shown = String.join("; ", list.subList(0, Math.min(list.size(), MAX_MESSAGES)));
    return list.size() > MAX_MESSAGES ? shown + "; and " + (list.size() - MAX_MESSAGES) + " more" : shown;
  }

  private List<String> messagesFor(OutputUnit unit, JsonObject payload, Map<String, String> hugeNumbers) {
    List<String> schemaKeys = JsonPointers.schemaKeys(unit.getKeywordLocation());
    if (schemaKeys.isEmpty()) {
      return List.of();
    }
    String keyword = schemaKeys.get(schemaKeys.size() - 1);
    Object rule = JsonPointers.resolve(schema, schemaKeys);
    List<String> instanceKeys = JsonPointers.instanceKeys(payload, unit.getInstanceLocation());
    String path = JsonPointers.path(payload, instanceKeys);
    Object value = JsonPointers.resolve(payload, instanceKeys);
    String got = hugeNumbers.containsKey(path) ? hugeNumber(hugeNumbers.get(path)) : render(value);
    if ("required".equals(keyword)) {
      return missing(rule, value, path, condition(schemaKeys, payload, instanceKeys));
    }
    String message = switch (keyword) {
      case "type" -> "must be " + typeName(rule) + ", got " + (hugeNumbers.containsKey(path) ? "number " + got : typeAndValue(value));
      case "enum" -> "must be one of " + list(rule) + ", got " + got;
      case "const" -> "must be " + render(rule) + ", got " + got;
      case "minimum" -> "must be ≥ " + render(rule) + ", got " + got;
      case "maximum" -> "must be ≤ " + render(rule) + ", got " + got;
      case "exclusiveMinimum" -> "must be > " + render(rule) + ", got " + got;
      case "exclusiveMaximum" -> "must be < " + render(rule) + ", got " + got;
      case "multipleOf" -> "must be a multiple of " + render(rule) + ", got " + got;
      case "minLength" -> "must be at least " + render(rule) + " characters, got " + length(value);
      case "maxLength" -> "must be at most " + render(rule) + " characters, got " + length(value);
      case "pattern" -> "must match " + rule + ", got " + got;
      case "format" -> "must be " + formatName(rule) + ", got " + got;
      case "additionalProperties" -> Boolean.FALSE.equals(rule) && !declared(schemaKeys, instanceKeys) ? "unknown field" : null;
      // containers: the keywords inside them report the real problem
      case "properties", "patternProperties", "$ref", "allOf", "anyOf", "oneOf", "if", "then", "else",
           "items", "additionalItems", "contains", "propertyNames", "dependentSchemas", "dependencies",
           "unevaluatedProperties", "unevaluatedItems" -> null;
      default -> Texts.sanitize(unit.getError());
    };
    return message == null ? List.of() : List.of(path + ": " + message);
  }

  /**
   * vertx-json-schema 5.0.8 also reports a declared property whose value failed its own schema as an
   * additional one ("Property ... does not match additional properties schema"); the real error is
   * reported separately, so a declared name is never called unknown here.
   */
  private boolean declared(List<String> schemaKeys, List<String> instanceKeys) {
    if (instanceKeys.isEmpty()) {
      return false;
    }
    Object parent = JsonPointers.resolve(schema, schemaKeys.subList(0, schemaKeys.size() - 1));
    return parent instanceof JsonObject object
      && object.getValue("properties") instanceof JsonObject properties
      && properties.containsKey(instanceKeys.get(instanceKeys.size() - 1));
  }

  /** One message per required key the object lacks, e.g. {@code $.commandId: is required when $.type is "cmd-result"}. */
  private static List<String> missing(Object rule, Object object, String path, String condition) {
    if (!(rule instanceof JsonArray names) || !(object instanceof JsonObject present)) {
      return List.of();
    }
    List<String> messages = new ArrayList<>();
    for (Object name : names) {
      if (!present.containsKey((String) name)) {
        StringBuilder field = new StringBuilder(path);
        JsonPointers.appendKey(field, (String) name);
        messages.add(field + ": is required" + condition);
      }
    }
    return messages;
  }

  /** For a keyword under {@code then}: {@code " when $.type is \"cmd-result\""}, built from the sibling {@code if}. */
  private String condition(List<String> schemaKeys, JsonObject payload, List<String> instanceKeys) {
    int then = schemaKeys.lastIndexOf("then");
    if (then < 0) {
      return "";
    }
    List<String> ifKeys = new ArrayList<>(schemaKeys.subList(0, then));
    ifKeys.add("if");
    if (!(JsonPointers.resolve(schema, ifKeys) instanceof JsonObject condition)
      || !(condition.getValue("properties") instanceof JsonObject properties)
      || properties.isEmpty()) {
      return "";
    }
    return " when " + properties.fieldNames().stream()
      .map(name -> {
        List<String> keys = new ArrayList<>(instanceKeys);
        keys.add(name);
        return JsonPointers.path(payload, keys) + " is " + render(JsonPointers.resolve(payload, keys));
      })
      .collect(Collectors.joining(" and "));
  }

  private static String typeName(Object rule) {
    if (rule instanceof JsonArray types) {
      return types.stream().map(SchemaErrors::typeName).collect(Collectors.joining(" or "));
    }
    return switch (String.valueOf(rule)) {
      case "integer" -> "an integer";
      case "object" -> "an object";
      case "array" -> "an array";
      case "null" -> "null";
      default -> "a " + rule;
    };
  }

  private static String formatName(Object format) {
    if ("date-time".equals(format)) {
      return "an RFC 3339 date-time with offset (like 2025-03-01T10:15:30Z)";
    }
    return "a valid " + format;
  }

  private static String list(Object rule) {
    if (rule instanceof JsonArray values) {
      return values.stream().map(SchemaErrors::render).collect(Collectors.joining(", ", "[", "]"));
    }
    return render(rule);
  }

  private static String length(Object value) {
    return value instanceof String s ? Integer.toString(s.codePointCount(0, s.length())) : render(value);
  }

  private static String hugeNumber(String digits) {
    return digits.length() <= Texts.MAX_ECHO ? digits : digits.substring(0, Texts.MAX_ECHO) + "… (" + digits.length() + " chars)";
  }

  private static String typeAndValue(Object value) {
    if (value instanceof JsonObject) {
      return "object";
    }
    if (value instanceof JsonArray) {
      return "array";
    }
    if (value == null) {
      return "null";
    }
    String type = value instanceof String ? "string" : value instanceof Boolean ? "boolean" : "number";
    return type + " " + render(value);
  }

  static String render(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String s) {
      return Texts.quote(s);
    }
    if (value instanceof Number n) {
      return Texts.number(n);
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    return String.valueOf(value);
  }
}
