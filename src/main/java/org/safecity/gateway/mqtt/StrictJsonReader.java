package org.safecity.gateway.mqtt;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.vertx.core.json.JsonObject;
import org.safecity.gateway.mqtt.Validation.Reason;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an untrusted payload into a {@link JsonObject}, refusing what JSON parsers usually let
 * through: invalid UTF-8 (and UTF-16/32, which Jackson would auto-detect), duplicate keys, deep
 * nesting, a top level that is not an object, unpaired surrogates and U+0000 in strings.
 *
 * <p>The tree is built iteratively, so no input can exhaust the stack. Numbers become
 * {@code Integer}, {@code Long} or {@code Double}; one beyond what those hold is kept as an
 * (infinite or rounded) {@code Double} for the schema to refuse, its text remembered for the message.
 * No {@code BigInteger}/{@code BigDecimal} is ever built from input, so a long number costs linear time.
 */
final class StrictJsonReader {

  /** A payload refused before schema validation. No stack trace: refusals are routine and must be cheap. */
  static final class Refusal extends Exception {
    private final Reason reason;

    Refusal(Reason reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }

    Reason reason() {
      return reason;
    }
  }

  /**
   * @param object      the payload
   * @param hugeNumbers for each number too large for a {@code long}/{@code double}, its path and text as sent
   */
  record Parsed(JsonObject object, Map<String, String> hugeNumbers) {
  }

  private static final int MAX_LONG_DIGITS = 18;

  private final JsonFactory factory;
  private final int maxDepth;

  StrictJsonReader(int maxPayloadBytes, int maxDepth) {
    if (maxDepth < 1) {
      throw new IllegalArgumentException("maxDepth must be at least 1");
    }
    this.maxDepth = maxDepth;
    this.factory = JsonFactory.builder()
      // Keys are attacker-chosen: keep them out of the JVM-wide intern table and Jackson's symbol cache.
      .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
      .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
      .streamReadConstraints(StreamReadConstraints.builder()
        // our own depth check comes first and names the place; this is a backstop
        .maxNestingDepth(maxDepth + 1)
        // the payload limit bounds numbers; Jackson's default (1000 digits) would make a long number NOT_JSON
        .maxNumberLength(Math.max(maxPayloadBytes, StreamReadConstraints.DEFAULT_MAX_NUM_LEN))
        .build())
      .build();
  }

