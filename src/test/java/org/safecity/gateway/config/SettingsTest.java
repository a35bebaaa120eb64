package org.safecity.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SettingsTest {
  @Test
  void shippedFileEqualsTheCodeDefaults() throws Exception {
    // Regenerate with: java -jar target/safecity-gateway.jar --print-default-config > gateway-config/gateway.yaml
    assertThat(Files.readString(Path.of("gateway-config/gateway.yaml"))).isEqualTo(Settings.renderYaml());
  }

  @Test
  void shippedFileLoadsToTheDefaults() {
    GatewayConfig fromFile = ConfigLoader.load(Optional.of(Path.of("gateway-config/gateway.yaml")), Map.of());
    GatewayConfig builtIn = ConfigLoader.load(Optional.of(Path.of("src/test/resources/empty.yaml")), Map.of());
    assertThat(fromFile).usingRecursiveComparison().ignoringFields("source").isEqualTo(builtIn);
  }

  @Test
  void everyKeyHasACommentAndTheRequiredEnvironmentNamesExist() {
    assertThat(Settings.ALL).allSatisfy(s -> assertThat(s.comment()).isNotBlank());
    assertThat(Settings.ALL).extracting(Setting::envName).contains("SAFECITY_HTTP_PORT", "SAFECITY_MQTT_PORT",
        "SAFECITY_RTSP_PORT", "SAFECITY_DATA_DIR", "SAFECITY_STORE_URL", "SAFECITY_EVENT_LOG_MAX_BATCH");
    assertThat(Settings.ALL).extracting(Setting::key).doesNotHaveDuplicates();
  }

  @Test
  void requiredDefaults() {
    GatewayConfig c = ConfigLoader.load(Optional.of(Path.of("src/test/resources/empty.yaml")), Map.of());
    assertThat(c.http().port()).isEqualTo(8080);
    assertThat(c.mqtt().port()).isEqualTo(1883);
    assertThat(c.rtsp().port()).isEqualTo(8554);
    assertThat(c.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(c.store().url()).isEmpty();
  }
}
