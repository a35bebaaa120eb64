package org.safecity.gateway.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads the YAML file, then the {@code SAFECITY_*} environment, into a {@link GatewayConfig}.
 * Every failure is a {@link ConfigException} whose message names the key, where the value came from and what
 * is expected, because a stack trace is no help to the person starting the gateway.
 */
public final class ConfigLoader {
  /** Used when no {@code --config} is given and the file exists in the working directory. */
  public static final Path DEFAULT_FILE = Path.of("gateway-config", "gateway.yaml");

  /** {@code SAFECITY_*} variables that are not settings (secrets read by other parts). */
  static final Set<String> NON_SETTING_ENV = Set.of("SAFECITY_BOOTSTRAP_ADMIN_SECRET");

  private ConfigLoader() {
  }

  /**
   * @param file the {@code --config} argument, if any
   * @param env  the process environment
   */
  public static GatewayConfig load(Optional<Path> file, Map<String, String> env) {
    Map<String, Object> values = new LinkedHashMap<>();
    Settings.ALL.forEach(s -> values.put(s.key(), s.defaultValue()));

    Optional<Path> source = file.or(() -> Files.isRegularFile(DEFAULT_FILE) ? Optional.of(DEFAULT_FILE) : Optional.empty());
    source.ifPresent(path -> readFile(path, values));
    applyEnv(env, values);

    GatewayConfig config = GatewayConfig.from(values, source.map(Path::toString).orElse("built-in defaults"),
        Optional.ofNullable(env.get("SAFECITY_BOOTSTRAP_ADMIN_SECRET")).filter(s -> !s.isBlank()));
    checkPorts(config);
    checkKeys(config);
    checkTls(config);
    checkPlates(config);
    checkCluster(config);
    return config;
  }

  private static void readFile(Path path, Map<String, Object> values) {
    String text;
    try {
      text = Files.readString(path);
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + path + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("config file " + path + " cannot be read: " + e.getMessage());
    }
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(text);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new ConfigException("config file " + path + " is not valid YAML"
          + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
          + ": " + e.getOriginalMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return; // an empty file means all defaults
    }
    if (!root.isObject()) {
      throw new ConfigException("config file " + path + ": expected a mapping of sections (http:, store:, ...) at the top");
    }
    flatten("", root, path, values);
  }

  private static void flatten(String prefix, JsonNode node, Path path, Map<String, Object> values) {
    for (var it = node.fields(); it.hasNext(); ) {
      var field = it.next();
      String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
      JsonNode value = field.getValue();
      if (value.isObject()) {
        if (Settings.find(key).isPresent()) {
          throw new ConfigException(where(path, key) + ": expected " + Settings.find(key).get().expected() + ", got a mapping");
        }
        flatten(key, value, path, values);
        continue;
      }
      Setting setting = Settings.find(key).orElseThrow(() -> new ConfigException(
          where(path, key) + ": unknown key" + suggestion(key)));
      if (value.isArray() && setting.type() == Setting.Type.LIST) {
        java.util.List<String> items = new java.util.ArrayList<>();
        for (JsonNode item : value) {
          if (!item.isValueNode() || item.isNull()) {
            throw new ConfigException(where(path, key) + ": expected " + setting.expected() + ", got a list holding "
                + (item.isNull() ? "an empty item" : "a " + (item.isArray() ? "list" : "mapping")));
          }
          items.add(item.asText());
        }
        try {
          values.put(key, Setting.parseList(items));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(where(path, key) + ": expected " + setting.expected() + ", got " + e.getMessage());
        }
        continue;
      }
      if (value.isArray()) {
        throw new ConfigException(where(path, key) + ": expected " + setting.expected() + ", got a list");
      }
      if (value.isNull()) {
        if (setting.type() != Setting.Type.STRING) {
          throw new ConfigException(where(path, key) + ": expected " + setting.expected() + ", got no value");
        }
        values.put(key, "");
        continue;
      }
      if (setting.type() == Setting.Type.INT && value.isNumber() && !value.canConvertToExactIntegral()) {
        throw new ConfigException(where(path, key) + ": expected " + setting.expected() + ", got " + value.asText());
      }
      values.put(key, parse(setting, value.asText(), where(path, key)));
    }
  }

