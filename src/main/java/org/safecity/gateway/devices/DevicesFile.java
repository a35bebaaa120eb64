package org.safecity.gateway.devices;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.safecity.gateway.config.ConfigException;
import org.safecity.gateway.core.Box;
import org.safecity.gateway.core.Enforcement;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.Sampling;

/**
 * Reads the devices file (see {@code gateway-config/devices.example.yaml}) into typed entries. Every problem is
 * reported, all at once, naming the file, the entry, the key and what is expected, because the person editing
 * the file cannot read a stack trace. Secrets are never repeated in a message.
 */
public final class DevicesFile {
  /** Ids end up in MQTT topics, RTSP paths and URLs, so they keep to characters that need no escaping. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  /** Used when a box has no {@code geofenceMeters}: wider than GPS error, narrower than a stolen box's trip. */
  public static final double DEFAULT_GEOFENCE_METERS = 50;
  /** A devices file for a whole city is well under this; a larger one is the wrong file. */
  static final long MAX_BYTES = 16L << 20;
  static final int MAX_PROBLEMS_SHOWN = 25;

  static final List<String> TOP_KEYS = List.of("boxes", "cameras");
  static final List<String> BOX_KEYS = List.of("id", "secret", "region", "location", "geofenceMeters", "cameras");
  static final List<String> CAMERA_KEYS = List.of("id", "region", "box", "location", "publishUser", "publishSecret",
      "readUser", "readSecret", "source", "enforcement", "sample");
  static final List<String> ENFORCEMENT_KEYS = List.of("rule", "window");
  static final List<String> SAMPLE_KEYS = List.of("fps");
  static final List<String> LOCATION_KEYS = List.of("lat", "lon");

  private static final String ID_EXPECTED = "1..64 characters of A-Z a-z 0-9 . _ -";
  private static final Pattern USER = Pattern.compile("[^:\\s\\p{Cntrl}]{1,64}");
  private static final YAMLMapper MAPPER = YAMLMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // a repeated key would otherwise silently win
      .build();

  /** A box and its secret as written (plain or hash). */
  public record BoxSpec(Box box, Secret secret) {
  }

  /** A camera and its optional RTSP secrets as written. */
  public record CameraSpec(CameraEntry camera, Optional<Secret> publishSecret, Optional<Secret> readSecret) {
  }

  /** The whole file, in file order. */
  public record Devices(List<BoxSpec> boxes, List<CameraSpec> cameras) {
    public Devices {
      boxes = List.copyOf(boxes);
      cameras = List.copyOf(cameras);
    }
  }

  private DevicesFile() {
  }

  /** Reads and checks the file. Blocking: call from a worker or from {@code main}. */
  public static Devices read(Path path) {
    String text;
    try {
      long size = Files.size(path);
      if (size > MAX_BYTES) {
        throw new ConfigException("devices file " + path + " is " + size + " bytes; expected at most "
            + (MAX_BYTES >> 20) + " MiB (is devices.file the right file?)");
      }
      text = Files.readString(path);
    } catch (NoSuchFileException e) {
      throw new ConfigException("devices file " + path + " does not exist");
    } catch (CharacterCodingException e) {
      throw new ConfigException("devices file " + path + " is not UTF-8 text");
    } catch (IOException e) {
      throw new ConfigException("devices file " + path + " cannot be read: " + e.getMessage());
    }
    return parse(text, path.toString());
  }

  /**
   * @param name the file name used in messages
   * @throws ConfigException listing every problem found
   */
  public static Devices parse(String text, String name) {
    return new Parser(name).parse(text);
  }

  /** What is known about a box entry while checking; null fields failed their own check. */
  private static final class BoxDraft {
    String label;
    String id;
    String region;
    GeoPoint location;
    double geofence = DEFAULT_GEOFENCE_METERS;
    List<String> cameras = List.of();
    Secret secret;
  }

  private static final class CameraDraft {
    String label;
    String id;
    String region;
    String box;
    GeoPoint location;
    Optional<String> publishUser = Optional.empty();
    Optional<Secret> publishSecret = Optional.empty();
    Optional<String> readUser = Optional.empty();
    Optional<Secret> readSecret = Optional.empty();
    Optional<String> source = Optional.empty();
    Optional<Enforcement> enforcement = Optional.empty();
    Optional<Sampling> sampling = Optional.empty();
  }

  private static final class Parser {
    private final String file;
    private final List<String> problems = new ArrayList<>();

    Parser(String file) {
      this.file = file;
    }

