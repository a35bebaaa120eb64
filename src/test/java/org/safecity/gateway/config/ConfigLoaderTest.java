package org.safecity.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir
  Path dir;

  private Path yaml(String text) throws IOException {
    Path f = dir.resolve("gateway.yaml");
    Files.writeString(f, text);
    return f;
  }

  private GatewayConfig load(String text, Map<String, String> env) throws IOException {
    return ConfigLoader.load(Optional.of(yaml(text)), env);
  }

  private String error(String text, Map<String, String> env) {
    try {
      load(text, env);
    } catch (ConfigException e) {
      return e.getMessage();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no error for " + text + " " + env);
  }

  @Test
  void fileValuesAndEnvironmentOverrides() throws IOException {
    GatewayConfig c = load("http:\n  port: 9090\nstore:\n  poolSize: 3\nshutdown:\n  timeout: 2500ms\n",
        Map.of("SAFECITY_MQTT_PORT", "11883", "SAFECITY_DATA_DIR", "/var/lib/safecity",
            "SAFECITY_STORE_URL", "postgresql://u:p@db:5432/city", "SAFECITY_EVENT_LOG_MAX_BATCH", "64",
            "SAFECITY_HTTP_PORT", "9191"));
    assertThat(c.http().port()).isEqualTo(9191); // environment wins over the file
    assertThat(c.store().poolSize()).isEqualTo(3);
    assertThat(c.mqtt().port()).isEqualTo(11883);
    assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/safecity"));
    assertThat(c.store().url()).contains("postgresql://u:p@db:5432/city");
    assertThat(c.eventLog().maxBatch()).isEqualTo(64);
    assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(c.source()).endsWith("gateway.yaml");
  }

  @Test
  void unknownKeyNamesTheKeyTheFileAndTheKnownKeys() {
    assertThat(error("http:\n  prot: 80\n", Map.of()))
        .contains("gateway.yaml").contains("http.prot").contains("unknown key").contains("http.port");
    assertThat(error("htp:\n  port: 80\n", Map.of())).contains("htp.port").contains("known sections");
  }

  @Test
  void wrongTypes() {
    assertThat(error("http:\n  port: eighty\n", Map.of()))
        .isEqualTo("config file " + dir.resolve("gateway.yaml") + ", key http.port: expected an integer 1..65535, got \"eighty\"");
    assertThat(error("http:\n  port: 80.5\n", Map.of())).contains("http.port").contains("expected an integer");
    assertThat(error("mqtt:\n  enabled: maybe\n", Map.of())).contains("mqtt.enabled").contains("true or false");
    assertThat(error("shutdown:\n  timeout: soon\n", Map.of())).contains("shutdown.timeout").contains("duration");
    assertThat(error("log:\n  level: loud\n", Map.of())).contains("log.level").contains("one of trace, debug, info, warn, error");
    assertThat(error("http:\n  port: [1, 2]\n", Map.of())).contains("http.port").contains("got a list");
    assertThat(error("http:\n  port:\n", Map.of())).contains("http.port").contains("got no value");
    assertThat(error("http: 8080\n", Map.of())).contains("unknown key").contains("http");
  }

  @Test
  void portOutOfRange() {
    assertThat(error("http:\n  port: 70000\n", Map.of())).contains("http.port").contains("1..65535").contains("70000");
    assertThat(error("", Map.of("SAFECITY_RTSP_PORT", "0")))
        .isEqualTo("environment variable SAFECITY_RTSP_PORT (key rtsp.port): expected an integer 1..65535, got \"0\"");
  }

  @Test
  void samePortTwice() {
    assertThat(error("", Map.of("SAFECITY_MQTT_PORT", "8080"))).contains("mqtt.port and http.port are both 8080");
  }

  @Test
  void unknownEnvironmentVariableIsNamed() {
    assertThat(error("", Map.of("SAFECITY_HTTP_PROT", "1"))).contains("SAFECITY_HTTP_PROT").contains("no such setting")
        .contains("SAFECITY_HTTP_PORT");
  }

  @Test
  void invalidYamlSaysWhere() {
    assertThat(error("http:\n  port: 8080\n bad: [\n", Map.of())).contains("gateway.yaml").contains("not valid YAML")
        .contains("line");
    assertThat(error("- a\n- b\n", Map.of())).contains("expected a mapping");
  }

  @Test
  void missingFile() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(dir.resolve("nope.yaml")), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("nope.yaml").hasMessageContaining("does not exist");
  }

  @Test
  void tlsFilesGoTogetherAndMustExist() {
    assertThat(error("", Map.of("SAFECITY_MQTT_TLS_CERT_FILE", "/nonexistent.pem"))).contains("go together");
    assertThat(error("", Map.of("SAFECITY_MQTT_TLS_CLIENT_CA_FILE", "/ca.pem"))).contains("mutual TLS");
    assertThat(error("", Map.of("SAFECITY_MQTT_TLS_CERT_FILE", "/nonexistent.pem", "SAFECITY_MQTT_TLS_KEY_FILE", "/k.pem")))
        .contains("/nonexistent.pem").contains("cannot be read");
  }

  @Test
  void envNames() {
    assertThat(Settings.find("health.boxSilentAfter").orElseThrow().envName()).isEqualTo("SAFECITY_HEALTH_BOX_SILENT_AFTER");
    assertThat(Settings.find("store.poolSize").orElseThrow().envName()).isEqualTo("SAFECITY_STORE_POOL_SIZE");
  }

  @Test
  void plateFormatsAreAListFromYamlOrTheEnvironmentAndAreChecked() throws IOException {
    GatewayConfig c = load("recognition:\n  plateFormats: [\"AAA-9999\", \"AA 999\"]\n  enforcementTimeZone: Asia/Karachi\n",
        Map.of());
    assertThat(c.recognition().plateFormats()).containsExactly("AAA-9999", "AA 999");
    assertThat(c.recognition().enforcementTimeZone()).isEqualTo(java.time.ZoneId.of("Asia/Karachi"));
    c = load("recognition:\n  plateFormats:\n    - AAA-9999\n", Map.of("SAFECITY_RECOGNITION_PLATE_CONFUSIONS", "0O, 1I"));
    assertThat(c.recognition().plateFormats()).containsExactly("AAA-9999");
    assertThat(c.recognition().plateConfusions()).containsExactly("0O", "1I");
    assertThat(load("", Map.of("SAFECITY_RECOGNITION_PLATE_FORMATS", "AAA-9999,AAA 999")).recognition().plateFormats())
        .containsExactly("AAA-9999", "AAA 999");
    assertThat(error("recognition:\n  plateFormats: [\"AAA_9999\"]\n", Map.of()))
        .contains("recognition.plateFormats/plateConfusions: plate format \"AAA_9999\": '_' is neither A");
    assertThat(error("recognition:\n  plateFormats: []\n", Map.of()))
        .contains("key recognition.plateFormats: expected a list of strings");
    assertThat(error("recognition:\n  plateFormats: [{a: 1}]\n", Map.of()))
        .contains("key recognition.plateFormats: expected a list of strings (a YAML sequence; comma-separated in the "
            + "environment), not empty, got a list holding a mapping");
    assertThat(error("", Map.of("SAFECITY_RECOGNITION_PLATE_FORMATS", "AAA-9999,,AA-99")))
        .contains("environment variable SAFECITY_RECOGNITION_PLATE_FORMATS (key recognition.plateFormats): expected a list");
    assertThat(error("recognition:\n  enforcementTimeZone: Mars/Olympus\n", Map.of()))
        .contains("recognition.enforcementTimeZone: expected a time zone such as UTC or Asia/Karachi, got \"Mars/Olympus\"");
  }
}
