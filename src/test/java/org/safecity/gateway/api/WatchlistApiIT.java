package org.safecity.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.recognition.Pictures;
import org.safecity.gateway.testing.Cli;
import org.safecity.gateway.testing.EventWatch;
import org.safecity.gateway.testing.OpenApiResponses;
import org.safecity.gateway.testing.Ports;
import org.safecity.gateway.testing.TestPostgres;

/**
 * The watchlist API with real clients (curl for multipart uploads, the JDK's HTTP client for the rest), the real
 * face models and real photographs: enrolment all-or-nothing with precise refusals, size limits, who may do what,
 * the audit trail of every read and change, GraphQL's view, and a person enrolled over REST recognised in video a
 * real ffmpeg pushes over RTSP. Every response is checked against the OpenAPI contract.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class WatchlistApiIT {
  static final Duration T = Duration.ofSeconds(60);
  static final int MAX_PHOTO = 1_000_000;
  static final int MAX_UPLOAD = 3_000_000;
  static final String PERSONS = "/api/v1/watchlist/persons";
  static final String PERSON = "/api/v1/watchlist/persons/{personId}";
  static final String PHOTOS = "/api/v1/watchlist/persons/{personId}/photos";
  static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir
  static Path dir;
  static TestPostgres postgres;
  static Gateway gateway;
  static EventWatch events;
  static int port;
  static int rtspPort;
  static String admin;
  static String supervisor;
  static String operator;
  static String crew;
  static String agencyFaces;
  static String agencyEastFaces;
  static String agencyAlarms;
  static final List<Process> cameras = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path models = Pictures.models();
    postgres = new TestPostgres(dir.resolve("pg"));
    Path devices = dir.resolve("devices.yaml");
    Files.writeString(devices, """
        boxes:
          - id: box-s
            secret: "box-secret"
            region: south
            location: { lat: 24.86, lon: 67.01 }
            cameras: [cam-s]
        cameras:
          - id: cam-s
            box: box-s
            region: south
            location: { lat: 24.86, lon: 67.01 }
            publishUser: cam-s
            publishSecret: "pub-cam-s"
        """);
    port = Ports.free();
    rtspPort = Ports.free();
    gateway = Gateway.start(ConfigLoader.load(Optional.empty(), Map.ofEntries(
        Map.entry("SAFECITY_STORE_URL", postgres.url()),
        Map.entry("SAFECITY_DATA_DIR", dir.resolve("data").toString()),
        Map.entry("SAFECITY_HTTP_PORT", String.valueOf(port)),
        Map.entry("SAFECITY_MQTT_ENABLED", "false"),
        Map.entry("SAFECITY_RTSP_PORT", String.valueOf(rtspPort)),
        Map.entry("SAFECITY_RTSP_UDP_RTP_PORT", "0"),
        Map.entry("SAFECITY_DEVICES_FILE", devices.toString()),
        Map.entry("SAFECITY_DEVICES_BCRYPT_COST", "4"),
        Map.entry("SAFECITY_AUTH_PASSWORD_BCRYPT_COST", "4"),
        Map.entry("SAFECITY_AUTH_REQUESTS_PER_SECOND", "1000"),
        Map.entry("SAFECITY_AUTH_REQUEST_BURST", "1000"),
        Map.entry("SAFECITY_BOOTSTRAP_ADMIN_SECRET", "admin-secret-1"),
        Map.entry("SAFECITY_RECOGNITION_MODELS_DIR", models.toAbsolutePath().toString()),
        Map.entry("SAFECITY_RECOGNITION_FETCH_MODELS", "false"),
        Map.entry("SAFECITY_RECOGNITION_DEADLINE", "5s"),
        Map.entry("SAFECITY_WATCHLIST_MAX_PHOTO_BYTES", String.valueOf(MAX_PHOTO)),
        Map.entry("SAFECITY_WATCHLIST_MAX_UPLOAD_BYTES", String.valueOf(MAX_UPLOAD)))));
    events = new EventWatch(gateway.eventLog());
    admin = AuthIT.loginAt(port, "admin", "admin-secret-1");
    account("sup-1", "user", "supervisor", List.of(), List.of());
    account("op-1", "user", "operator", List.of(), List.of());
    // A crew's account may even list faces:read: crews never read the watchlist.
    account("crew-1", "user", "erv-crew", List.of("south"), List.of("faces:read"));
    account("agency-faces", "client", "agency", List.of("south"), List.of("faces:read"));
    account("agency-east-faces", "client", "agency", List.of("east"), List.of("faces:read"));
    account("agency-alarms", "client", "agency", List.of("south"), List.of("alarms:read"));
    supervisor = AuthIT.loginAt(port, "sup-1", "sup-1-secret");
    operator = AuthIT.loginAt(port, "op-1", "op-1-secret");
    crew = AuthIT.loginAt(port, "crew-1", "crew-1-secret");
    agencyFaces = clientLogin("agency-faces");
    agencyEastFaces = clientLogin("agency-east-faces");
    agencyAlarms = clientLogin("agency-alarms");
    // The face recognizer comes on once its models are loaded.
    long deadline = System.nanoTime() + T.toNanos();
    while (gateway.recognition().orElseThrow().faceUnavailable().isPresent()) {
      assertThat(System.nanoTime()).as("face recognizer on").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process p : cameras) {
      p.destroy();
      p.waitFor(5, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      gateway.stop();
    }
    postgres.close();
  }

  static void account(String id, String kind, String role, List<String> regions, List<String> scopes) throws Exception {
    JsonObject b = new JsonObject().put("id", id).put("kind", kind).put("role", role).put("secret", id + "-secret")
        .put("regions", new JsonArray(regions)).put("scopes", new JsonArray(scopes));
    if (role.equals("erv-crew")) {
      b.put("unit", "erv-1");
    }
    var r = json("POST", "/api/v1/accounts", "/api/v1/accounts", admin, b);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  static String clientLogin(String id) throws Exception {
    var res = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/auth/token"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
            .put("clientId", id).put("clientSecret", id + "-secret").encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return new JsonObject(res.body()).getString("accessToken");
  }

  // ---- clients -----------------------------------------------------------------------------------------

  static HttpResponse<String> json(String method, String template, String path, String token, JsonObject body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return OpenApiResponses.check(method, template, HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  static HttpResponse<String> get(String template, String path, String token) throws Exception {
    return json("GET", template, path, token, null);
  }

  /** A picture (or the problem instead of it); the contract check sees a problem's text. */
  static HttpResponse<byte[]> getBytes(String template, String path, String token) throws Exception {
    HttpResponse<byte[]> res = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofByteArray());
    boolean image = res.headers().firstValue("Content-Type").orElse("").startsWith("image/");
    OpenApiResponses.check("GET", template, new CurlResponse(res.statusCode(), res.headers(),
        image ? "" : new String(res.body(), java.nio.charset.StandardCharsets.UTF_8), res.uri()));
    return res;
  }

  /** curl's multipart upload: {@code fields} as -F name=value, {@code files} as -F photo=@file. */
  static HttpResponse<String> curl(String template, String path, String token, Map<String, String> fields, List<Path> files)
      throws Exception {
    Path headers = Files.createTempFile(dir, "headers", ".txt");
    Path body = Files.createTempFile(dir, "body", ".txt");
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "-D", headers.toString(), "-o", body.toString(),
        "-w", "%{http_code}", "-H", "Authorization: Bearer " + token));
    fields.forEach((k, v) -> cmd.addAll(List.of("-F", k + "=" + v)));
    files.forEach(f -> cmd.addAll(List.of("-F", "photo=@" + f)));
    cmd.add("http://127.0.0.1:" + port + path);
    Cli.Result r = Cli.run(Duration.ofSeconds(60), null, cmd.toArray(new String[0]));
    assertThat(r.exit()).as("curl: " + r.output()).isZero();
    return OpenApiResponses.check("POST", template, CurlResponse.of(Integer.parseInt(r.output().trim()),
        Files.readString(headers), Files.readString(body), path));
  }

  /** A picture written as a file for curl. */
  static Path file(String name, BufferedImage img, String format) throws Exception {
    Path p = dir.resolve(name);
    assertThat(ImageIO.write(img, format, p.toFile())).isTrue();
    return p;
  }

  static Path image(String name) {
    return Pictures.DIR.resolve(name);
  }

  static long version() throws Exception {
    var r = get(PERSONS, PERSONS + "?limit=1", supervisor);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body()).getLong("listVersion");
  }

  static JsonObject body(HttpResponse<String> r, int status) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return new JsonObject(r.body());
  }

  static Map<String, String> person(String id, String name, String reason) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("personId", id);
    f.put("name", name);
    f.put("reason", reason);
    return f;
  }

  static JsonArray audit(String principal) throws Exception {
    return body(get("/api/v1/audit", "/api/v1/audit?limit=1000&principal=" + principal, admin), 200).getJsonArray("entries");
  }

  static List<String> actions(JsonArray entries) {
    List<String> out = new ArrayList<>();
    entries.forEach(e -> out.add(((JsonObject) e).getString("action") + " " + ((JsonObject) e).getString("target")));
    return out;
  }

  // ---- tests -------------------------------------------------------------------------------------------

  @Test
  void aSupervisorEnrolsWithCurlAndEveryReaderSeesTheSamePerson() throws Exception {
    long before = version();
    var created = curl(PERSONS, PERSONS, supervisor, person("p-collins", "Eileen Collins", "wanted: test warrant 1"),
        List.of(image("astronaut.png")));
    JsonObject c = body(created, 201);
    assertThat(c.getLong("listVersion")).isEqualTo(before + 1);
    assertThat(created.headers().firstValue("Location")).contains("/api/v1/watchlist/persons/p-collins");
    JsonObject p = c.getJsonObject("person");
    assertThat(p.getString("id")).isEqualTo("p-collins");
    assertThat(p.getString("name")).isEqualTo("Eileen Collins");
    assertThat(p.getString("addedBy")).isEqualTo("sup-1");
    JsonObject photo = p.getJsonArray("photos").getJsonObject(0);
    assertThat(p.getJsonArray("photos")).hasSize(1);
    assertThat(photo.getString("label")).isEqualTo("astronaut.png");
    assertThat(photo.getInteger("width")).isEqualTo(512);
    assertThat(photo.getJsonObject("face").getInteger("height")).isGreaterThan(60);
    assertThat(photo.getString("sha256")).hasSize(64);

    // The same person for an agency granted faces:read, in the list and alone.
    JsonObject read = body(get(PERSON, PERSONS + "/p-collins", agencyFaces), 200);
    assertThat(read).isEqualTo(p);
    JsonObject page = body(get(PERSONS, PERSONS + "?limit=500", agencyFaces), 200);
    assertThat(page.getLong("listVersion")).isGreaterThanOrEqualTo(before + 1);
    assertThat(page.getJsonArray("persons").stream().map(o -> ((JsonObject) o).getString("id"))).contains("p-collins");

    // The face picture kept of the photo: a small JPEG of her face.
    var picture = getBytes("/api/v1/watchlist/persons/{personId}/photos/{photoId}", photo.getString("picture"), operator);
    assertThat(picture.statusCode()).isEqualTo(200);
    assertThat(picture.headers().firstValue("Cache-Control")).contains("private, no-store");
    BufferedImage face = ImageIO.read(new ByteArrayInputStream(picture.body()));
    assertThat(face).isNotNull();
    assertThat(Math.max(face.getWidth(), face.getHeight())).isLessThanOrEqualTo(160);

    // This node matches against the new version within the poll interval (a change here triggers a reload at once).
    long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (gateway.recognition().orElseThrow().watchlistIndex().version() < before + 1) {
      assertThat(System.nanoTime()).as("watchlist reloaded").isLessThan(deadline);
      Thread.sleep(20);
    }

    // Audited: the enrolment (with the photo's hash) and each read, with who and from where.
    JsonObject enrol = audit("sup-1").stream().map(o -> (JsonObject) o)
        .filter(e -> e.getString("action").equals("watchlist.person.enrol")
            && e.getString("target").equals("watchlist-person:p-collins")).findFirst().orElseThrow();
    assertThat(enrol.getString("remote")).isEqualTo("127.0.0.1");
    assertThat(enrol.getJsonObject("details").getLong("listVersion")).isEqualTo(before + 1);
    assertThat(enrol.getJsonObject("details").encode()).contains(photo.getString("sha256"));
    assertThat(actions(audit("agency-faces"))).contains("watchlist.person.read watchlist-person:p-collins",
        "watchlist.persons.read watchlist");
    assertThat(actions(audit("op-1"))).contains("watchlist.photo.read watchlist-person:p-collins");
  }

  @Test
  void jsonWithBase64PhotosThenRenameAddPhotosAndRemove() throws Exception {
    long v0 = version();
    byte[] hopper = Files.readAllBytes(image("grace_hopper.jpg"));
    JsonObject enrol = new JsonObject().put("personId", "p-hopper").put("name", "Grace Hopper").put("reason", "test")
        .put("photos", new JsonArray().add(new JsonObject().put("filename", "hopper.jpg")
            .put("content", Base64.getEncoder().encodeToString(hopper))));
    JsonObject c = body(json("POST", PERSONS, PERSONS, admin, enrol), 201);
    assertThat(c.getLong("listVersion")).isEqualTo(v0 + 1);
    assertThat(c.getJsonObject("person").getJsonArray("photos").getJsonObject(0).getString("label")).isEqualTo("hopper.jpg");

    // The same id again: 409, nothing changes.
    var again = json("POST", PERSONS, PERSONS, admin, enrol);
    assertThat(body(again, 409).getString("detail")).contains("p-hopper", "/photos");

    // Another photo of her (a smaller copy, as another file): one more photo, one more version.
    ByteArrayOutputStream smaller = new ByteArrayOutputStream();
    ImageIO.write(Pictures.scaled(Pictures.image("grace_hopper.jpg"), 0.7), "jpg", smaller);
    JsonObject added = body(json("POST", PHOTOS, PERSONS + "/p-hopper/photos", supervisor, new JsonObject().put("photos",
        new JsonArray().add(new JsonObject().put("content", Base64.getEncoder().encodeToString(smaller.toByteArray()))))), 201);
    assertThat(added.getLong("listVersion")).isEqualTo(v0 + 2);
    assertThat(added.getJsonObject("person").getJsonArray("photos")).hasSize(2);
    assertThat(added.getJsonObject("person").getString("updatedBy")).isEqualTo("sup-1");
    // The first file again: refused, naming it.
    var twice = json("POST", PHOTOS, PERSONS + "/p-hopper/photos", supervisor, new JsonObject().put("photos",
        new JsonArray().add(new JsonObject().put("filename", "again.jpg").put("content", Base64.getEncoder().encodeToString(hopper)))));
    assertThat(body(twice, 409).getString("detail")).contains("photo 1 (again.jpg)", "already");

    JsonObject renamed = body(json("PUT", PERSON, PERSONS + "/p-hopper", supervisor,
        new JsonObject().put("name", "Rear Admiral Grace Hopper").put("reason", "test, renamed")), 200);
    assertThat(renamed.getLong("listVersion")).isEqualTo(v0 + 3);
    assertThat(renamed.getJsonObject("person").getString("name")).isEqualTo("Rear Admiral Grace Hopper");
    assertThat(body(json("PUT", PERSON, PERSONS + "/nobody", supervisor,
        new JsonObject().put("name", "x").put("reason", "y")), 404).getString("detail")).contains("nobody");
    assertThat(json("PUT", PERSON, PERSONS + "/p-hopper", supervisor, new JsonObject().put("name", "x")).statusCode())
        .as("reason missing").isEqualTo(400);

    JsonObject removed = body(json("DELETE", PERSON, PERSONS + "/p-hopper", supervisor, null), 200);
    assertThat(removed.getLong("listVersion")).isEqualTo(v0 + 4);
    assertThat(get(PERSON, PERSONS + "/p-hopper", supervisor).statusCode()).isEqualTo(404);
    assertThat(json("DELETE", PERSON, PERSONS + "/p-hopper", supervisor, null).statusCode()).isEqualTo(404);
    assertThat(version()).isEqualTo(v0 + 4);
    assertThat(actions(audit("sup-1"))).contains("watchlist.photos.add watchlist-person:p-hopper",
        "watchlist.person.update watchlist-person:p-hopper", "watchlist.person.remove watchlist-person:p-hopper");
    assertThat(actions(audit("admin"))).contains("watchlist.person.enrol watchlist-person:p-hopper");
  }

  /**
   * A phone stores a portrait sideways and says so in EXIF (orientation 6: turn right to view): the photo is checked
   * upright, so the face is found and the kept size is the upright one.
   */
  @Test
  void aPortraitStoredSidewaysWithExifOrientationIsEnrolledUpright() throws Exception {
    BufferedImage upright = Pictures.image("grace_hopper.jpg");
    BufferedImage sideways = new BufferedImage(upright.getHeight(), upright.getWidth(), BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < upright.getHeight(); y++) {
      for (int x = 0; x < upright.getWidth(); x++) {
        // turned left: the upright picture's top row becomes the stored picture's left column, bottom to top
        sideways.setRGB(y, upright.getWidth() - 1 - x, upright.getRGB(x, y));
      }
    }
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    ImageIO.write(sideways, "jpg", jpeg);
    Path phone = dir.resolve("phone.jpg");
    Files.write(phone, withExifOrientation(jpeg.toByteArray(), 6));
    JsonObject c = body(curl(PERSONS, PERSONS, supervisor, person("p-phone", "Grace Hopper (phone)", "test: exif"),
        List.of(phone)), 201);
    JsonObject photo = c.getJsonObject("person").getJsonArray("photos").getJsonObject(0);
    assertThat(photo.getInteger("width")).isEqualTo(upright.getWidth());
    assertThat(photo.getInteger("height")).isEqualTo(upright.getHeight());
    body(json("DELETE", PERSON, PERSONS + "/p-phone", supervisor, null), 200);
  }

  /** The JPEG with an EXIF APP1 segment (big-endian TIFF, IFD0 with only the orientation) after its SOI. */
  static byte[] withExifOrientation(byte[] jpeg, int orientation) {
    byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, 0, 0, 0, 0};
    int length = 2 + 6 + tiff.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (length >> 8), (byte) length, 'E', 'x', 'i', 'f', 0, 0});
    out.writeBytes(tiff);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  @Test
  void photosThatCannotBeUsedAreRefusedPreciselyAndNothingIsEnrolled() throws Exception {
    long v0 = version();
    // A good photo and a cup of coffee: the coffee is named, and the good one is not enrolled either.
    JsonObject noFace = body(curl(PERSONS, PERSONS, supervisor, person("p-coffee", "Nobody", "test"),
        List.of(image("astronaut.png"), image("coffee.png"))), 422);
    assertThat(noFace.getString("detail")).contains("photo 2 (coffee.png)", "no face found");
    assertThat(noFace.getJsonArray("photos")).hasSize(1);
    assertThat(noFace.getJsonArray("photos").getJsonObject(0).getInteger("photo")).isEqualTo(2);
    assertThat(noFace.getJsonArray("photos").getJsonObject(0).getString("filename")).isEqualTo("coffee.png");

    // Two people in one photo (Eileen Collins and Grace Hopper side by side).
    BufferedImage a = Pictures.image("astronaut.png");
    BufferedImage g = Pictures.image("grace_hopper.jpg");
    BufferedImage both = new BufferedImage(a.getWidth() + g.getWidth(), Math.max(a.getHeight(), g.getHeight()),
        BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D gr = both.createGraphics();
    gr.drawImage(a, 0, 0, null);
    gr.drawImage(g, a.getWidth(), 0, null);
    gr.dispose();
    JsonObject two = body(curl(PERSONS, PERSONS, supervisor, person("p-two", "Two", "test"),
        List.of(file("two-people.jpg", both, "jpg"))), 422);
    assertThat(two.getString("detail")).contains("photo 1 (two-people.jpg)", "2 faces found");

    // Not an image at all.
    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "not a photograph");
    JsonObject notImage = body(curl(PERSONS, PERSONS, supervisor, person("p-text", "Text", "test"), List.of(text)), 415);
    assertThat(notImage.getString("detail")).contains("photo 1 (notes.txt)", "neither a JPEG nor a PNG");

    // Fields the contract requires, and only those.
    assertThat(body(curl(PERSONS, PERSONS, supervisor, Map.of("name", "No reason"), List.of(image("astronaut.png"))), 400)
        .getString("detail")).contains("reason");
    assertThat(body(curl(PERSONS, PERSONS, supervisor, Map.of("name", "n", "reason", "r", "colour", "red"),
        List.of(image("astronaut.png"))), 400).getString("detail")).contains("colour");
    assertThat(body(curl(PERSONS, PERSONS, supervisor, Map.of("personId", "bad id!", "name", "n", "reason", "r"),
        List.of(image("astronaut.png"))), 400).getString("detail")).contains("personId");
    assertThat(body(curl(PERSONS, PERSONS, supervisor, Map.of("name", "n", "reason", "r"), List.of()), 400)
        .getString("detail")).contains("no photo");
    assertThat(json("POST", PERSONS, PERSONS, supervisor, new JsonObject().put("name", "n").put("reason", "r")).statusCode())
        .as("JSON without photos").isEqualTo(400);

    assertThat(version()).as("nothing changed").isEqualTo(v0);
    for (String id : List.of("p-coffee", "p-two", "p-text")) {
      assertThat(get(PERSON, PERSONS + "/" + id, supervisor).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void oversizedPhotosAndBodiesAre413() throws Exception {
    long v0 = version();
    // One photo over watchlist.maxPhotoBytes (the body is within the total): named.
    Path big = file("big.png", Pictures.scaled(Pictures.image("astronaut.png"), 1.5), "png");
    assertThat(Files.size(big)).isBetween((long) MAX_PHOTO, (long) MAX_UPLOAD - 100_000);
    JsonObject one = body(curl(PERSONS, PERSONS, supervisor, person("p-big", "Big", "test"), List.of(big)), 413);
    assertThat(one.getString("detail")).contains("photo 1 (big.png)", "watchlist.maxPhotoBytes");

    // A body over watchlist.maxUploadBytes: refused from its declared length, before it is sent (curl asks with
    // Expect: 100-continue); and from the JDK client, which sends it at once (JDK 17's client waits forever for a 100
    // that a refusal never sends, so it cannot ask): the answer still arrives, what follows it is dropped.
    Path astronaut = image("astronaut.png");
    JsonObject all = body(curl(PERSONS, PERSONS, supervisor, person("p-many", "Many", "test"),
        List.of(astronaut, astronaut, astronaut, astronaut)), 413);
    assertThat(all.getString("detail")).contains("watchlist.maxUploadBytes");
    String content = Base64.getEncoder().encodeToString(new byte[MAX_UPLOAD]);
    HttpClient http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    var jdk = OpenApiResponses.check("POST", PERSONS, http11.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + PERSONS))
        .header("Authorization", "Bearer " + supervisor).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("name", "n").put("reason", "r")
            .put("photos", new JsonArray().add(new JsonObject().put("content", content))).encode())).build(),
        HttpResponse.BodyHandlers.ofString()));
    assertThat(body(jdk, 413).getString("detail")).contains("watchlist.maxUploadBytes");
    // A base64 photo over the photo limit in a body within the total.
    var b64 = json("POST", PERSONS, PERSONS, supervisor, new JsonObject().put("name", "n").put("reason", "r")
        .put("photos", new JsonArray().add(new JsonObject().put("filename", "zeros.jpg")
            .put("content", Base64.getEncoder().encodeToString(new byte[MAX_PHOTO + 10])))));
    assertThat(body(b64, 413).getString("detail")).contains("photo 1 (zeros.jpg)");

    assertThat(version()).isEqualTo(v0);
    // The connection the refusals left is not needed: the next request works.
    assertThat(get(PERSONS, PERSONS, supervisor).statusCode()).isEqualTo(200);
  }

  @Test
  void onlyStaffAndAgenciesWithFacesReadSeeItAndOnlySupervisorsAndAdminsChangeIt() throws Exception {
    for (String token : List.of(crew, agencyAlarms)) {
      assertThat(get(PERSONS, PERSONS, token).statusCode()).isEqualTo(403);
      assertThat(get(PERSON, PERSONS + "/p-collins", token).statusCode()).isEqualTo(403);
      assertThat(get("/api/v1/watchlist/hits", "/api/v1/watchlist/hits", token).statusCode()).isEqualTo(403);
    }
    assertThat(body(get(PERSONS, PERSONS, crew), 403).getString("detail")).contains("faces:read");
    for (String token : List.of(operator, agencyFaces, crew)) {
      var refused = curl(PERSONS, PERSONS, token, person("p-refused", "x", "y"), List.of(image("astronaut.png")));
      assertThat(body(refused, 403).getString("detail")).contains("supervisor or admin");
      assertThat(json("DELETE", PERSON, PERSONS + "/p-refused", token, null).statusCode()).isEqualTo(403);
    }
    var anonymous = OpenApiResponses.check("POST", PERSONS, HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + PERSONS)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"n\",\"reason\":\"r\",\"photos\":[]}")).build(),
        HttpResponse.BodyHandlers.ofString()));
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(get(PERSONS, PERSONS, operator).statusCode()).isEqualTo(200);
    assertThat(get(PERSONS, PERSONS, agencyEastFaces).statusCode()).isEqualTo(200);
    assertThat(get(PERSON, PERSONS + "/p-refused", supervisor).statusCode()).isEqualTo(404);
    // Asking is telling: a lookup of someone not on the list is audited too.
    assertThat(actions(audit("sup-1"))).contains("watchlist.person.read watchlist-person:p-refused");
  }

  @Test
  void withoutFaceModelsEnrolmentIs503WithRetryAfterAndReadsStillWork() throws Exception {
    // A second node on the same database whose models are missing and may not be fetched.
    int otherPort = Ports.free();
    Gateway other = Gateway.start(ConfigLoader.load(Optional.empty(), Map.ofEntries(
        Map.entry("SAFECITY_STORE_URL", postgres.url()),
        Map.entry("SAFECITY_DATA_DIR", dir.resolve("data-2").toString()),
        Map.entry("SAFECITY_HTTP_PORT", String.valueOf(otherPort)),
        Map.entry("SAFECITY_MQTT_ENABLED", "false"),
        Map.entry("SAFECITY_RTSP_ENABLED", "false"),
        Map.entry("SAFECITY_AUTH_PASSWORD_BCRYPT_COST", "4"),
        Map.entry("SAFECITY_RECOGNITION_MODELS_DIR", dir.resolve("no-models").toString()),
        Map.entry("SAFECITY_RECOGNITION_FETCH_MODELS", "false"))));
    try {
      String sup = AuthIT.loginAt(otherPort, "sup-1", "sup-1-secret");
      Path headers = Files.createTempFile(dir, "headers", ".txt");
      Cli.Result r = Cli.run(Duration.ofSeconds(60), null, "curl", "-s", "-S", "-D", headers.toString(), "-o", "/dev/stdout",
          "-H", "Authorization: Bearer " + sup, "-F", "name=n", "-F", "reason=r", "-F", "photo=@" + image("astronaut.png"),
          "http://127.0.0.1:" + otherPort + PERSONS);
      var res = OpenApiResponses.check("POST", PERSONS, CurlResponse.of(0, Files.readString(headers), r.output(), PERSONS));
      assertThat(res.statusCode()).as(r.output()).isEqualTo(503);
      assertThat(res.headers().firstValue("Retry-After")).isPresent();
      assertThat(new JsonObject(res.body()).getString("detail")).contains("face recognizer is off", "fetchModels is false");
      var list = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + otherPort + PERSONS))
          .header("Authorization", "Bearer " + sup).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(OpenApiResponses.check("GET", PERSONS, list).statusCode()).isEqualTo(200);
    } finally {
      other.stop();
    }
  }

  @Test
  void aPersonEnrolledOverRestIsRecognisedInRtspVideoAndTheHitAndEvidenceAreServed() throws Exception {
    JsonObject enrolled = body(curl(PERSONS, PERSONS, supervisor, person("p-rtsp", "Eileen Collins (RTSP)", "test: video"),
        List.of(image("astronaut.png"))), 201);
    long listVersion = enrolled.getLong("listVersion");
    long after = events.lastId();
    // The camera sees her smaller, brighter and off-centre, as ffmpeg encodes it to H.264 and pushes it.
    BufferedImage seen = Pictures.brightness(Pictures.cropped(Pictures.scaled(Pictures.image("astronaut.png"), 0.8), 30, 0,
        380, 300), 1.15f, 5);
    Path png = file("seen.png", seen, "png");
    cameras.add(new ProcessBuilder("ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-loop", "1", "-framerate", "25",
        "-i", png.toString(), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
        "-pix_fmt", "yuv420p", "-f", "rtsp", "-rtsp_transport", "tcp",
        "rtsp://cam-s:pub-cam-s@127.0.0.1:" + rtspPort + "/cam-s").redirectErrorStream(true).start());
    LoggedEvent hit = events.await(after, T, "a face hit of p-rtsp", e -> e.type().equals("recognition.face.hit")
        && "p-rtsp".equals(e.body().get("personId")));
    assertThat(((Number) hit.body().get("listVersion")).longValue()).isGreaterThanOrEqualTo(listVersion);

    JsonObject page = body(get("/api/v1/watchlist/hits", "/api/v1/watchlist/hits?personId=p-rtsp&camera=cam-s&limit=1",
        agencyFaces), 200);
    JsonObject h = page.getJsonArray("hits").getJsonObject(0);
    assertThat(h.getLong("id")).isGreaterThanOrEqualTo(hit.id());
    assertThat(h.getString("camera")).isEqualTo("cam-s");
    assertThat(h.getString("region")).isEqualTo("south");
    assertThat(h.getString("name")).isEqualTo("Eileen Collins (RTSP)");
    assertThat(h.getDouble("score")).isGreaterThan(0.5);
    // Another region's agency sees none of it.
    assertThat(body(get("/api/v1/watchlist/hits", "/api/v1/watchlist/hits?personId=p-rtsp", agencyEastFaces), 200)
        .getJsonArray("hits")).isEmpty();

    long faceId = h.getJsonObject("snapshots").getLong("face");
    long frameId = h.getJsonObject("snapshots").getLong("frame");
    String snapshot = "/api/v1/snapshots/{snapshotId}";
    var face = getBytes(snapshot, "/api/v1/snapshots/" + faceId, agencyFaces);
    assertThat(face.statusCode()).isEqualTo(200);
    assertThat(ImageIO.read(new ByteArrayInputStream(face.body()))).isNotNull();
    BufferedImage frame = ImageIO.read(new ByteArrayInputStream(getBytes(snapshot, "/api/v1/snapshots/" + frameId, operator)
        .body()));
    assertThat(frame.getWidth()).isEqualTo(380);
    assertThat(getBytes(snapshot, "/api/v1/snapshots/" + faceId, agencyEastFaces).statusCode()).as("other region").isEqualTo(403);
    assertThat(getBytes(snapshot, "/api/v1/snapshots/" + faceId, crew).statusCode()).isEqualTo(403);
    assertThat(getBytes(snapshot, "/api/v1/snapshots/" + faceId, agencyAlarms).statusCode()).isEqualTo(403);
    assertThat(getBytes(snapshot, "/api/v1/snapshots/999999", operator).statusCode()).isEqualTo(404);
    assertThat(actions(audit("agency-faces"))).contains("watchlist.hits.read watchlist-hits",
        "snapshot.read snapshot:" + faceId);
    JsonObject hitsRead = audit("agency-faces").stream().map(o -> (JsonObject) o)
        .filter(e -> e.getString("action").equals("watchlist.hits.read")).findFirst().orElseThrow();
    assertThat(hitsRead.getJsonObject("details").getString("personId")).isEqualTo("p-rtsp");
  }

  @Test
  void graphqlReadsTheSamePersonsUnderTheSameRulesAndIsAudited() throws Exception {
    curl(PERSONS, PERSONS, supervisor, person("p-graphql", "Eileen Collins (GraphQL)", "test: graphql"),
        List.of(image("astronaut.png")));
    String query = "{ watchlistPersons(limit: 100) { listVersion persons { id name photos { id label sha256 picture face { x y width height } } } }"
        + " watchlistPerson(id: \"p-graphql\") { id reason addedBy } }";
    JsonObject ok = graphql(agencyFaces, query);
    assertThat(ok.getJsonArray("errors")).as(ok.encode()).isNull();
    JsonObject data = ok.getJsonObject("data");
    assertThat(data.getJsonObject("watchlistPersons").getJsonArray("persons").stream()
        .map(o -> ((JsonObject) o).getString("id"))).contains("p-graphql");
    assertThat(data.getJsonObject("watchlistPerson").getString("addedBy")).isEqualTo("sup-1");
    // The REST object, field for field.
    JsonObject rest = body(get(PERSON, PERSONS + "/p-graphql", supervisor), 200);
    assertThat(data.getJsonObject("watchlistPerson").getString("reason")).isEqualTo(rest.getString("reason"));

    for (String token : List.of(crew, agencyAlarms)) {
      JsonObject refused = graphql(token, query);
      assertThat(refused.getJsonArray("errors")).as(refused.encode()).hasSize(2);
      refused.getJsonArray("errors").forEach(e -> assertThat(((JsonObject) e).getJsonObject("extensions").getString("code"))
          .isEqualTo("FORBIDDEN"));
    }
    List<JsonObject> entries = audit("agency-faces").stream().map(o -> (JsonObject) o)
        .filter(e -> "graphql".equals(e.getJsonObject("details").getString("via"))).toList();
    assertThat(entries.stream().map(e -> e.getString("action") + " " + e.getString("target")))
        .contains("watchlist.persons.read watchlist", "watchlist.person.read watchlist-person:p-graphql");
    assertThat(audit("crew-1").stream().map(o -> ((JsonObject) o).getString("action")))
        .as("nothing read, nothing audited").noneMatch(a -> a.startsWith("watchlist."));
  }

  static JsonObject graphql(String token, String query) throws Exception {
    var res = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/graphql"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("query", query).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return new JsonObject(res.body());
  }

  /**
   * A response as the contract check takes it: what curl received (status line and headers from -D, the body from -o),
   * or the JDK client's answer with its body as text.
   */
  record CurlResponse(int statusCode, HttpHeaders headers, String body, URI uri) implements HttpResponse<String> {
    static CurlResponse of(int status, String headerDump, String body, String path) {
      // -D holds every response (a 100 Continue first, perhaps): the last one is the answer.
      String[] blocks = headerDump.replace("\r\n", "\n").trim().split("\n\n");
      String last = blocks[blocks.length - 1];
      String[] lines = last.split("\n");
      int parsed = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          map.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>()).add(lines[i].substring(colon + 1).trim());
        }
      }
      assertThat(status == 0 || status == parsed).as("curl's status %s, headers %s", status, parsed).isTrue();
      return new CurlResponse(parsed, HttpHeaders.of(map, (a, b) -> true), body, URI.create(path));
    }

    @Override
    public HttpRequest request() {
      return null;
    }

    @Override
    public Optional<HttpResponse<String>> previousResponse() {
      return Optional.empty();
    }

    @Override
    public Optional<SSLSession> sslSession() {
      return Optional.empty();
    }

    @Override
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  }
}