    Devices parse(String text) {
      JsonNode root;
      try {
        root = MAPPER.readTree(text);
      } catch (JsonProcessingException e) {
        var loc = e.getLocation();
        throw new ConfigException("devices file " + file + " is not valid YAML"
            + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
            + ": " + e.getOriginalMessage());
      }
      if (root == null || root.isMissingNode() || root.isNull()) {
        // Refused rather than read as "no devices": a half-written file must not unregister the whole city.
        throw new ConfigException("devices file " + file + " is empty; expected the lists boxes: and cameras: "
            + "(write `boxes: []` to remove every device on purpose)");
      }
      if (!root.isObject()) {
        throw new ConfigException("devices file " + file + ": expected a mapping with the keys boxes and cameras "
            + "at the top, got " + describe(root, true));
      }
      unknownKeys(root, TOP_KEYS, "top level");

      List<BoxDraft> boxes = new ArrayList<>();
      JsonNode boxNodes = root.get("boxes");
      if (boxNodes == null || boxNodes.isNull()) {
        problems.add("key boxes: missing; expected a list of boxes (write `boxes: []` for none)");
      } else if (!boxNodes.isArray()) {
        problems.add("key boxes: expected a list of boxes, got " + describe(boxNodes, true));
      } else {
        for (int i = 0; i < boxNodes.size(); i++) {
          BoxDraft b = box(i, boxNodes.get(i));
          if (b != null) {
            boxes.add(b);
          }
        }
      }

      List<CameraDraft> cameras = new ArrayList<>();
      JsonNode cameraNodes = root.get("cameras");
      if (cameraNodes != null && !cameraNodes.isArray()) {
        problems.add("key cameras: expected a list of cameras (write `cameras: []` for none), got "
            + describe(cameraNodes, true));
      } else if (cameraNodes != null) {
        for (int i = 0; i < cameraNodes.size(); i++) {
          CameraDraft c = camera(i, cameraNodes.get(i));
          if (c != null) {
            cameras.add(c);
          }
        }
      }

      crossCheck(boxes, cameras);
      if (!problems.isEmpty()) {
        throw new ConfigException(message());
      }
      return build(boxes, cameras);
    }

    private String message() {
      if (problems.size() == 1) {
        return "devices file " + file + ": " + problems.get(0);
      }
      StringBuilder out = new StringBuilder("devices file " + file + " has " + problems.size() + " problems:");
      problems.stream().limit(MAX_PROBLEMS_SHOWN).forEach(p -> out.append("\n  - ").append(p));
      if (problems.size() > MAX_PROBLEMS_SHOWN) {
        out.append("\n  ... and ").append(problems.size() - MAX_PROBLEMS_SHOWN).append(" more");
      }
      return out.toString();
    }

    private BoxDraft box(int index, JsonNode n) {
      String label = label("boxes", index, n);
      if (!n.isObject()) {
        problems.add(label + ": expected a mapping (id:, secret:, region:, location:, ...), got " + describe(n, true));
        return null;
      }
      unknownKeys(n, BOX_KEYS, label);
      BoxDraft b = new BoxDraft();
      b.label = label;
      b.id = id(n, "id", label, "the box id");
      b.region = id(n, "region", label, "the region name, e.g. south");
      b.location = location(n, label);
      JsonNode fence = n.get("geofenceMeters");
      if (fence != null) {
        if (!fence.isNumber() || !Double.isFinite(fence.doubleValue()) || fence.doubleValue() <= 0) {
          problems.add(at(label, "geofenceMeters") + ": expected a distance in meters > 0, got " + describe(fence, true));
        } else {
          b.geofence = fence.doubleValue();
        }
      }
      b.secret = secret(n, "secret", label, true).orElse(null);
      b.cameras = idList(n, "cameras", label);
      return b;
    }

    private CameraDraft camera(int index, JsonNode n) {
      String label = label("cameras", index, n);
      if (!n.isObject()) {
        problems.add(label + ": expected a mapping (id:, region:, box:, location:, ...), got " + describe(n, true));
        return null;
      }
      unknownKeys(n, CAMERA_KEYS, label);
      CameraDraft c = new CameraDraft();
      c.label = label;
      c.id = id(n, "id", label, "the camera id");
      c.region = id(n, "region", label, "the region name, e.g. south");
      c.box = id(n, "box", label, "the id of the box this camera is connected to");
      c.location = location(n, label);
      c.publishUser = user(n, "publishUser", label);
      c.publishSecret = secret(n, "publishSecret", label, false);
      pair(n, "publishUser", "publishSecret", label);
      c.readUser = user(n, "readUser", label);
      c.readSecret = secret(n, "readSecret", label, false);
      pair(n, "readUser", "readSecret", label);
      c.source = source(n, label);
      c.enforcement = enforcement(n, label);
      c.sampling = sampling(n, label);
      return c;
    }

