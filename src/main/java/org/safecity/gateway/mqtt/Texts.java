package org.safecity.gateway.mqtt;

/** Renders untrusted text for error messages (which end up in logs): escaped and cut short. */
final class Texts {

  /** Longest piece of a payload value echoed in a message, in characters. */
  static final int MAX_ECHO = 64;
  /** Longest parser message passed on, in characters. */
  static final int MAX_PARSER_MESSAGE = 200;

  private Texts() {
  }

  /** A JSON-style quoted string, control characters escaped, at most {@link #MAX_ECHO} characters of it. */
  static String quote(String value) {
    StringBuilder out = new StringBuilder().append('"');
    boolean cut = escape(value, MAX_ECHO, out);
    out.append('"');
    if (cut) {
      out.append("… (").append(value.length()).append(" chars)");
    }
    return out.toString();
  }

  /** A parser's message made safe to log: control characters escaped, at most {@link #MAX_PARSER_MESSAGE} characters. */
  static String sanitize(String message) {
    if (message == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    if (escape(message, MAX_PARSER_MESSAGE, out)) {
      out.append('…');
    }
    return out.toString();
  }

  /** A number as a person writes it: {@code 140}, {@code 98.5}, {@code 1.0E25}. */
  static String number(Number value) {
    if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString(d.longValue());
    }
    return value.toString();
  }

  /** Appends up to {@code max} characters of {@code value}, escaped; returns whether it was cut. */
  private static boolean escape(String value, int max, StringBuilder out) {
    int shown = Math.min(value.length(), max);
    if (shown < value.length() && Character.isHighSurrogate(value.charAt(shown - 1))) {
      shown--; // do not cut a surrogate pair in half
    }
    for (int i = 0; i < shown; i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          boolean invisible = c < 0x20 || (c >= 0x7f && c < 0xa0) || c == '\u2028' || c == '\u2029'
            || isLoneSurrogate(value, i);
          if (invisible) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return shown < value.length();
  }

  private static boolean isLoneSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
    }
    return false;
  }
}
