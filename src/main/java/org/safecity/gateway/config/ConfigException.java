package org.safecity.gateway.config;

/** A configuration problem, worded for the operator: which key, where it came from, and what is expected. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
