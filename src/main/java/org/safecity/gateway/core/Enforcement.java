package org.safecity.gateway.core;

import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A camera that is an enforcement point: the traffic rule a vehicle it reads is breaking (the camera is placed
 * where only violators are seen: past a red light's stop line while red, inside a no-entry street), and when
 * that holds. A plate read there within the window becomes an e-challan.
 *
 * @param rule   one of {@link #RULES}
 * @param window the local times it applies, or empty for always
 */
public record Enforcement(String rule, Optional<Window> window) {
  /** The rules an enforcement camera may name. */
  public static final List<String> RULES = List.of("red-light", "no-entry", "wrong-way", "bus-lane", "no-parking");

  public Enforcement {
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(window, "window");
    if (!RULES.contains(rule)) {
      throw new IllegalArgumentException("unknown rule \"" + rule + "\"; expected one of " + String.join(", ", RULES));
    }
  }

  /** True when the rule applies at this local time of day. */
  public boolean activeAt(LocalTime t) {
    return window.map(w -> w.contains(t)).orElse(true);
  }

  /** {@code rule} or {@code rule@HH:MM-HH:MM}: how it is stored. */
  public String wire() {
    return rule + window.map(w -> "@" + w).orElse("");
  }

  /** Reads {@link #wire()}. */
  public static Enforcement fromWire(String s) {
    int at = s.indexOf('@');
    return at < 0 ? new Enforcement(s, Optional.empty())
        : new Enforcement(s.substring(0, at), Optional.of(Window.parse(s.substring(at + 1))));
  }

  /**
   * Local times of day {@code from} (inclusive) to {@code to} (exclusive); past midnight when {@code to} is
   * earlier ({@code 22:00-06:00}).
   */
  public record Window(LocalTime from, LocalTime to) {
    public Window {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      if (from.equals(to)) {
        throw new IllegalArgumentException("window " + from + "-" + to + " is empty; leave window out for always");
      }
    }

    /**
     * {@code HH:MM-HH:MM}, 24-hour.
     *
     * @throws IllegalArgumentException saying what is expected
     */
    public static Window parse(String s) {
      String[] parts = s.trim().split("\\s*-\\s*");
      if (parts.length != 2 || !parts[0].matches("\\d{2}:\\d{2}") || !parts[1].matches("\\d{2}:\\d{2}")) {
        throw new IllegalArgumentException("expected a window HH:MM-HH:MM (24-hour, e.g. 07:00-22:00), got \"" + s + "\"");
      }
      try {
        return new Window(LocalTime.parse(parts[0]), LocalTime.parse(parts[1]));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("expected a window HH:MM-HH:MM with hours 00..23 and minutes 00..59, got \""
            + s + "\"");
      }
    }

    public boolean contains(LocalTime t) {
      return from.isBefore(to) ? !t.isBefore(from) && t.isBefore(to) : !t.isBefore(from) || t.isBefore(to);
    }

    @Override
    public String toString() {
      return from + "-" + to;
    }
  }
}