    private void crossCheck(List<BoxDraft> boxes, List<CameraDraft> cameras) {
      Map<String, BoxDraft> boxById = new HashMap<>();
      for (BoxDraft b : boxes) {
        if (b.id != null) {
          BoxDraft first = boxById.putIfAbsent(b.id, b);
          if (first != null) {
            problems.add(at(b.label, "id") + ": " + b.id + " is already used by " + first.label);
          }
        }
      }
      Map<String, CameraDraft> cameraById = new HashMap<>();
      for (CameraDraft c : cameras) {
        if (c.id != null) {
          CameraDraft first = cameraById.putIfAbsent(c.id, c);
          if (first != null) {
            problems.add(at(c.label, "id") + ": " + c.id + " is already used by " + first.label);
          }
        }
      }
      for (CameraDraft c : cameras) {
        if (c.id == null || c.box == null || cameraById.get(c.id) != c) {
          continue;
        }
        BoxDraft b = boxById.get(c.box);
        if (b == null) {
          problems.add(at(c.label, "box") + ": no box " + c.box + " is defined under boxes");
        } else if (!b.cameras.contains(c.id)) {
          problems.add(at(c.label, "box") + ": " + b.label + " does not list " + c.id + " in its cameras");
        }
      }
      for (BoxDraft b : boxes) {
        if (b.id == null || boxById.get(b.id) != b) {
          continue;
        }
        for (String cameraId : b.cameras) {
          CameraDraft c = cameraById.get(cameraId);
          if (c == null) {
            problems.add(at(b.label, "cameras") + ": camera " + cameraId + " is not defined under cameras");
          } else if (c.box != null && !c.box.equals(b.id)) {
            problems.add(at(b.label, "cameras") + ": camera " + cameraId + " names box " + c.box + " (" + c.label + ")");
          }
        }
      }
    }

    private static Devices build(List<BoxDraft> boxes, List<CameraDraft> cameras) {
      List<BoxSpec> outBoxes = new ArrayList<>(boxes.size());
      for (BoxDraft b : boxes) {
        outBoxes.add(new BoxSpec(new Box(b.id, b.region, b.location, b.geofence, b.cameras), b.secret));
      }
      List<CameraSpec> outCameras = new ArrayList<>(cameras.size());
      for (CameraDraft c : cameras) {
        outCameras.add(new CameraSpec(new CameraEntry(c.id, c.region, c.box, c.location, c.publishUser, c.readUser,
            c.source, c.enforcement, c.sampling), c.publishSecret, c.readSecret));
      }
      return new Devices(outBoxes, outCameras);
    }

    private String id(JsonNode n, String key, String label, String what) {
      JsonNode v = n.get(key);
      if (v == null || v.isNull()) {
        problems.add(at(label, key) + ": missing; expected " + what + " (" + ID_EXPECTED + ")");
        return null;
      }
      if (!v.isTextual() || !ID.matcher(v.textValue()).matches()) {
        problems.add(at(label, key) + ": expected " + what + " (" + ID_EXPECTED + "), got " + describe(v, true)
            + quoteHint(v));
        return null;
      }
      return v.textValue();
    }

    private GeoPoint location(JsonNode n, String label) {
      JsonNode v = n.get("location");
      if (v == null || v.isNull()) {
        problems.add(at(label, "location") + ": missing; expected { lat: <-90..90>, lon: <-180..180> }");
        return null;
      }
      if (!v.isObject()) {
        problems.add(at(label, "location") + ": expected { lat: <-90..90>, lon: <-180..180> }, got " + describe(v, true));
        return null;
      }
      unknownKeys(v, LOCATION_KEYS, at(label, "location"));
      Double lat = coordinate(v, "lat", 90, "a latitude in -90..90", label);
      Double lon = coordinate(v, "lon", 180, "a longitude in -180..180", label);
      return lat == null || lon == null ? null : new GeoPoint(lat, lon);
    }

    private Double coordinate(JsonNode location, String key, double limit, String expected, String label) {
      JsonNode v = location.get(key);
      String where = at(label, "location." + key);
      if (v == null || v.isNull()) {
        problems.add(where + ": missing; expected " + expected);
        return null;
      }
      double d = v.doubleValue();
      if (!v.isNumber() || !Double.isFinite(d) || d < -limit || d > limit) {
        problems.add(where + ": expected " + expected + ", got " + describe(v, true));
        return null;
      }
      return d;
    }

