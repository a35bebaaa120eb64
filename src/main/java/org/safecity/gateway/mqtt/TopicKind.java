package org.safecity.gateway.mqtt;

import java.util.Optional;

/**
 * The kinds of topic under {@code boxes/{boxId}/}, one per channel of {@code api-spec/asyncapi.yaml}.
 * {@link AsyncApiContract} refuses a contract that lacks one of them, so the two cannot drift apart.
 */
public enum TopicKind {
  TELEMETRY("telemetry", true),
  EVENTS("events", true),
  GPS("gps", true),
  STATUS("status", true),
  CMD("cmd", false);

  private final String suffix;
  private final boolean fromBox;

  TopicKind(String suffix, boolean fromBox) {
    this.suffix = suffix;
    this.fromBox = fromBox;
  }

  /** The last topic level, e.g. {@code telemetry} in {@code boxes/box-1/telemetry}. */
  public String suffix() {
    return suffix;
  }

  /** {@code true} when a box publishes it (the gateway's {@code receive}), {@code false} for commands. */
  public boolean fromBox() {
    return fromBox;
  }

  /** The channel address in the contract, e.g. {@code boxes/{boxId}/telemetry}. */
  public String address() {
    return "boxes/{boxId}/" + suffix;
  }

  public static Optional<TopicKind> fromSuffix(String suffix) {
    for (TopicKind kind : values()) {
      if (kind.suffix.equals(suffix)) {
        return Optional.of(kind);
      }
    }
    return Optional.empty();
  }
}
