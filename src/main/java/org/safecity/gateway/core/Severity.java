package org.safecity.gateway.core;

/** How urgent an alarm is, least to most. */
public enum Severity {
  INFO, WARNING, MAJOR, CRITICAL
}