    private Optional<Secret> secret(JsonNode n, String key, String label, boolean required) {
      JsonNode v = n.get(key);
      if (v == null || v.isNull()) {
        if (required) {
          problems.add(at(label, key) + ": missing; expected the box's MQTT password in quotes "
              + "(plain text is hashed on load) or a bcrypt hash of it");
        }
        return Optional.empty();
      }
      if (!v.isTextual()) {
        // An unquoted 0123 is an octal number to YAML; insisting on quotes avoids a secret that is not what was typed.
        problems.add(at(label, key) + ": expected the secret as a quoted string, got " + describe(v, false));
        return Optional.empty();
      }
      try {
        return Optional.of(Secret.of(v.textValue()));
      } catch (IllegalArgumentException e) {
        problems.add(at(label, key) + ": " + e.getMessage());
        return Optional.empty();
      }
    }

    private Optional<String> user(JsonNode n, String key, String label) {
      JsonNode v = n.get(key);
      if (v == null || v.isNull()) {
        return Optional.empty();
      }
      if (!v.isTextual() || !USER.matcher(v.textValue()).matches()) {
        // Basic auth splits user:password at the first colon, so a user name cannot hold one.
        problems.add(at(label, key) + ": expected a user name of 1..64 characters without ':', spaces or control "
            + "characters, got " + describe(v, true) + quoteHint(v));
        return Optional.empty();
      }
      return Optional.of(v.textValue());
    }

    private void pair(JsonNode n, String userKey, String secretKey, String label) {
      boolean user = n.hasNonNull(userKey);
      boolean secret = n.hasNonNull(secretKey);
      if (user != secret) {
        String missing = user ? secretKey : userKey;
        problems.add(at(label, missing) + ": missing; " + userKey + " and " + secretKey + " go together");
      }
    }

    private Optional<String> source(JsonNode n, String label) {
      JsonNode v = n.get("source");
      if (v == null || v.isNull()) {
        return Optional.empty();
      }
      String expected = "an rtsp:// or rtsps:// URL with a host, the stream to pull";
      if (!v.isTextual()) {
        problems.add(at(label, "source") + ": expected " + expected + ", got " + describe(v, true));
        return Optional.empty();
      }
      try {
        URI uri = new URI(v.textValue());
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if ((scheme.equals("rtsp") || scheme.equals("rtsps")) && uri.getHost() != null) {
          return Optional.of(v.textValue());
        }
      } catch (URISyntaxException e) {
        // reported below
      }
      // The value is not repeated: a pull URL may carry a password.
      problems.add(at(label, "source") + ": expected " + expected);
      return Optional.empty();
    }

    /** {@code enforcement: { rule: red-light, window: "07:00-22:00" }}, or just {@code enforcement: no-entry}. */
    private Optional<Enforcement> enforcement(JsonNode n, String label) {
      JsonNode v = n.get("enforcement");
      if (v == null || v.isNull()) {
        return Optional.empty();
      }
      String rules = String.join(", ", Enforcement.RULES);
      String expected = "{ rule: <" + String.join("|", Enforcement.RULES) + ">, window: \"HH:MM-HH:MM\" } (window "
          + "left out: always), or just the rule";
      JsonNode rule;
      JsonNode window = null;
      if (v.isTextual()) {
        rule = v;
      } else if (v.isObject()) {
        unknownKeys(v, ENFORCEMENT_KEYS, at(label, "enforcement"));
        rule = v.get("rule");
        window = v.get("window");
      } else {
        problems.add(at(label, "enforcement") + ": expected " + expected + ", got " + describe(v, true));
        return Optional.empty();
      }
      if (rule == null || rule.isNull()) {
        problems.add(at(label, "enforcement.rule") + ": missing; expected one of " + rules);
        return Optional.empty();
      }
      if (!rule.isTextual() || !Enforcement.RULES.contains(rule.textValue())) {
        problems.add(at(label, v.isTextual() ? "enforcement" : "enforcement.rule") + ": expected one of " + rules
            + ", got " + describe(rule, true));
        return Optional.empty();
      }
      Optional<Enforcement.Window> w = Optional.empty();
      if (window != null && !window.isNull()) {
        if (!window.isTextual()) {
          problems.add(at(label, "enforcement.window") + ": expected \"HH:MM-HH:MM\" in quotes (24-hour, e.g. "
              + "\"07:00-22:00\"), got " + describe(window, true));
          return Optional.empty();
        }
        try {
          w = Optional.of(Enforcement.Window.parse(window.textValue()));
        } catch (IllegalArgumentException e) {
          problems.add(at(label, "enforcement.window") + ": " + e.getMessage());
          return Optional.empty();
        }
      }
      return Optional.of(new Enforcement(rule.textValue(), w));
    }

