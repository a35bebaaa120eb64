package org.safecity.gateway.mqtt;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * JSON pointers over Vert.x JSON trees: RFC 6901 ones in the contract, the URI-fragment ones that
 * vertx-json-schema reports ({@code #/properties/door/enum}), and their {@code $.a.b[0]} rendering.
 */
final class JsonPointers {

  private static final Pattern SIMPLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final String FRAGMENT_SAFE =
    ":?#@" + "!$&'()*+,;=" + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-._";

  private JsonPointers() {
  }

  /** The value at an RFC 6901 pointer such as {@code /components/schemas/Event}, or {@code null}. */
  static Object resolve(Object root, String pointer) {
    return resolve(root, decode(pointer, false));
  }

  /** The value reached by following {@code keys} (object keys or array indexes), or {@code null}. */
  static Object resolve(Object root, List<String> keys) {
    Object node = root;
    for (String key : keys) {
      node = child(node, key);
      if (node == null) {
        return null;
      }
    }
    return node;
  }

  /** The keys of a {@code #/...} location reported by vertx-json-schema, for a place in a schema. */
  static List<String> schemaKeys(String location) {
    return decode(location.startsWith("#") ? location.substring(1) : location, true);
  }

  /**
   * The keys of a {@code #/...} location reported by vertx-json-schema, for a place in a payload.
   * Each key is matched against the payload's own keys in that library's encoding, which is not
   * quite reversible (it writes a byte below 0x10 as one hex digit).
   */
  static List<String> instanceKeys(Object instance, String location) {
    String pointer = location.startsWith("#") ? location.substring(1) : location;
    List<String> keys = new ArrayList<>();
    if (pointer.isEmpty()) {
      return keys;
    }
    Object node = instance;
    for (String raw : pointer.substring(1).split("/", -1)) {
      String key = null;
      if (node instanceof JsonObject object) {
        for (String candidate : object.fieldNames()) {
          if (vertxEncode(candidate).equals(raw)) {
            key = candidate;
            break;
          }
        }
      }
      if (key == null) {
        key = unescape(percentDecode(raw));
      }
      keys.add(key);
      node = node == null ? null : child(node, key);
    }
    return keys;
  }

  /** {@code $}, {@code $.door}, {@code $["odd key"]}, {@code $.a[3]}: how messages name a place in a payload. */
  static String path(Object root, List<String> keys) {
    StringBuilder path = new StringBuilder("$");
    Object node = root;
    for (String key : keys) {
      if (node instanceof JsonArray || node instanceof List<?>) {
        path.append('[').append(key).append(']');
      } else {
        appendKey(path, key);
      }
      node = node == null ? null : child(node, key);
    }
    return path.toString();
  }

  static void appendKey(StringBuilder path, String key) {
    if (SIMPLE_NAME.matcher(key).matches()) {
      path.append('.').append(key);
    } else {
      path.append('[').append(Texts.quote(key)).append(']');
    }
  }

  private static Object child(Object node, String key) {
    // getValue wraps nested maps and lists as JsonObject / JsonArray
    if (node instanceof JsonObject object) {
      return object.getValue(key);
    }
    if (node instanceof JsonArray array) {
      int index = index(key);
      return index >= 0 && index < array.size() ? array.getValue(index) : null;
    }
    return null;
  }

  private static int index(String key) {
    try {
      return Integer.parseInt(key);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static List<String> decode(String pointer, boolean uriFragment) {
    List<String> keys = new ArrayList<>();
    if (pointer.isEmpty()) {
      return keys;
    }
    if (pointer.charAt(0) != '/') {
      throw new IllegalArgumentException("not a JSON pointer: " + pointer);
    }
    for (String raw : pointer.substring(1).split("/", -1)) {
      keys.add(unescape(uriFragment ? percentDecode(raw) : raw));
    }
    return keys;
  }

  private static String unescape(String token) {
    return token.replace("~1", "/").replace("~0", "~");
  }

  private static String percentDecode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length() && isHex(raw.charAt(i + 1)) && isHex(raw.charAt(i + 2))) {
        bytes.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(encoded, 0, encoded.length);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0;
  }

  /** vertx-json-schema's {@code Utils.Pointers.encode}, quirk included, to find a payload key again. */
  private static String vertxEncode(String key) {
    StringBuilder encoded = new StringBuilder(key.length());
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      if (b >= 0 && FRAGMENT_SAFE.indexOf(b) >= 0) {
        encoded.append((char) b);
      } else if (b == '~') {
        encoded.append("~0");
      } else if (b == '/') {
        encoded.append("~1");
      } else {
        encoded.append('%').append(Integer.toHexString(Byte.toUnsignedInt(b)).toUpperCase(Locale.ROOT));
      }
    }
    return encoded.toString();
  }
}
