package org.safecity.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One configuration key: its type, default and the comment shipped in {@code gateway.yaml}.
 * Values arrive as YAML scalars or environment strings; {@link #parse} turns either into the typed value
 * or an explanation of what was expected.
 */
public record Setting(String key, Type type, Object defaultValue, String comment, long min, long max, List<String> choices) {

  public enum Type { INT, BOOL, STRING, DURATION, CHOICE, LIST }

  static Setting integer(String key, int def, long min, long max, String comment) {
    return new Setting(key, Type.INT, def, comment, min, max, List.of());
  }

  static Setting port(String key, int def, String comment) {
    return integer(key, def, 1, 65535, comment);
  }

  static Setting bool(String key, boolean def, String comment) {
    return new Setting(key, Type.BOOL, def, comment, 0, 0, List.of());
  }

  static Setting string(String key, String def, String comment) {
    return new Setting(key, Type.STRING, def, comment, 0, 0, List.of());
  }

  static Setting duration(String key, Duration def, Duration min, Duration max, String comment) {
    return new Setting(key, Type.DURATION, def, comment, min.toMillis(), max.toMillis(), List.of());
  }

  /** A list of strings: a YAML sequence, or comma-separated in the environment; never empty. */
  static Setting list(String key, List<String> def, String comment) {
    return new Setting(key, Type.LIST, List.copyOf(def), comment, 0, 0, List.of());
  }

  static Setting choice(String key, String def, List<String> choices, String comment) {
    return new Setting(key, Type.CHOICE, def, comment, 0, 0, choices);
  }

  /** {@code eventLog.maxBatch} → {@code SAFECITY_EVENT_LOG_MAX_BATCH}. */
  public String envName() {
    return "SAFECITY_" + key.replace('.', '_').replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }

  /** What a valid value looks like, for error messages. */
  public String expected() {
    return switch (type) {
      case INT -> "an integer " + min + ".." + max;
      case BOOL -> "true or false";
      case STRING -> "a string";
      case DURATION -> "a duration such as 500ms, 30s, 5m, 1h or 2d, between " + format(Duration.ofMillis(min))
          + " and " + format(Duration.ofMillis(max));
      case CHOICE -> "one of " + String.join(", ", choices);
      case LIST -> "a list of strings (a YAML sequence; comma-separated in the environment), not empty";
    };
  }

  /**
   * Parses a raw value (a YAML scalar's text or an environment variable).
   *
   * @throws IllegalArgumentException with the reason when the value does not fit
   */
  public Object parse(String raw) {
    String v = raw.trim();
    switch (type) {
      case INT -> {
        long n;
        try {
          n = Long.parseLong(v);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("not an integer");
        }
        if (n < min || n > max) {
          throw new IllegalArgumentException("out of range");
        }
        return (int) n;
      }
      case BOOL -> {
        if (v.equalsIgnoreCase("true")) return true;
        if (v.equalsIgnoreCase("false")) return false;
        throw new IllegalArgumentException("not a boolean");
      }
      case STRING -> {
        return raw;
      }
      case DURATION -> {
        Duration d = parseDuration(v);
        if (d.toMillis() < min || d.toMillis() > max) {
          throw new IllegalArgumentException("out of range");
        }
        return d;
      }
      case CHOICE -> {
        // case-insensitive, returned as the table spells it (info, ES256)
        for (String c : choices) {
          if (c.equalsIgnoreCase(v)) {
            return c;
          }
        }
        throw new IllegalArgumentException("not a known choice");
      }
      case LIST -> {
        return parseList(List.of(raw.split(",", -1)));
      }
    }
    throw new AssertionError(type);
  }

  /** The items of a LIST value (from a YAML sequence or split at commas), trimmed; none may be empty. */
  static List<String> parseList(List<String> items) {
    List<String> out = items.stream().map(String::trim).toList();
    if (out.isEmpty() || out.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("an empty list or item");
    }
    return out;
  }

  /** The value as written in the shipped YAML file. */
  public String render(Object value) {
    return switch (type) {
      case DURATION -> format((Duration) value);
      case STRING -> ((String) value).isEmpty() ? "\"\"" : quoteIfNeeded((String) value);
      case LIST -> {
        StringBuilder out = new StringBuilder("[");
        for (Object item : (List<?>) value) {
          out.append(out.length() > 1 ? ", " : "").append('"').append(((String) item).replace("\\", "\\\\")
              .replace("\"", "\\\"")).append('"');
        }
        yield out.append(']').toString();
      }
      default -> String.valueOf(value);
    };
  }

  private static String quoteIfNeeded(String s) {
    return s.matches("[A-Za-z0-9_./:-]+") ? s : '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  static Duration parseDuration(String v) {
    var m = java.util.regex.Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)").matcher(v);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000 == 0 && ms > 0) return ms / 86_400_000 + "d";
    if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
    if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
    if (ms % 1000 == 0) return ms / 1000 + "s";
    return ms + "ms";
  }
}
