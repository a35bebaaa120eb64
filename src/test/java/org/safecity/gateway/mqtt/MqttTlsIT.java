package org.safecity.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.testing.Cli;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/** MQTT over TLS with client certificates (mutual TLS), certificates made by openssl, client mosquitto_pub. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MqttTlsIT {
  static final Duration T = Duration.ofSeconds(30);
  @TempDir
  Path dir;

  void openssl(String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "openssl";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Cli.Result r = Cli.run(T, null, cmd);
    assertThat(r.exit()).as(r.output()).isZero();
  }

  String p(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void mutualTlsAdmitsOnlyClientsWithACertificateFromTheConfiguredCa() throws Exception {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=SafeCity test CA",
        "-keyout", p("ca.key"), "-out", p("ca.pem"));
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    for (String who : new String[] {"server", "client"}) {
      openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + (who.equals("server") ? "localhost" : "box-1"),
          "-keyout", p(who + ".key"), "-out", p(who + ".csr"));
      openssl("x509", "-req", "-in", p(who + ".csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"), "-CAcreateserial",
          "-days", "2", "-extfile", p("san.ext"), "-out", p(who + ".pem"));
    }
    Files.writeString(dir.resolve("devices.yaml"), "boxes:\n  - id: box-1\n    secret: \"s1\"\n    region: east\n"
        + "    location: { lat: 24.86, lon: 67.01 }\n    cameras: []\ncameras: []\n");
    int port = Ports.free();
    try (TestPostgres pg = new TestPostgres(dir.resolve("pg"))) {
      Gateway gateway = Gateway.start(ConfigLoader.load(Optional.empty(), Map.of(
          "SAFECITY_STORE_URL", pg.url(), "SAFECITY_DATA_DIR", p("data"),
          "SAFECITY_HTTP_PORT", String.valueOf(Ports.free()), "SAFECITY_MQTT_PORT", String.valueOf(port),
          "SAFECITY_DEVICES_FILE", p("devices.yaml"),
          "SAFECITY_MQTT_TLS_CERT_FILE", p("server.pem"), "SAFECITY_MQTT_TLS_KEY_FILE", p("server.key"),
          "SAFECITY_MQTT_TLS_CLIENT_CA_FILE", p("ca.pem"))));
      try {
        String msg = "{\"type\":\"reboot\"}";
        Cli.Result withCert = Cli.run(T, null, "mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(port),
            "--cafile", p("ca.pem"), "--cert", p("client.pem"), "--key", p("client.key"),
            "-u", "box-1", "-P", "s1", "-i", "box-1", "-q", "1", "-t", "boxes/box-1/events", "-m", msg);
        assertThat(withCert.exit()).as(withCert.output()).isZero();

        Cli.Result noCert = Cli.run(T, null, "mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(port),
            "--cafile", p("ca.pem"), "-u", "box-1", "-P", "s1", "-i", "box-1", "-q", "1", "-t", "boxes/box-1/events", "-m", msg);
        assertThat(noCert.exit()).as("no client certificate").isNotZero();

        Cli.Result plain = Cli.run(T, null, "mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(port),
            "-u", "box-1", "-P", "s1", "-i", "box-1", "-q", "1", "-t", "boxes/box-1/events", "-m", msg);
        assertThat(plain.exit()).as("plain TCP on the TLS port").isNotZero();
      } finally {
        gateway.stop();
      }
    }
  }
}
