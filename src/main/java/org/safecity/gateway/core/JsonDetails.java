package org.safecity.gateway.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds and checks the {@code details} maps of events and alarms. They go to the event log as JSON,
 * so only strings, finite numbers, booleans and nested maps/lists are allowed; a wrong type fails
 * here, where it is made, not later in the store.
 */
final class JsonDetails {

  private final Map<String, Object> map = new LinkedHashMap<>();

  private JsonDetails() {
  }

  static JsonDetails of() {
    return new JsonDetails();
  }

  /** Adds a value; {@code null} is left out (optional), an {@link Instant} becomes ISO-8601 text. */
  JsonDetails put(String key, Object value) {
    if (value instanceof Instant instant) {
      value = instant.toString();
    }
    if (value != null) {
      map.put(key, value);
    }
    return this;
  }

  /** Adds a double rounded to {@code decimals}, so logs and alarms do not carry float noise. */
  JsonDetails put(String key, double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return put(key, Math.round(value * scale) / scale);
  }

  Map<String, Object> build() {
    return copy(map);
  }

  /** An unmodifiable, order-keeping deep copy; throws when something is not JSON-friendly. */
  static Map<String, Object> copy(Map<String, ?> details) {
    if (details == null) {
      return Map.of();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    details.forEach((k, v) -> {
      if (k == null) {
        throw new IllegalArgumentException("null key in details");
      }
      out.put(k, value(k, v));
    });
    return Collections.unmodifiableMap(out);
  }

  private static Object value(String key, Object v) {
    if (v instanceof String || v instanceof Boolean || v instanceof Integer || v instanceof Long) {
      return v;
    }
    if (v instanceof Double || v instanceof Float) {
      if (!Double.isFinite(((Number) v).doubleValue())) {
        throw new IllegalArgumentException("non-finite number in details at " + key);
      }
      return v;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> nested = new LinkedHashMap<>();
      m.forEach((k, x) -> {
        if (!(k instanceof String s)) {
          throw new IllegalArgumentException("non-string key in details at " + key);
        }
        nested.put(s, value(key + "." + s, x));
      });
      return Collections.unmodifiableMap(nested);
    }
    if (v instanceof List<?> l) {
      List<Object> items = new ArrayList<>(l.size());
      for (Object x : l) {
        items.add(value(key + "[]", x));
      }
      return Collections.unmodifiableList(items);
    }
    throw new IllegalArgumentException("not JSON-friendly in details at " + key + ": "
        + (v == null ? "null" : v.getClass().getName()));
  }
}
