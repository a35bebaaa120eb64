package org.safecity.gateway.mqtt;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.safecity.gateway.mqtt.Validation.Reason;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.safecity.gateway.mqtt.TopicKind.CMD;
import static org.safecity.gateway.mqtt.TopicKind.EVENTS;
import static org.safecity.gateway.mqtt.TopicKind.GPS;
import static org.safecity.gateway.mqtt.TopicKind.STATUS;
import static org.safecity.gateway.mqtt.TopicKind.TELEMETRY;

class PayloadValidatorTest {

  private static final String TELEMETRY_OK = "{\"mainsPower\":true,\"batteryPercent\":50,\"door\":\"closed\",\"tamper\":false";

  private static AsyncApiContract contract;
  private static PayloadValidator validator;
  /** Same contract, limits raised, to reach the guards that the 8 KiB limit would otherwise shadow. */
  private static PayloadValidator roomy;

  @BeforeAll
  static void load() {
    contract = AsyncApiContract.fromClasspath();
    validator = PayloadValidator.fromClasspath();
    roomy = PayloadValidator.fromClasspath(1 << 20, PayloadValidator.DEFAULT_MAX_DEPTH);
  }

  // ---- the contract's own examples ------------------------------------------------------------

  /** Every example in the spec, read from the spec: a new example is tested without touching this file. */
  @TestFactory
  Stream<DynamicTest> everyExampleInTheContractValidates() {
    List<AsyncApiContract.Example> all = new ArrayList<>();
    for (TopicKind kind : TopicKind.values()) {
      assertThat(contract.examples(kind)).as("examples of %s", kind).isNotEmpty();
      all.addAll(contract.examples(kind));
    }
    return all.stream().map(example -> DynamicTest.dynamicTest(example.kind() + " / " + example.name(), () -> {
      Validation result = validator.validate(example.kind(), example.payload().encode().getBytes(StandardCharsets.UTF_8));
      assertThat(result).isInstanceOf(Validation.Ok.class);
      assertThat(((Validation.Ok) result).payload()).isEqualTo(example.payload());
    }));
  }

  @Test
  void theContractStatesTheDefaultPayloadLimit() {
    assertThat(contract.document().getJsonObject("info").getInteger("x-max-payload-bytes"))
      .isEqualTo(PayloadValidator.DEFAULT_MAX_PAYLOAD_BYTES);
  }

  /** What makes "numbers too big to be sane fail schema" and "unknown fields fail" hold for every topic. */
  @Test
  void everyObjectIsClosedAndEveryNumberAndStringIsBounded() {
    for (TopicKind kind : TopicKind.values()) {
      JsonObject schema = contract.schema(kind);
      assertThat(schema.getValue("additionalProperties")).as("%s additionalProperties", kind).isEqualTo(false);
      JsonObject properties = schema.getJsonObject("properties");
      for (String name : properties.fieldNames()) {
        JsonObject property = properties.getJsonObject(name);
        String where = kind + "." + name;
        assertThat(property.getString("description")).as("%s description", where).isNotBlank();
        switch (property.getString("type")) {
          case "number", "integer" -> assertThat(property.fieldNames()).as("%s bounds", where).contains("minimum", "maximum");
          case "string" -> assertThat(property.containsKey("maxLength") || property.containsKey("enum"))
            .as("%s is bounded (maxLength or enum)", where).isTrue();
          case "boolean" -> { }
          default -> throw new AssertionError(where + ": payloads are flat, unexpected type " + property.getString("type"));
        }
      }
    }
  }

  @Test
  void topicKindsMatchTheContractAddresses() {
    for (TopicKind kind : TopicKind.values()) {
      assertThat(TopicKind.fromSuffix(kind.suffix())).contains(kind);
    }
    assertThat(TopicKind.fromSuffix("telemetry/extra")).isEmpty();
  }

  // ---- accepted payloads ----------------------------------------------------------------------

