package org.safecity.gateway.api.graphql;

import graphql.schema.DataFetchingEnvironment;
import java.util.regex.Pattern;
import org.safecity.gateway.incidents.Incidents;

/** Arguments checked as the REST contract checks its parameters; a bad one is a BAD_USER_INPUT error. */
final class Args {
  /** The contract's pattern for box and unit ids. */
  static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private Args() {
  }

  /** A numeric id (incidents, alarms), at least 1. */
  static long id(DataFetchingEnvironment env, String name) {
    long v = number(env.getArgument(name), name);
    if (v < 1) {
      throw bad(name + " must be at least 1");
    }
    return v;
  }

  /** An optional position in a list ({@code before}, {@code after}): 0 when absent. */
  static long cursor(DataFetchingEnvironment env, String name) {
    Object v = env.getArgument(name);
    if (v == null) {
      return 0;
    }
    long n = number(v, name);
    if (n < 0) {
      throw bad(name + " must not be negative");
    }
    return n;
  }

  static int limit(DataFetchingEnvironment env, int max) {
    Integer v = env.getArgument("limit");
    if (v == null || v < 1 || v > max) {
      throw bad("limit must be between 1 and " + max);
    }
    return v;
  }

  static String deviceId(DataFetchingEnvironment env, String name) {
    String v = env.getArgument(name);
    if (v == null || !DEVICE_ID.matcher(v).matches()) {
      throw bad(name + " must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    return v;
  }

  /** An optional string of at most {@code max} characters. */
  static String text(DataFetchingEnvironment env, String name, int max) {
    String v = env.getArgument(name);
    if (v != null && v.length() > max) {
      throw bad(name + " must be at most " + max + " characters");
    }
    return v;
  }

  static double range(DataFetchingEnvironment env, String name, double min, double max) {
    Double v = env.getArgument(name);
    if (v == null || !(v >= min && v <= max)) {
      throw bad(name + " must be between " + (long) min + " and " + (long) max);
    }
    return v;
  }

  private static long number(Object v, String name) {
    try {
      return Long.parseLong(String.valueOf(v));
    } catch (NumberFormatException e) {
      throw bad(name + " must be a number, not " + v);
    }
  }

  static Incidents.Refused bad(String message) {
    return new Incidents.Refused(400, message);
  }
}
