package org.safecity.gateway.mqtt;

import io.vertx.core.json.JsonObject;

import java.util.Objects;

/** The outcome of {@link PayloadValidator#validate}: the parsed payload, or why it was refused. */
public sealed interface Validation permits Validation.Ok, Validation.Rejected {

  /** Why a payload was refused. */
  enum Reason {
    /** Over the byte limit or nested too deeply: refused before it is looked at further. */
    TOO_LARGE,
    /** Not one strict UTF-8 JSON text: syntax error, invalid UTF-8, duplicate key, NaN/Infinity. */
    NOT_JSON,
    /** Well-formed JSON that does not match the topic's schema in the contract. */
    SCHEMA
  }

  /** The payload matched its schema; {@code payload} is freshly parsed and owned by the caller. */
  record Ok(JsonObject payload) implements Validation {
    public Ok {
      Objects.requireNonNull(payload, "payload");
    }
  }

  /** The payload was refused; {@code message} names the offending field, e.g. {@code $.door: ...}. */
  record Rejected(Reason reason, String message) implements Validation {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }
  }

  default boolean isOk() {
    return this instanceof Ok;
  }
}