  private static void applyEnv(Map<String, String> env, Map<String, Object> values) {
    Map<String, Setting> byEnv = new HashMap<>();
    Settings.ALL.forEach(s -> byEnv.put(s.envName(), s));
    env.entrySet().stream()
        .filter(e -> e.getKey().startsWith("SAFECITY_"))
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> {
          Setting setting = byEnv.get(e.getKey());
          if (setting == null) {
            if (NON_SETTING_ENV.contains(e.getKey())) {
              return;
            }
            throw new ConfigException("environment variable " + e.getKey() + ": no such setting; known: "
                + byEnv.keySet().stream().sorted().collect(Collectors.joining(", ")));
          }
          values.put(setting.key(), parse(setting, e.getValue(),
              "environment variable " + e.getKey() + " (key " + setting.key() + ")"));
        });
  }

  private static Object parse(Setting setting, String raw, String where) {
    try {
      return setting.parse(raw);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(where + ": expected " + setting.expected() + ", got \"" + raw + "\"");
    }
  }

  private static void checkPorts(GatewayConfig c) {
    Map<Integer, String> used = new HashMap<>();
    used.put(c.http().port(), "http.port");
    if (c.mqtt().enabled()) {
      clash(used, c.mqtt().port(), "mqtt.port", c.source());
    }
    var r = c.rtsp();
    if (r.enabled()) {
      clash(used, r.port(), "rtsp.port", c.source());
      // UDP ports are a namespace of their own; only the RTP/RTCP pair must differ.
      if (r.udp() && (r.udpRtcpPort() == 0 || r.udpRtcpPort() == r.udpRtpPort())) {
        throw new ConfigException("config (" + c.source() + "): rtsp.udpRtcpPort must be a port other than rtsp.udpRtpPort ("
            + r.udpRtpPort() + "), conventionally " + (r.udpRtpPort() + 1) + "; set rtsp.udpRtpPort to 0 to turn UDP off");
      }
    }
    if (r.pullRetryMax().compareTo(r.pullRetryMin()) < 0) {
      throw new ConfigException("config (" + c.source() + "): rtsp.pullRetryMax (" + r.pullRetryMax()
          + ") must not be shorter than rtsp.pullRetryMin (" + r.pullRetryMin() + ")");
    }
    if (c.health().cameraOfflineAfter().compareTo(c.health().cameraStalledAfter()) <= 0) {
      throw new ConfigException("config (" + c.source() + "): health.cameraOfflineAfter must be longer than health.cameraStalledAfter");
    }
  }

  private static void checkKeys(GatewayConfig c) {
    var a = c.auth();
    if (a.privateKeyFile().isPresent() != a.publicKeyFile().isPresent()) {
      throw new ConfigException("config (" + c.source() + "): auth.privateKeyFile and auth.publicKeyFile go together; set both or neither");
    }
    for (var f : java.util.List.of(a.privateKeyFile(), a.publicKeyFile())) {
      if (f.isPresent() && !Files.isReadable(f.get())) {
        throw new ConfigException("config (" + c.source() + "): key file " + f.get() + " does not exist or cannot be read");
      }
    }
  }

  private static void checkTls(GatewayConfig c) {
    var m = c.mqtt();
    if (m.tlsCertFile().isPresent() != m.tlsKeyFile().isPresent()) {
      throw new ConfigException("config (" + c.source() + "): mqtt.tlsCertFile and mqtt.tlsKeyFile go together; set both or neither");
    }
    if (m.tlsClientCaFile().isPresent() && !m.tls()) {
      throw new ConfigException("config (" + c.source() + "): mqtt.tlsClientCaFile (mutual TLS) needs mqtt.tlsCertFile and mqtt.tlsKeyFile");
    }
    for (var f : java.util.List.of(m.tlsCertFile(), m.tlsKeyFile(), m.tlsClientCaFile())) {
      if (f.isPresent() && !Files.isReadable(f.get())) {
        throw new ConfigException("config (" + c.source() + "): TLS file " + f.get() + " does not exist or cannot be read");
      }
    }
  }

  private static void checkPlates(GatewayConfig c) {
    try {
      new org.safecity.gateway.core.PlateFormats(c.recognition().plateFormats(), c.recognition().plateConfusions());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("config (" + c.source() + "): recognition.plateFormats/plateConfusions: " + e.getMessage());
    }
  }

  private static void checkCluster(GatewayConfig c) {
    var k = c.cluster();
    if (!k.enabled()) {
      if (c.node().role() != NodeRole.ALL) {
        throw new ConfigException("config (" + c.source() + "): node.role " + c.node().role().wire()
            + " is one part of a cluster; set cluster.enabled (and cluster.members), or use node.role all");
      }
      return;
    }
    if (c.store().url().isEmpty()) {
      throw new ConfigException("config (" + c.source() + "): cluster.enabled needs store.url: every node shares one "
          + "PostgreSQL, and an embedded one per node would split the truth");
    }
    if (k.host().isEmpty()) {
      throw new ConfigException("config (" + c.source() + "): cluster.host must name this node's address");
    }
    if (k.members().isEmpty()) {
      throw new ConfigException("config (" + c.source() + "): cluster.members is empty; list the members as host:port "
          + "(this node may be one of them)");
    }
    for (String m : k.members()) {
      int colon = m.lastIndexOf(':');
      boolean ok = colon > 0 && colon < m.length() - 1;
      if (ok) {
        try {
          int p = Integer.parseInt(m.substring(colon + 1));
          ok = p >= 1 && p <= 65535;
        } catch (NumberFormatException e) {
          ok = false;
        }
      }
      if (!ok) {
        throw new ConfigException("config (" + c.source() + "): cluster.members entry \"" + m + "\" is not host:port");
      }
    }
    if (k.busPort() != 0 && k.busPort() == k.port()) {
      throw new ConfigException("config (" + c.source() + "): cluster.busPort and cluster.port are both " + k.port()
          + "; each needs its own port");
    }
  }

  private static void clash(Map<Integer, String> used, int port, String key, String source) {
    String other = used.putIfAbsent(port, key);
    if (other != null) {
      throw new ConfigException("config (" + source + "): " + key + " and " + other + " are both " + port
          + "; each edge needs its own port");
    }
  }

  private static String where(Path path, String key) {
    return "config file " + path + ", key " + key;
  }

  private static String suggestion(String key) {
    String section = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
    String known = Settings.ALL.stream().map(Setting::key).filter(k -> k.startsWith(section + "."))
        .collect(Collectors.joining(", "));
    return known.isEmpty()
        ? "; known sections: " + String.join(", ", Settings.SECTIONS.keySet())
        : "; known keys here: " + known;
  }
}