  @Test
  void acceptsAValidPayloadAndHandsBackTheParsedObject() {
    Validation result = validator.validate(TELEMETRY, bytes(TELEMETRY_OK + ",\"batteryVolts\":12.75,\"seq\":4294967295}"));
    JsonObject payload = ((Validation.Ok) result).payload();
    assertThat(payload.getBoolean("mainsPower")).isTrue();
    assertThat(payload.getValue("batteryPercent")).isEqualTo(50);
    assertThat(payload.getValue("batteryVolts")).isEqualTo(12.75);
    assertThat(payload.getValue("seq")).isEqualTo(4294967295L);
  }

  @Test
  void payloadLimitIsInclusive() {
    byte[] body = bytes("{\"type\":\"reboot\"}");
    byte[] exact = bytes("{\"type\":\"reboot\"}" + " ".repeat(PayloadValidator.DEFAULT_MAX_PAYLOAD_BYTES - body.length));
    assertThat(exact).hasSize(PayloadValidator.DEFAULT_MAX_PAYLOAD_BYTES);
    assertThat(validator.validate(EVENTS, exact).isOk()).isTrue();

    byte[] over = bytes("{\"type\":\"reboot\"}" + " ".repeat(PayloadValidator.DEFAULT_MAX_PAYLOAD_BYTES + 1 - body.length));
    assertThat(validator.validate(EVENTS, over))
      .isEqualTo(new Validation.Rejected(Reason.TOO_LARGE, "payload is 8193 bytes, limit 8192"));
    assertThat(validator.validate(EVENTS, Buffer.buffer(over)))
      .isEqualTo(new Validation.Rejected(Reason.TOO_LARGE, "payload is 8193 bytes, limit 8192"));
  }

  @Test
  void acceptsNonAsciiTextAndRfc3339Offsets() {
    String event = "{\"type\":\"camera-port-fault\",\"cameraId\":\"cam-1\",\"detail\":\"Kamera ausgefallen – 摄像头 🚨\","
      + "\"ts\":\"2025-03-01T15:45:30.123456+05:30\"}";
    assertThat(validator.validate(EVENTS, bytes(event)).isOk()).isTrue();
  }

  // ---- refused payloads -----------------------------------------------------------------------

