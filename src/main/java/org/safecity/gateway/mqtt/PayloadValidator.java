package org.safecity.gateway.mqtt;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonFormatValidator;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import org.safecity.gateway.mqtt.Validation.Reason;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Checks MQTT payloads against the street-box contract, {@code api-spec/asyncapi.yaml}, read from the
 * class path so that the contract and the code cannot drift apart.
 *
 * <p>Guards run before any parsing: the byte limit, then strict UTF-8 and JSON (see
 * {@link StrictJsonReader}), then the topic's JSON Schema. Everything is prepared in
 * {@link #fromClasspath()}; {@link #validate} does no I/O and keeps no state, so one instance can
 * serve every event loop at once.
 *
 * <p>Cost: vertx-json-schema interprets the schema on each call, in one method too large for HotSpot to
 * JIT-compile by default (9,290 bytecodes, over the 8,000 of {@code -XX:+DontCompileHugeMethods}).
 * Measured on the 2-core build machine for a full telemetry message: about 40 µs by default, about
 * 14 µs with the JVM option {@code -XX:-DontCompileHugeMethods}, which the gateway's launcher should
 * set. A refusal costs 45 to 65 µs (the schema runs again to explain), so repeat offenders are worth
 * disconnecting.
 */
public final class PayloadValidator {

  /** The payload limit the contract states ({@code info.x-max-payload-bytes}). */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 8192;
  /** Payloads are flat objects; 16 levels is generous and still far from any stack limit. */
  public static final int DEFAULT_MAX_DEPTH = 16;

  /**
   * RFC 3339 section 5.6 {@code date-time}, offset required. vertx-json-schema's own {@code date-time}
   * check also accepts a time without offset ({@code 2025-03-01T10:15:30}), which is ambiguous.
   */
  private static final Pattern RFC3339_DATE_TIME =
    Pattern.compile("\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");
  private static final JsonFormatValidator STRICT_DATE_TIME = (instanceType, format, instance) ->
    "date-time".equals(format) && instance instanceof String text && !RFC3339_DATE_TIME.matcher(text).matches()
      ? "not an RFC 3339 date-time with offset"
      : null;

  private final int maxPayloadBytes;
  private final StrictJsonReader reader;
  private final Map<TopicKind, Compiled> compiled = new EnumMap<>(TopicKind.class);

  /**
   * @param check   Flag output: says only valid or not, a little faster, for the common case
   * @param explain Basic output: every error with its location, run only for a payload that failed
   */
  private record Compiled(Validator check, Validator explain, SchemaErrors errors) {
  }

  PayloadValidator(AsyncApiContract contract, int maxPayloadBytes, int maxDepth) {
    if (maxPayloadBytes < 2) {
      throw new IllegalArgumentException("maxPayloadBytes must allow at least {}");
    }
    this.maxPayloadBytes = maxPayloadBytes;
    this.reader = new StrictJsonReader(maxPayloadBytes, maxDepth);
    for (TopicKind kind : TopicKind.values()) {
      JsonObject schema = contract.schema(kind);
      compiled.put(kind, new Compiled(
        validator(kind, schema, OutputFormat.Flag),
        validator(kind, schema, OutputFormat.Basic),
        new SchemaErrors(schema)));
    }
  }

  private static Validator validator(TopicKind kind, JsonObject schema, OutputFormat format) {
    JsonSchemaOptions options = new JsonSchemaOptions()
      // AsyncAPI 3.0 schemas are a superset of JSON Schema draft 07
      .setDraft(Draft.DRAFT7)
      .setBaseUri("classpath:/" + AsyncApiContract.RESOURCE + "/" + kind.suffix())
      .setOutputFormat(format);
    // the library annotates the schema it is given, so each validator gets its own copy
    return Validator.create(JsonSchema.of(schema.copy()), options, STRICT_DATE_TIME);
  }

  /** Loads {@code api-spec/asyncapi.yaml} from the class path with the default limits. Blocking: call it off the event loop. */
  public static PayloadValidator fromClasspath() {
    return fromClasspath(DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_DEPTH);
  }

  /** As {@link #fromClasspath()}, with the payload limit in bytes and the JSON nesting limit given. */
  public static PayloadValidator fromClasspath(int maxPayloadBytes, int maxDepth) {
    return new PayloadValidator(AsyncApiContract.fromClasspath(), maxPayloadBytes, maxDepth);
  }

  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  public Validation validate(TopicKind kind, Buffer payload) {
    Objects.requireNonNull(payload, "payload");
    if (payload.length() > maxPayloadBytes) {
      return tooLarge(payload.length());
    }
    return validate(kind, payload.getBytes());
  }

  /**
   * Validates one payload published on (or, for {@link TopicKind#CMD}, about to be sent to) a
   * topic of the given kind. Never throws for any content of {@code payload}.
   */
  public Validation validate(TopicKind kind, byte[] payload) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(payload, "payload");
    if (payload.length > maxPayloadBytes) {
      return tooLarge(payload.length);
    }
    StrictJsonReader.Parsed parsed;
    try {
      parsed = reader.read(payload);
    } catch (StrictJsonReader.Refusal refusal) {
      return new Validation.Rejected(refusal.reason(), refusal.getMessage());
    }
    Compiled schema = compiled.get(kind);
    if (!Boolean.TRUE.equals(schema.check().validate(parsed.object()).getValid())) {
      OutputUnit result = schema.explain().validate(parsed.object());
      return new Validation.Rejected(Reason.SCHEMA, schema.errors().describe(result, parsed.object(), parsed.hugeNumbers()));
    }
    if (!parsed.hugeNumbers().isEmpty()) {
      // Only reachable if the contract left a number unbounded; its test says every number is bounded.
      Map.Entry<String, String> first = parsed.hugeNumbers().entrySet().iterator().next();
      return new Validation.Rejected(Reason.SCHEMA, first.getKey() + ": number out of range");
    }
    return new Validation.Ok(parsed.object());
  }

  private Validation tooLarge(int length) {
    return new Validation.Rejected(Reason.TOO_LARGE, "payload is " + length + " bytes, limit " + maxPayloadBytes);
  }
}
