package org.safecity.gateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.testing.Cli;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * Hostile MQTT bytes (shared BAD-INPUTS.md): each one costs only its own connection; a real client keeps being
 * served, nothing malformed reaches the log.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MqttBadInputIT {
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres(dir.resolve("pg"));
    Path devices = dir.resolve("devices.yaml");
    // box-2 is the bystander: hostile sessions log in as box-1, and a late one may take box-1's session over.
    Files.writeString(devices, "boxes:\n  - id: box-1\n    secret: \"s1\"\n    region: east\n"
        + "    location: { lat: 24.86, lon: 67.01 }\n    cameras: []\n"
        + "  - id: box-2\n    secret: \"s2\"\n    region: east\n"
        + "    location: { lat: 24.86, lon: 67.01 }\n    cameras: []\ncameras: []\n");
    port = Ports.free();
    gateway = Gateway.start(ConfigLoader.load(Optional.empty(), Map.of(
        "SAFECITY_STORE_URL", postgres.url(), "SAFECITY_DATA_DIR", dir.resolve("data").toString(),
        "SAFECITY_HTTP_PORT", String.valueOf(Ports.free()), "SAFECITY_MQTT_PORT", String.valueOf(port),
        "SAFECITY_DEVICES_FILE", devices.toString(), "SAFECITY_MQTT_CONNECT_TIMEOUT", "2s")));
  }

  @AfterAll
  static void stop() {
    gateway.stop();
    postgres.close();
  }

  static byte[] str(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return cat(new byte[] {(byte) (b.length >> 8), (byte) b.length}, b);
  }

  static byte[] cat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] packet(int header, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(header);
    int len = body.length;
    do {
      int digit = len % 128;
      len /= 128;
      out.write(len > 0 ? digit | 0x80 : digit);
    } while (len > 0);
    out.writeBytes(body);
    return out.toByteArray();
  }

  static byte[] connect(String clientId, String user, String pass) {
    return packet(0x10, cat(str("MQTT"), new byte[] {4, (byte) 0xC2, 0, 30}, str(clientId), str(user), str(pass)));
  }

  static byte[] publishQos1(String topic, String payload, int id) {
    return packet(0x32, cat(str(topic), new byte[] {(byte) (id >> 8), (byte) id}, payload.getBytes(StandardCharsets.UTF_8)));
  }

  /** Sends bytes on a fresh socket; returns what came back before the server closed it (or 3 s passed). */
  static byte[] exchange(byte[] bytes) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(3000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(bytes);
        out.flush();
      } catch (java.io.IOException closedEarly) {
        return new byte[0];
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          got.write(buf, 0, n);
        }
      } catch (SocketTimeoutException | java.net.SocketException stillOpenOrReset) {
        // fine: either the server keeps waiting (bounded by its timeouts) or reset the connection
      }
      return got.toByteArray();
    }
  }

  static void goodClientStillServed() throws Exception {
    Cli.Result r = Cli.run(Duration.ofSeconds(20), null, "mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(port),
        "-u", "box-2", "-P", "s2", "-i", "box-2", "-q", "1", "-t", "boxes/box-2/events", "-m", "{\"type\":\"reboot\"}");
    assertThat(r.exit()).as(r.output()).isZero();
  }

  @Test
  void protocolViolationsCloseOnlyTheirOwnConnection() throws Exception {
    String telemetry = "{\"mainsPower\":true,\"batteryPercent\":5,\"door\":\"open\",\"tamper\":false}";
    byte[] good = connect("box-1", "box-1", "s1");
    byte[][] hostile = {
        publishQos1("boxes/box-1/telemetry", telemetry, 1),                      // PUBLISH before CONNECT
        cat(good, good),                                                          // a second CONNECT
        cat(good, packet(0x36, cat(str("boxes/box-1/telemetry"), new byte[] {0, 1}))), // QoS 3
        cat(good, new byte[] {0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F}), // 5-byte length
        cat(good, new byte[] {0x30, (byte) 0xFF, (byte) 0xFF, 0x03, 1, 2, 3}),   // promises 64 KiB, sends 3 bytes
        cat(good, publishQos1("boxes/box-1/+", telemetry, 2)),                    // wildcard in a PUBLISH topic
        cat(good, publishQos1("", telemetry, 3)),                                 // empty topic
        cat(good, packet(0x32, cat(new byte[] {0, 3, 'a', (byte) 0xC3, 0x28}, new byte[] {0, 4}))), // invalid UTF-8 topic
        connect("x".repeat(65_000), "box-1", "s1"),                               // 64 KB client id
        packet(0x10, cat(str("MQTT"), new byte[] {9, 2, 0, 30}, str("box-1"))),   // unknown protocol level
        packet(0x10, cat(str("MQXX"), new byte[] {4, 2, 0, 30}, str("box-1"))),   // wrong protocol name
        packet(0x10, cat(str("MQTT"), new byte[] {4, (byte) 0x42, 0, 30}, str("box-1"), str("pw"))), // password, no username
        packet(0x10, cat(str("MQTT"), new byte[] {4, 0x12, 0, 30}, str("box-1"))), // will QoS without will flag
        cat(good, packet(0x62, new byte[] {0, 9})),                               // PUBREL for an unknown id
        cat(good, packet(0x82, cat(new byte[] {0, 5}, str("#/a"), new byte[] {1}))), // malformed filter
        new byte[] {0, 0, 0, 0},                                                  // NUL bytes
    };
    for (byte[] h : hostile) {
      exchange(h);
    }
    goodClientStillServed();
  }

  @Test
  void randomMutationsOfAValidSessionNeverStopTheServer() throws Exception {
    byte[] valid = cat(connect("box-1", "box-1", "s1"),
        publishQos1("boxes/box-1/telemetry", "{\"mainsPower\":true,\"batteryPercent\":50,\"door\":\"closed\",\"tamper\":false}", 7),
        packet(0xE0, new byte[0]));
    Random random = new Random(20261124);
    for (int i = 0; i < 150; i++) {
      byte[] m = valid.clone();
      int flips = 1 + random.nextInt(4);
      for (int f = 0; f < flips; f++) {
        m[random.nextInt(m.length)] = (byte) random.nextInt(256);
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoLinger(true, 0);
        s.getOutputStream().write(m);
      } catch (java.io.IOException ignored) {
        // the server may already have closed it
      }
    }
    goodClientStillServed();
    // Whatever got through was valid: every stored telemetry body passed the schema.
    var rows = org.safecity.gateway.ops.Blocking.await(gateway.database().pool()
        .query("SELECT body FROM event_log WHERE type = 'box.telemetry'").execute(), Duration.ofSeconds(10), "rows");
    PayloadValidator validator = PayloadValidator.fromClasspath();
    rows.forEach(r -> assertThat(validator.validate(TopicKind.TELEMETRY, r.getValue(0).toString().getBytes(StandardCharsets.UTF_8)).isOk()).isTrue());
  }
}
