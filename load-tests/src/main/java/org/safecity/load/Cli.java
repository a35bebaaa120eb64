package org.safecity.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A tiny command-line reader: {@code --key value}, {@code --key=value} and bare {@code --flag}. Each getter
 * consumes its key, so {@link #finish()} can reject whatever nobody asked for (a typo must not silently
 * run the default).
 */
public final class Cli {

  private final Map<String, String> values = new LinkedHashMap<>();
  private final Set<String> flags;

  /**
   * @param args  the command line
   * @param flags the keys that take no value ({@code --full}, {@code --help})
   */
  public Cli(String[] args, Set<String> flags) {
    this.flags = flags;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || a.length() == 2) {
        throw new IllegalArgumentException("expected --option, got '" + a + "'");
      }
      String key = a.substring(2);
      String value;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      } else if (flags.contains(key)) {
        value = "true";
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("--" + key + " needs a value");
        }
        value = args[++i];
      }
      if (values.put(key, value) != null) {
        throw new IllegalArgumentException("--" + key + " given twice");
      }
    }
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  public String string(String key, String def) {
    String v = values.remove(key);
    return v == null ? def : v;
  }

  public boolean flag(String key) {
    String v = values.remove(key);
    if (v == null) {
      return false;
    }
    switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1":
        return true;
      case "false", "no", "off", "0":
        return false;
      default:
        throw new IllegalArgumentException("--" + key + ": expected true/false, got '" + v + "'");
    }
  }

  public int integer(String key, int def, int min, int max) {
    String v = values.remove(key);
    if (v == null) {
      return def;
    }
    try {
      int n = Integer.parseInt(v.replace("_", ""));
      if (n < min || n > max) {
        throw new IllegalArgumentException("--" + key + " must be in " + min + ".." + max + ", got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + ": not an integer: '" + v + "'");
    }
  }

  public long longValue(String key, long def) {
    String v = values.remove(key);
    if (v == null) {
      return def;
    }
    try {
      return Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + ": not an integer: '" + v + "'");
    }
  }

  public double decimal(String key, double def, double min, double max) {
    String v = values.remove(key);
    if (v == null) {
      return def;
    }
    try {
      double d = Double.parseDouble(v);
      if (!(d >= min && d <= max)) {
        throw new IllegalArgumentException("--" + key + " must be in " + min + ".." + max + ", got " + v);
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + ": not a number: '" + v + "'");
    }
  }

  public Duration duration(String key, Duration def) {
    String v = values.remove(key);
    if (v == null) {
      return def;
    }
    try {
      return parseDuration(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--" + key + ": " + e.getMessage());
    }
  }

  /** A rate such as {@code 500/s}, {@code 500} or {@code max} (= 0, unlimited). */
  public double rate(String key, double def) {
    String v = values.remove(key);
    if (v == null) {
      return def;
    }
    return parseRate(key, v);
  }

  /** Fails on any option that no getter consumed. */
  public void finish() {
    if (!values.isEmpty()) {
      List<String> unknown = new ArrayList<>();
      values.keySet().forEach(k -> unknown.add("--" + k));
      throw new IllegalArgumentException("unknown option(s): " + String.join(", ", unknown));
    }
  }

  /** Parses {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} or a bare {@code 0}. */
  public static Duration parseDuration(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    try {
      if (s.endsWith("ms")) {
        return checked(Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2))), v);
      }
      long n = Long.parseLong(s.substring(0, s.length() - 1));
      switch (s.charAt(s.length() - 1)) {
        case 's':
          return checked(Duration.ofSeconds(n), v);
        case 'm':
          return checked(Duration.ofMinutes(n), v);
        case 'h':
          return checked(Duration.ofHours(n), v);
        default:
          break;
      }
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      // fall through to the error below
    }
    throw new IllegalArgumentException("not a duration (use 500ms, 5s, 2m, 1h): '" + v + "'");
  }

  public static double parseRate(String key, String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    if (s.equals("max") || s.equals("unlimited")) {
      return 0;
    }
    if (s.endsWith("/s")) {
      s = s.substring(0, s.length() - 2);
    }
    try {
      double d = Double.parseDouble(s);
      if (!(d >= 0) || Double.isInfinite(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + ": not a rate (use 500/s or max): '" + v + "'");
    }
  }

  private static Duration checked(Duration d, String v) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("negative duration: '" + v + "'");
    }
    return d;
  }

  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) {
      return "0";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