  static Stream<Arguments> badPayloads() {
    String deep10k = "{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
    String deepWithin8k = "{\"a\":" + "[".repeat(4_000) + "]".repeat(4_000) + "}";
    String string64k = "{\"type\":\"reboot\",\"detail\":\"" + "x".repeat(64 * 1024) + "\"}";
    String manyUnknown = TELEMETRY_OK + ",\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7}";
    return Stream.of(
      // size, before anything else
      bad("64 KiB string", validator, EVENTS, string64k, Reason.TOO_LARGE, "payload is 65565 bytes, limit 8192"),
      bad("64 KiB string, limit raised: maxLength", roomy, EVENTS, string64k, Reason.SCHEMA,
        "$.detail: must be at most 1024 characters, got 65536"),
      bad("deep nesting 10,000 levels", validator, TELEMETRY, deep10k, Reason.TOO_LARGE, "payload is 20006 bytes, limit 8192"),
      bad("deep nesting 10,000 levels, limit raised", roomy, TELEMETRY, deep10k, Reason.TOO_LARGE,
        "nesting deeper than 16 levels at $.a[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"),
      bad("deep nesting within 8 KiB", validator, TELEMETRY, deepWithin8k, Reason.TOO_LARGE,
        "nesting deeper than 16 levels at $.a[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"),

      // not (strict) JSON
      bad("empty payload", validator, TELEMETRY, "", Reason.NOT_JSON, "payload is empty"),
      bad("only whitespace", validator, TELEMETRY, " \n", Reason.NOT_JSON, "payload has no JSON value"),
      badLike("truncated JSON", validator, TELEMETRY, "{\"mainsPower\": true,", Reason.NOT_JSON, "invalid JSON"),
      badLike("not JSON at all", validator, TELEMETRY, "mains=1;battery=50", Reason.NOT_JSON, "invalid JSON at line 1, column 6: Unrecognized token 'mains'"),
      badLike("single quotes", validator, TELEMETRY, "{'door':'open'}", Reason.NOT_JSON, "invalid JSON"),
      badLike("comment", validator, TELEMETRY, "{/* hi */" + TELEMETRY_OK.substring(1) + "}", Reason.NOT_JSON, "invalid JSON"),
      badLike("trailing comma", validator, TELEMETRY, TELEMETRY_OK + ",}", Reason.NOT_JSON, "invalid JSON"),
      badLike("leading zero", validator, TELEMETRY, TELEMETRY_OK + ",\"seq\":007}", Reason.NOT_JSON, "Leading zeroes not allowed"),
      bad("second JSON value", validator, TELEMETRY, TELEMETRY_OK + "} {}", Reason.NOT_JSON, "invalid JSON: content after the top-level object"),
      bad("duplicate key", validator, TELEMETRY, TELEMETRY_OK + ",\"door\":\"open\"}", Reason.NOT_JSON, "duplicate key at $.door"),
      bad("duplicate key, nested", roomy, TELEMETRY, TELEMETRY_OK + ",\"x\":{\"k\":1,\"k\":2}}", Reason.NOT_JSON, "duplicate key at $.x.k"),
      badLike("NaN", validator, TELEMETRY, "{\"batteryPercent\":NaN}", Reason.NOT_JSON, "Non-standard token 'NaN'"),
      badLike("Infinity", validator, TELEMETRY, "{\"batteryPercent\":Infinity}", Reason.NOT_JSON, "invalid JSON"),
      badLike("-Infinity", validator, TELEMETRY, "{\"batteryPercent\":-Infinity}", Reason.NOT_JSON, "invalid JSON"),
      badLike("raw NUL byte in a string", validator, EVENTS, "{\"type\":\"reboot\",\"detail\":\"a\u0000b\"}", Reason.NOT_JSON,
        "invalid JSON at line 1, column 29: Illegal unquoted character ((CTRL-CHAR, code 0))"),
      bad("unpaired surrogate escape", validator, EVENTS, "{\"type\":\"reboot\",\"detail\":\"\\ud800\"}", Reason.NOT_JSON,
        "$.detail: unpaired UTF-16 surrogate \\ud800"),

      // valid JSON, wrong for the contract
      bad("top-level array", validator, TELEMETRY, "[" + TELEMETRY_OK + "}]", Reason.SCHEMA, "$: must be a JSON object, got array"),
      bad("top-level string", validator, TELEMETRY, "\"door open\"", Reason.SCHEMA, "$: must be a JSON object, got string"),
      bad("top-level null", validator, STATUS, "null", Reason.SCHEMA, "$: must be a JSON object, got null"),
      bad("U+0000 escaped in a string", validator, EVENTS, "{\"type\":\"reboot\",\"detail\":\"a\\u0000b\"}", Reason.SCHEMA,
        "$.detail: U+0000 is not allowed in strings"),
      bad("U+0000 escaped in a key", validator, TELEMETRY, TELEMETRY_OK + ",\"x\\u0000\":1}", Reason.SCHEMA,
        "$[\"x\\u0000\"]: U+0000 is not allowed in keys"),
      bad("above maximum", validator, TELEMETRY, "{\"mainsPower\":true,\"batteryPercent\":140,\"door\":\"closed\",\"tamper\":false}",
        Reason.SCHEMA, "$.batteryPercent: must be ≤ 100, got 140"),
      bad("below minimum", validator, TELEMETRY, TELEMETRY_OK + ",\"temperatureC\":-61.5}", Reason.SCHEMA,
        "$.temperatureC: must be ≥ -60, got -61.5"),
      bad("1e400", validator, TELEMETRY, "{\"mainsPower\":true,\"batteryPercent\":1e400,\"door\":\"closed\",\"tamper\":false}",
        Reason.SCHEMA, "$.batteryPercent: must be ≤ 100, got 1e400"),
      bad("-1e400", validator, TELEMETRY, "{\"mainsPower\":true,\"batteryPercent\":-1e400,\"door\":\"closed\",\"tamper\":false}",
        Reason.SCHEMA, "$.batteryPercent: must be ≥ 0, got -1e400"),
      bad("huge integer", validator, TELEMETRY, TELEMETRY_OK + ",\"seq\":123456789012345678901234567890}", Reason.SCHEMA,
        "$.seq: must be ≤ 4294967295, got 123456789012345678901234567890"),
      badLike("2,000-digit number", validator, GPS, "{\"lat\":1" + "0".repeat(2_000) + ",\"lon\":0}", Reason.SCHEMA,
        "$.lat: must be ≤ 90, got 1000000000"),
      bad("just above the 32-bit seq", validator, TELEMETRY, TELEMETRY_OK + ",\"seq\":4294967296}", Reason.SCHEMA,
        "$.seq: must be ≤ 4294967295, got 4294967296"),
      bad("wrong type: string for number", validator, TELEMETRY,
        "{\"mainsPower\":true,\"batteryPercent\":\"full\",\"door\":\"closed\",\"tamper\":false}",
        Reason.SCHEMA, "$.batteryPercent: must be a number, got string \"full\""),
      bad("wrong type: string for boolean", validator, TELEMETRY,
        "{\"mainsPower\":\"true\",\"batteryPercent\":50,\"door\":\"closed\",\"tamper\":false}",
        Reason.SCHEMA, "$.mainsPower: must be a boolean, got string \"true\""),
      bad("wrong type: fraction for integer", validator, TELEMETRY, TELEMETRY_OK + ",\"seq\":1.5}", Reason.SCHEMA,
        "$.seq: must be an integer, got number 1.5"),
      bad("wrong type: null", validator, TELEMETRY, TELEMETRY_OK + ",\"temperatureC\":null}", Reason.SCHEMA,
        "$.temperatureC: must be a number, got null"),
      bad("wrong type: object", validator, TELEMETRY,
        "{\"mainsPower\":true,\"batteryPercent\":{\"v\":50},\"door\":\"closed\",\"tamper\":false}",
        Reason.SCHEMA, "$.batteryPercent: must be a number, got object"),
      bad("wrong type: status", validator, STATUS, "{\"online\":\"yes\"}", Reason.SCHEMA, "$.online: must be a boolean, got string \"yes\""),
      bad("missing field", validator, TELEMETRY, "{\"mainsPower\":true,\"batteryPercent\":50,\"tamper\":false}", Reason.SCHEMA,
        "$.door: is required"),
      bad("missing fields", validator, GPS, "{}", Reason.SCHEMA, "$.lat: is required; $.lon: is required"),
      bad("not in enum", validator, TELEMETRY, "{\"mainsPower\":true,\"batteryPercent\":50,\"door\":\"ajar\",\"tamper\":false}",
        Reason.SCHEMA, "$.door: must be one of [\"open\", \"closed\"], got \"ajar\""),
      bad("unknown field", validator, TELEMETRY, TELEMETRY_OK + ",\"batteryPercnt\":5}", Reason.SCHEMA, "$.batteryPercnt: unknown field"),
      bad("unknown field with an odd name", validator, TELEMETRY, TELEMETRY_OK + ",\"a b/~\\n\":5}", Reason.SCHEMA,
        "$[\"a b/~\\n\"]: unknown field"),
      bad("many errors are counted, not listed", validator, TELEMETRY, manyUnknown, Reason.SCHEMA,
        "$.a: unknown field; $.b: unknown field; $.c: unknown field; $.d: unknown field; $.e: unknown field; and 2 more"),
      bad("cmd-result without commandId", validator, EVENTS, "{\"type\":\"cmd-result\",\"status\":\"ok\"}", Reason.SCHEMA,
        "$.commandId: is required when $.type is \"cmd-result\""),
      bad("cmd-result without anything", validator, EVENTS, "{\"type\":\"cmd-result\"}", Reason.SCHEMA,
        "$.commandId: is required when $.type is \"cmd-result\"; $.status: is required when $.type is \"cmd-result\""),
      bad("camera command without cameraId", validator, CMD,
        "{\"commandId\":\"c1\",\"action\":\"camera-power-cycle\",\"issuedAt\":\"2025-03-01T10:20:00Z\"}", Reason.SCHEMA,
        "$.cameraId: is required when $.action is \"camera-power-cycle\""),
      bad("duration out of range", validator, CMD,
        "{\"commandId\":\"c1\",\"action\":\"siren-on\",\"durationSeconds\":0,\"issuedAt\":\"2025-03-01T10:20:00Z\"}", Reason.SCHEMA,
        "$.durationSeconds: must be ≥ 1, got 0"),
      bad("id pattern", validator, EVENTS, "{\"type\":\"camera-port-fault\",\"cameraId\":\"cam 1\"}", Reason.SCHEMA,
        "$.cameraId: must match ^[A-Za-z0-9._-]{1,64}$, got \"cam 1\""),
      bad("date-time without offset", validator, GPS, "{\"lat\":0,\"lon\":0,\"ts\":\"2025-03-01T10:15:30\"}", Reason.SCHEMA,
        "$.ts: must be an RFC 3339 date-time with offset (like 2025-03-01T10:15:30Z), got \"2025-03-01T10:15:30\""),
      bad("date-time that is no date", validator, GPS, "{\"lat\":0,\"lon\":0,\"ts\":\"2025-13-01T10:15:30Z\"}", Reason.SCHEMA,
        "$.ts: must be an RFC 3339 date-time with offset (like 2025-03-01T10:15:30Z), got \"2025-13-01T10:15:30Z\""),
      bad("latitude out of range", validator, GPS, "{\"lat\":91,\"lon\":0}", Reason.SCHEMA, "$.lat: must be ≤ 90, got 91")
    );
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badPayloads")
  void refusesBadPayloads(String name, PayloadValidator validator, TopicKind kind, byte[] payload, Reason reason,
                          String message, boolean exact) {
    Validation result = validator.validate(kind, payload);
    assertThat(result).isInstanceOf(Validation.Rejected.class);
    Validation.Rejected rejected = (Validation.Rejected) result;
    assertThat(rejected.reason()).as(rejected.message()).isEqualTo(reason);
    if (exact) {
      assertThat(rejected.message()).isEqualTo(message);
    } else {
      assertThat(rejected.message()).contains(message);
    }
  }

  static Stream<Arguments> badBytes() {
    byte[] prefix = bytes("{\"type\":\"reboot\",\"detail\":\"");
    byte[] suffix = bytes("\"}");
    return Stream.of(
      Arguments.of("lone continuation byte", concat(prefix, new byte[] {(byte) 0x80}, suffix)),
      Arguments.of("truncated 2-byte sequence", concat(prefix, new byte[] {(byte) 0xC3, '('}, suffix)),
      Arguments.of("overlong '/'", concat(prefix, new byte[] {(byte) 0xC0, (byte) 0xAF}, suffix)),
      Arguments.of("encoded surrogate", concat(prefix, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, suffix)),
      Arguments.of("beyond U+10FFFF", concat(prefix, new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, suffix)),
      Arguments.of("0xFF", concat(prefix, new byte[] {(byte) 0xFF}, suffix))
    );
  }

  @ParameterizedTest(name = "invalid UTF-8: {0}")
  @MethodSource("badBytes")
  void refusesInvalidUtf8(String name, byte[] payload) {
    assertThat(validator.validate(EVENTS, payload))
      .isEqualTo(new Validation.Rejected(Reason.NOT_JSON, "invalid UTF-8 at byte 27"));
  }

  @Test
  void refusesUtf16AndAByteOrderMark() {
    byte[] utf16 = "{\"type\":\"reboot\"}".getBytes(StandardCharsets.UTF_16); // with BOM FE FF
    assertThat(validator.validate(EVENTS, utf16)).extracting(v -> ((Validation.Rejected) v).reason()).isEqualTo(Reason.NOT_JSON);
    byte[] utf16le = "{\"type\":\"reboot\"}".getBytes(StandardCharsets.UTF_16LE); // no BOM, zero bytes
    assertThat(validator.validate(EVENTS, utf16le)).extracting(v -> ((Validation.Rejected) v).reason()).isEqualTo(Reason.NOT_JSON);
    byte[] bom = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, bytes("{\"type\":\"reboot\"}"));
    assertThat(validator.validate(EVENTS, bom)).extracting(v -> ((Validation.Rejected) v).reason()).isEqualTo(Reason.NOT_JSON);
  }