  Parsed read(byte[] payload) throws Refusal {
    if (payload.length == 0) {
      throw new Refusal(Reason.NOT_JSON, "payload is empty");
    }
    String text = decodeUtf8(payload);
    try (JsonParser parser = factory.createParser(text)) {
      return parse(parser);
    } catch (StreamConstraintsException e) {
      throw new Refusal(Reason.TOO_LARGE, Texts.sanitize(e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      throw new Refusal(Reason.NOT_JSON, "invalid JSON" + at(e.getLocation()) + ": " + Texts.sanitize(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new Refusal(Reason.NOT_JSON, "invalid JSON: " + Texts.sanitize(e.getMessage()));
    }
  }

  private Parsed parse(JsonParser parser) throws IOException, Refusal {
    JsonToken first = parser.nextToken();
    if (first == null) {
      throw new Refusal(Reason.NOT_JSON, "payload has no JSON value");
    }
    if (first != JsonToken.START_OBJECT) {
      throw new Refusal(Reason.SCHEMA, "$: must be a JSON object, got " + describe(first));
    }
    Map<String, String> hugeNumbers = Map.of();
    Frame root = new Frame(new LinkedHashMap<>(), null);
    Deque<Frame> stack = new ArrayDeque<>();
    stack.push(root);
    while (!stack.isEmpty()) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        throw new Refusal(Reason.NOT_JSON, "invalid JSON: unexpected end of input at " + path(stack));
      }
      Frame top = stack.peek();
      switch (token) {
        case FIELD_NAME -> {
          String name = parser.currentName();
          top.key = name; // before the checks, so that their messages name it
          checkText(name, stack, true);
          if (top.map.containsKey(name)) {
            throw new Refusal(Reason.NOT_JSON, "duplicate key at " + path(stack));
          }
        }
        case START_OBJECT, START_ARRAY -> {
          if (stack.size() >= maxDepth) {
            throw new Refusal(Reason.TOO_LARGE, "nesting deeper than " + maxDepth + " levels at " + path(stack));
          }
          Frame child = token == JsonToken.START_OBJECT
            ? new Frame(new LinkedHashMap<>(), null)
            : new Frame(null, new ArrayList<>());
          top.add(child.map != null ? child.map : child.list);
          stack.push(child);
        }
        case END_OBJECT, END_ARRAY -> stack.pop();
        case VALUE_STRING -> {
          String value = parser.getText();
          checkText(value, stack, false);
          top.add(value);
        }
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
          String digits = parser.getText();
          Number value = number(token, digits);
          if (value instanceof Double d && (d.isInfinite() || token == JsonToken.VALUE_NUMBER_INT)) {
            if (hugeNumbers.isEmpty()) {
              hugeNumbers = new LinkedHashMap<>();
            }
            hugeNumbers.put(path(stack), digits);
          }
          top.add(value);
        }
        case VALUE_TRUE -> top.add(Boolean.TRUE);
        case VALUE_FALSE -> top.add(Boolean.FALSE);
        case VALUE_NULL -> top.add(null);
        default -> throw new Refusal(Reason.NOT_JSON, "invalid JSON: unexpected " + token + " at " + path(stack));
      }
    }
    if (parser.nextToken() != null) {
      throw new Refusal(Reason.NOT_JSON, "invalid JSON: content after the top-level object");
    }
    return new Parsed(new JsonObject(root.map), hugeNumbers);
  }

  /** Integers up to 18 digits exactly; anything larger (or any float) as a double, possibly infinite. */
  private static Number number(JsonToken token, String digits) {
    if (token == JsonToken.VALUE_NUMBER_INT) {
      int length = digits.length() - (digits.charAt(0) == '-' ? 1 : 0);
      if (length <= MAX_LONG_DIGITS) {
        long value = Long.parseLong(digits);
        return value == (int) value ? (Number) (int) value : (Number) value;
      }
    }
    return Double.parseDouble(digits);
  }

  /** U+0000 is refused (PostgreSQL text cannot hold it); so is an unpaired surrogate (not Unicode text). */
  private static void checkText(String text, Deque<Frame> stack, boolean isKey) throws Refusal {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        throw new Refusal(Reason.SCHEMA, path(stack) + ": U+0000 is not allowed in " + (isKey ? "keys" : "strings"));
      }
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          throw new Refusal(Reason.NOT_JSON, path(stack) + ": unpaired UTF-16 surrogate \\u" + Integer.toHexString(c));
        }
      }
    }
  }

  /**
   * Strict UTF-8: overlong forms, encoded surrogates and bytes that are not UTF-8 are refused, and
   * so is a payload in UTF-16/32 (its zero bytes decode to U+0000, which JSON does not allow there).
   */
  static String decodeUtf8(byte[] bytes) throws Refusal {
    boolean ascii = true;
    for (byte b : bytes) {
      if (b < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(bytes, StandardCharsets.ISO_8859_1); // same chars, no decoder needed
    }
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      throw new Refusal(Reason.NOT_JSON, "invalid UTF-8 at byte " + in.position());
    }
    return out.flip().toString();
  }

  private static String describe(JsonToken token) {
    return switch (token) {
      case START_ARRAY -> "array";
      case VALUE_STRING -> "string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      case VALUE_NULL -> "null";
      default -> token.toString();
    };
  }

  private static String at(JsonLocation location) {
    return location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  /** Where the parser is, {@code $.a.b[2]}: built only for messages. */
  private static String path(Deque<Frame> stack) {
    StringBuilder path = new StringBuilder("$");
    Frame top = stack.peek();
    Iterator<Frame> fromRoot = stack.descendingIterator();
    while (fromRoot.hasNext()) {
      Frame frame = fromRoot.next();
      if (frame.map != null) {
        if (frame.key != null) {
          JsonPointers.appendKey(path, frame.key);
        }
      } else {
        // below the top, the array's last element is the open container we are in
        path.append('[').append(frame == top ? frame.list.size() : frame.list.size() - 1).append(']');
      }
    }
    return path.toString();
  }

  /** An open object (with the key whose value comes next) or array. */
  private static final class Frame {
    final Map<String, Object> map;
    final List<Object> list;
    String key;

    Frame(Map<String, Object> map, List<Object> list) {
      this.map = map;
      this.list = list;
    }

    void add(Object value) {
      if (map != null) {
        map.put(key, value);
      } else {
        list.add(value);
      }
    }
  }
}