    /** {@code sample: keyframes}, {@code sample: off} or {@code sample: { fps: 2 }}. */
    private Optional<Sampling> sampling(JsonNode n, String label) {
      JsonNode v = n.get("sample");
      if (v == null || v.isNull()) {
        return Optional.empty();
      }
      String expected = "keyframes, off, or { fps: <1..60> }";
      if (v.isTextual() && v.textValue().equals("keyframes")) {
        return Optional.of(Sampling.KEYFRAMES);
      }
      // YAML 1.1 (as Jackson reads it) takes an unquoted off for false: both mean the same here.
      if (v.isTextual() && v.textValue().equals("off") || v.isBoolean() && !v.booleanValue()) {
        return Optional.of(Sampling.OFF);
      }
      if (!v.isObject()) {
        problems.add(at(label, "sample") + ": expected " + expected + ", got " + describe(v, true));
        return Optional.empty();
      }
      unknownKeys(v, SAMPLE_KEYS, at(label, "sample"));
      JsonNode fps = v.get("fps");
      if (fps == null || fps.isNull()) {
        problems.add(at(label, "sample.fps") + ": missing; expected frames a second, 1..60");
        return Optional.empty();
      }
      if (!fps.isInt() || fps.intValue() < 1 || fps.intValue() > 60) {
        problems.add(at(label, "sample.fps") + ": expected frames a second, 1..60, got " + describe(fps, true));
        return Optional.empty();
      }
      return Optional.of(Sampling.fps(fps.intValue()));
    }

    private List<String> idList(JsonNode n, String key, String label) {
      JsonNode v = n.get(key);
      if (v == null || v.isNull()) {
        return List.of();
      }
      if (!v.isArray()) {
        problems.add(at(label, key) + ": expected a list of camera ids, e.g. [cam-001, cam-002], got " + describe(v, true));
        return List.of();
      }
      Map<String, Integer> seen = new LinkedHashMap<>();
      for (int i = 0; i < v.size(); i++) {
        JsonNode item = v.get(i);
        if (!item.isTextual() || !ID.matcher(item.textValue()).matches()) {
          problems.add(at(label, key + "[" + i + "]") + ": expected a camera id (" + ID_EXPECTED + "), got "
              + describe(item, true));
        } else if (seen.putIfAbsent(item.textValue(), i) != null) {
          problems.add(at(label, key) + ": " + item.textValue() + " is listed twice");
        }
      }
      return List.copyOf(seen.keySet());
    }

    private void unknownKeys(JsonNode n, List<String> known, String where) {
      n.fieldNames().forEachRemaining(k -> {
        if (!known.contains(k)) {
          problems.add(where + ": unknown key " + k + "; known keys: " + String.join(", ", known));
        }
      });
    }

    private static String label(String list, int index, JsonNode n) {
      JsonNode id = n.isObject() ? n.get("id") : null;
      String base = list + "[" + index + "]";
      if (id == null || !id.isValueNode() || id.asText().isBlank()) {
        return base;
      }
      String text = id.asText();
      return base + " (" + (text.length() > 64 ? text.substring(0, 64) + "..." : text) + ")";
    }

    /** YAML reads an unquoted 001 as the number 1: say how to keep the text. */
    private static String quoteHint(JsonNode v) {
      return v.isNumber() || v.isBoolean() ? " (put it in quotes to keep it as text)" : "";
    }

    private static String at(String label, String key) {
      return label + ", key " + key;
    }

    /** How a value reads in a message; {@code show=false} for secrets, which are never repeated. */
    private static String describe(JsonNode v, boolean show) {
      if (v.isNull()) {
        return "no value";
      }
      if (v.isObject()) {
        return "a mapping";
      }
      if (v.isArray()) {
        return "a list";
      }
      if (v.isBoolean()) {
        return show ? v.asText() : "true/false";
      }
      if (v.isNumber()) {
        return show ? v.asText() : "a number";
      }
      if (!show) {
        return "a string";
      }
      String text = v.asText();
      return "\"" + (text.length() > 80 ? text.substring(0, 80) + "..." : text) + "\"";
    }
  }
}