  @Test
  void messagesDoNotEchoControlCharactersOrLongValues() {
    String value = "\u001b[31m" + "x".repeat(500);
    Validation result = validator.validate(TELEMETRY, bytes(
      "{\"mainsPower\":true,\"batteryPercent\":50,\"door\":\"" + value.replace("\u001b", "\\u001b") + "\",\"tamper\":false}"));
    String message = ((Validation.Rejected) result).message();
    assertThat(message).doesNotContain("\u001b").contains("\\u001b[31m").contains("(505 chars)").hasSizeLessThan(200);
  }

  /** BAD-INPUTS.md: randomized mutation of valid captures finds the rest. Whatever comes in, validate answers. */
  @Test
  void mutatedExamplesNeverThrow() {
    Random random = new Random(20250301);
    List<AsyncApiContract.Example> examples = new ArrayList<>();
    for (TopicKind kind : TopicKind.values()) {
      examples.addAll(contract.examples(kind));
    }
    byte[] interesting = bytes("{}[]\",:\\0123456789eE.-+ntfu\u0000");
    for (int i = 0; i < 20_000; i++) {
      AsyncApiContract.Example example = examples.get(random.nextInt(examples.size()));
      byte[] payload = bytes(example.payload().encode());
      int mutations = 1 + random.nextInt(4);
      for (int m = 0; m < mutations; m++) {
        int at = random.nextInt(payload.length);
        switch (random.nextInt(4)) {
          case 0 -> payload[at] = (byte) random.nextInt(256);
          case 1 -> payload[at] = interesting[random.nextInt(interesting.length)];
          case 2 -> payload = concat(Arrays.copyOf(payload, at), Arrays.copyOfRange(payload, at + 1, payload.length));
          default -> payload = concat(Arrays.copyOf(payload, at), new byte[] {payload[random.nextInt(payload.length)]},
            Arrays.copyOfRange(payload, at, payload.length));
        }
      }
      byte[] input = payload;
      Validation result = assertDoesNotThrow(() -> validator.validate(example.kind(), input), () -> new String(input, StandardCharsets.UTF_8));
      assertThat(result).isNotNull();
    }
  }

