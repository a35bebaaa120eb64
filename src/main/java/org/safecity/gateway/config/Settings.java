package org.safecity.gateway.config;

import static org.safecity.gateway.config.Setting.bool;
import static org.safecity.gateway.config.Setting.choice;
import static org.safecity.gateway.config.Setting.duration;
import static org.safecity.gateway.config.Setting.integer;
import static org.safecity.gateway.config.Setting.port;
import static org.safecity.gateway.config.Setting.string;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every setting the gateway knows, in the order of the shipped {@code gateway-config/gateway.yaml}.
 * The file is rendered from this table ({@link #renderYaml()}) and a test keeps the two equal, so a default
 * can never differ between code and documentation.
 */
public final class Settings {
  private Settings() {
  }

  /** Section comments, keyed by the first segment of the keys. */
  static final Map<String, String> SECTIONS = new LinkedHashMap<>();
  public static final List<Setting> ALL;

  static {
    SECTIONS.put("data", "Local files: embedded database, generated keys, snapshots.");
    SECTIONS.put("store", "PostgreSQL: the single source of truth.");
    SECTIONS.put("eventLog", "The append-only event log (group commit).");
    SECTIONS.put("http", "REST, SSE, GraphQL and ops endpoints.");
    SECTIONS.put("mqtt", "Street boxes over MQTT 3.1.1 / 5.");
    SECTIONS.put("rtsp", "Cameras over RTSP.");
    SECTIONS.put("devices", "Registry of boxes and cameras.");
    SECTIONS.put("log", "Logging.");
    SECTIONS.put("shutdown", "Stopping on SIGTERM.");
    ALL = List.of(
        string("data.dir", "./data", "folder for the embedded database and other local state; created if missing"),
        string("store.url", "", "postgresql://user:password@host:5432/db of a real server; empty starts an embedded PostgreSQL under data.dir"),
        integer("store.poolSize", 8, 1, 256, "connections in the pool"),
        integer("store.embeddedPort", 0, 0, 65535, "port of the embedded PostgreSQL on 127.0.0.1; 0 picks a free one"),
        duration("store.connectTimeout", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMinutes(5),
            "how long to wait for a connection before the store counts as down"),
        integer("eventLog.maxBatch", 500, 1, 10_000, "most events committed in one transaction (group commit)"),
        integer("eventLog.maxPending", 50_000, 1, 1_000_000, "appends queued beyond this are refused (backpressure, never silent loss)"),
        string("http.host", "0.0.0.0", "address the HTTP server binds"),
        port("http.port", 8080, "HTTP port"),
        integer("http.maxBodyBytes", 1_048_576, 1024, 104_857_600, "largest request body accepted; larger gets 413"),
        bool("mqtt.enabled", true, "run the MQTT edge"),
        string("mqtt.host", "0.0.0.0", "address the MQTT server binds"),
        port("mqtt.port", 1883, "MQTT port"),
        string("rtsp.host", "0.0.0.0", "address the RTSP server binds"),
        port("rtsp.port", 8554, "RTSP port"),
        string("devices.file", "", "YAML file of boxes and cameras (see gateway-config/devices.example.yaml); empty = none"),
        choice("log.level", "info", List.of("trace", "debug", "info", "warn", "error"), "lowest level written"),
        choice("log.format", "text", List.of("text", "json"), "text: one key=value line per event; json: one JSON object per line"),
        duration("shutdown.timeout", Duration.ofSeconds(8), Duration.ofSeconds(1), Duration.ofMinutes(1),
            "on SIGTERM, how long in-flight work may take before the process exits"));
  }

  public static Optional<Setting> find(String key) {
    return ALL.stream().filter(s -> s.key().equals(key)).findFirst();
  }

  /** The shipped {@code gateway.yaml}: every key with its default and comment. */
  public static String renderYaml() {
    StringBuilder out = new StringBuilder();
    out.append("# SafeCity Gateway configuration. Every key is shown with its default.\n")
        .append("# Any key a.b can be overridden by the environment variable SAFECITY_A_B\n")
        .append("# (camelCase splits on capitals: eventLog.maxBatch -> SAFECITY_EVENT_LOG_MAX_BATCH).\n")
        .append("# Durations: 500ms, 30s, 5m, 1h.\n");
    String section = null;
    for (Setting s : ALL) {
      String[] parts = s.key().split("\\.", 2);
      if (!parts[0].equals(section)) {
        section = parts[0];
        out.append('\n').append(section).append(":  # ").append(SECTIONS.get(section)).append('\n');
      }
      out.append("  ").append(parts[1]).append(": ").append(s.render(s.defaultValue()))
          .append("  # ").append(s.comment()).append('\n');
    }
    return out.toString();
  }
}