  /** Rough throughput, printed, not asserted: validation runs on the event loop for every message. */
  @Test
  void printsThroughput() {
    byte[] good = bytes("{\"mainsPower\":true,\"batteryPercent\":98.5,\"batteryVolts\":13.4,\"door\":\"closed\",\"tamper\":false,"
      + "\"temperatureC\":31.2,\"ts\":\"2025-03-01T10:15:30Z\",\"seq\":1042}");
    byte[] event = bytes("{\"type\":\"cmd-result\",\"commandId\":\"01JN6Q8W3Z5V2R4T7Y9X1C3B5M\",\"status\":\"ok\",\"ts\":\"2025-03-01T10:18:01Z\"}");
    byte[] bad = bytes("{\"mainsPower\":true,\"batteryPercent\":140,\"door\":\"ajar\",\"tamper\":false,\"x\":1}");
    for (Object[] run : new Object[][] {{"telemetry ok", TELEMETRY, good}, {"event ok", EVENTS, event}, {"telemetry refused", TELEMETRY, bad}}) {
      TopicKind kind = (TopicKind) run[1];
      byte[] payload = (byte[]) run[2];
      for (int i = 0; i < 10_000; i++) {
        validator.validate(kind, payload);
      }
      int n = 20_000;
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        validator.validate(kind, payload);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("PayloadValidator %-18s %,10.0f msgs/s (%.1f µs each)%n", run[0], n / seconds, seconds * 1e6 / n);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** A refusal with exactly this message. */
  private static Arguments bad(String name, PayloadValidator validator, TopicKind kind, String json, Reason reason, String message) {
    return Arguments.of(name, validator, kind, bytes(json), reason, message, true);
  }

  /** A refusal whose message contains this (the rest is the JSON parser's wording). */
  private static Arguments badLike(String name, PayloadValidator validator, TopicKind kind, String json, Reason reason, String message) {
    return Arguments.of(name, validator, kind, bytes(json), reason, message, false);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    Buffer buffer = Buffer.buffer();
    for (byte[] part : parts) {
      buffer.appendBytes(part);
    }
    return buffer.getBytes();
  }
}
