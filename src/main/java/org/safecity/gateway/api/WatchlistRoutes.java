package org.safecity.gateway.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.sqlclient.Pool;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.config.GatewayConfig.WatchlistConfig;
import org.safecity.gateway.incidents.Incidents;
import org.safecity.gateway.recognition.FacePhotos;
import org.safecity.gateway.recognition.Recognition;
import org.safecity.gateway.recognition.Watchlist;

/**
 * The face watchlist over REST: the {@code watchlist} tag of the contract. Supervisors and admins enrol people with
 * photos (checked and embedded on the recognition pool: exactly one face each, all or none enrolled), rename them,
 * add photos and take them off; staff and agencies with {@code faces:read} read the list, the hits and their
 * evidence. Every read and every change is in the audit log; a change commits with its entry and the list's new
 * version.
 */
public final class WatchlistRoutes {
  /** The contract's person id pattern. */
  static final Pattern PERSON_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  static final int MAX_NAME = 200;
  static final int MAX_REASON = 500;
  /** How long a client should wait while the face models are on their way (fetch and load take about that). */
  static final int RETRY_WHILE_STARTING = 30;
  /** ... and when someone has to act first (recognition off, models missing with fetching off, a broken model). */
  static final int RETRY_WHEN_OFF = 300;

  /** What the routes need; {@code recognition} is empty when recognition.enabled is false. */
  public record Deps(Watchlist watchlist, Optional<Recognition> recognition, Pool pool, WatchlistConfig limits) {
  }

  private final WatchlistService service;
  private final Optional<Recognition> recognition;
  private final WatchlistConfig limits;
  private final PhotoUploads uploads;

  WatchlistRoutes(Vertx vertx, OpenAPIContract contract, Deps deps, WatchlistService service) {
    this.service = service;
    this.recognition = deps.recognition();
    this.limits = deps.limits();
    this.uploads = new PhotoUploads(vertx, contract, deps.limits());
  }

  /** Binds the contract's watchlist operations. */
  void mount(RouterBuilder builder) {
    builder.getRoute("enrolWatchlistPerson").addHandler(this::enrol);
    builder.getRoute("listWatchlistPersons").addHandler(this::list);
    builder.getRoute("getWatchlistPerson").addHandler(this::get);
    builder.getRoute("updateWatchlistPerson").addHandler(this::update);
    builder.getRoute("removeWatchlistPerson").addHandler(this::remove);
    builder.getRoute("addWatchlistPhotos").addHandler(this::addPhotos);
    builder.getRoute("getWatchlistPhoto").addHandler(this::photo);
    builder.getRoute("listWatchlistHits").addHandler(this::hits);
  }

  // ---- reads -------------------------------------------------------------------------------------------

  void list(RoutingContext rc) {
    if (!mayRead(rc)) {
      return;
    }
    var q = HttpVerticle.validated(rc).getQuery();
    service.persons(ApiAuth.principal(rc), ApiAuth.remote(rc), string(q.get("after")),
            (int) HttpVerticle.longParam(q.get("limit"), 50), "rest")
        .onComplete(ar -> answer(rc, ar, 200));
  }

  void get(RoutingContext rc) {
    if (!mayRead(rc)) {
      return;
    }
    service.person(ApiAuth.principal(rc), ApiAuth.remote(rc), rc.pathParam("personId"), "rest")
        .onComplete(ar -> answer(rc, ar, 200));
  }

  void hits(RoutingContext rc) {
    if (!mayRead(rc)) {
      return;
    }
    var q = HttpVerticle.validated(rc).getQuery();
    service.hits(ApiAuth.principal(rc), ApiAuth.remote(rc), string(q.get("camera")), string(q.get("personId")),
            HttpVerticle.longParam(q.get("before"), 0), (int) HttpVerticle.longParam(q.get("limit"), 50), "rest")
        .onComplete(ar -> answer(rc, ar, 200));
  }

  void photo(RoutingContext rc) {
    if (!mayRead(rc)) {
      return;
    }
    service.photo(ApiAuth.principal(rc), ApiAuth.remote(rc), rc.pathParam("personId"),
            Long.parseLong(rc.pathParam("photoId")))
        .onSuccess(t -> jpeg(rc, t.jpeg(), "watchlist-photo-" + rc.pathParam("photoId") + ".jpg"))
        .onFailure(e -> refuse(rc, e));
  }

  /** Evidence and faces: private to this caller, never cached on the way. */
  private static void jpeg(RoutingContext rc, byte[] jpeg, String filename) {
    rc.response().putHeader("Content-Type", "image/jpeg").putHeader("Cache-Control", "private, no-store")
        .putHeader("Content-Disposition", "inline; filename=\"" + filename + "\"")
        .end(io.vertx.core.buffer.Buffer.buffer(jpeg));
  }

  // ---- changes -----------------------------------------------------------------------------------------

  void enrol(RoutingContext rc) {
    if (!mayWrite(rc) || !facesReady(rc)) {
      return;
    }
    Principal p = ApiAuth.principal(rc);
    uploads.read(rc, "enrolWatchlistPerson", Set.of("personId", "name", "reason"))
        .compose(u -> {
          JsonObject f = u.fields();
          String id = f.getString("personId") != null ? f.getString("personId") : "p-" + UUID.randomUUID();
          checkFields(f, true);
          return checked(u.photos()).compose(photos -> service.watchlist().create(id, f.getString("name"),
              f.getString("reason"), photos, p.id(), (conn, version) -> Audit.record(conn, p, "watchlist.person.enrol",
                  WatchlistService.target(id), ApiAuth.remote(rc), changeDetails(version, photos))));
        })
        .onSuccess(changed -> {
          recognition.ifPresent(Recognition::watchlistChanged);
          rc.response().putHeader("Location", "/api/v1/watchlist/persons/" + changed.value().id());
          HttpVerticle.json(rc, 201, changedJson(changed));
        })
        .onFailure(e -> refuse(rc, e));
  }

  void addPhotos(RoutingContext rc) {
    if (!mayWrite(rc) || !facesReady(rc)) {
      return;
    }
    Principal p = ApiAuth.principal(rc);
    String id = rc.pathParam("personId");
    uploads.read(rc, "addWatchlistPhotos", Set.of())
        .compose(u -> checked(u.photos()))
        .compose(photos -> service.watchlist().addPhotos(id, photos, p.id(), (conn, version) -> Audit.record(conn, p,
            "watchlist.photos.add", WatchlistService.target(id), ApiAuth.remote(rc), changeDetails(version, photos))))
        .onSuccess(changed -> {
          recognition.ifPresent(Recognition::watchlistChanged);
          HttpVerticle.json(rc, 201, changedJson(changed));
        })
        .onFailure(e -> refuse(rc, e));
  }

  void update(RoutingContext rc) {
    if (!mayWrite(rc)) {
      return;
    }
    Principal p = ApiAuth.principal(rc);
    String id = rc.pathParam("personId");
    JsonObject b = rc.body().asJsonObject();
    service.watchlist().update(id, b.getString("name"), b.getString("reason"), p.id(), (conn, version) -> Audit.record(
            conn, p, "watchlist.person.update", WatchlistService.target(id), ApiAuth.remote(rc),
            Map.of("name", b.getString("name"), "reason", b.getString("reason"), "listVersion", version)))
        .onSuccess(changed -> {
          recognition.ifPresent(Recognition::watchlistChanged);
          HttpVerticle.json(rc, 200, changedJson(changed));
        })
        .onFailure(e -> refuse(rc, e));
  }

  void remove(RoutingContext rc) {
    if (!mayWrite(rc)) {
      return;
    }
    Principal p = ApiAuth.principal(rc);
    String id = rc.pathParam("personId");
    service.watchlist().remove(id, (conn, version) -> Audit.record(conn, p, "watchlist.person.remove",
            WatchlistService.target(id), ApiAuth.remote(rc), Map.of("listVersion", version)))
        .onSuccess(version -> {
          recognition.ifPresent(Recognition::watchlistChanged);
          HttpVerticle.json(rc, 200, new JsonObject().put("personId", id).put("listVersion", version));
        })
        .onFailure(e -> refuse(rc, e));
  }

  /** The photos checked on the recognition pool; fails with the photos' problems. */
  private Future<List<FacePhotos.Enrolled>> checked(List<FacePhotos.Upload> photos) {
    Optional<String> off = unavailable();
    if (off.isPresent()) {
      // The models went away while the body was read (a stop): say so rather than fail obscurely.
      return Future.failedFuture(new Incidents.Refused(503, off.get()));
    }
    return recognition.orElseThrow().checkPhotos(photos, limits.maxPhotoPixels());
  }

  /** The multipart form's fields have no schema check on the way in: the contract's rules, here. */
  static void checkFields(JsonObject f, boolean person) {
    String id = f.getString("personId");
    if (id != null && !PERSON_ID.matcher(id).matches()) {
      throw new Incidents.Refused(400, "personId must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    if (person) {
      text(f, "name", MAX_NAME);
      text(f, "reason", MAX_REASON);
    }
  }

  private static void text(JsonObject f, String field, int max) {
    String v = f.getString(field);
    if (v == null || v.isBlank()) {
      throw new Incidents.Refused(400, "field '" + field + "' is required");
    }
    if (v.length() > max) {
      throw new Incidents.Refused(400, "field '" + field + "' is " + v.length() + " characters; at most " + max);
    }
  }

  private static Map<String, Object> changeDetails(long version, List<FacePhotos.Enrolled> photos) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("listVersion", version);
    d.put("photos", photos.stream().map(x -> Map.of("filename", x.upload().filename() == null ? "" : x.upload().filename(),
        "sha256", x.sha256())).toList());
    return d;
  }

  private static JsonObject changedJson(Watchlist.Changed<Watchlist.Person> c) {
    return new JsonObject().put("person", WatchlistService.json(c.value())).put("listVersion", c.version());
  }

  // ---- rules and answers -------------------------------------------------------------------------------

  private static boolean mayRead(RoutingContext rc) {
    return ApiAuth.allow(rc, WatchlistService::mayRead, WatchlistService.READ_RULE);
  }

  private static boolean mayWrite(RoutingContext rc) {
    return ApiAuth.allow(rc, WatchlistService::mayWrite, WatchlistService.WRITE_RULE);
  }

  private Optional<String> unavailable() {
    return recognition.isEmpty() ? Optional.of("recognition is disabled on this node (recognition.enabled: false)")
        : recognition.get().faceUnavailable();
  }

  /** 503 with Retry-After while photos cannot be embedded: answered before the body is read. */
  private boolean facesReady(RoutingContext rc) {
    Optional<String> off = unavailable();
    if (off.isEmpty()) {
      return true;
    }
    boolean coming = recognition.isPresent() && recognition.get().faceComing();
    rc.response().putHeader("Retry-After", String.valueOf(coming ? RETRY_WHILE_STARTING : RETRY_WHEN_OFF));
    Problems.send(rc, 503, "Service Unavailable", "photos cannot be checked now: " + off.get());
    return false;
  }

  private static String string(RequestParameter p) {
    return p == null || p.isNull() ? null : p.getString();
  }

  private static void answer(RoutingContext rc, io.vertx.core.AsyncResult<JsonObject> ar, int status) {
    if (ar.succeeded()) {
      HttpVerticle.json(rc, status, ar.result());
    } else {
      refuse(rc, ar.cause());
    }
  }

  /** A refusal as its problem (every rejected photo listed for 413/415/422), anything else as a failure. */
  static void refuse(RoutingContext rc, Throwable e) {
    if (e instanceof Incidents.Refused r) {
      Problems.send(rc, r.status, Problems.title(r.status), r.getMessage());
    } else if (e instanceof Watchlist.Missing m) {
      Problems.send(rc, 404, "Not Found", m.getMessage());
    } else if (e instanceof Watchlist.Conflict c) {
      Problems.send(rc, 409, "Conflict", c.getMessage());
    } else if (e instanceof FacePhotos.Rejections r) {
      int status = r.photos.stream().allMatch(x -> x.status == 415) ? 415 : 422;
      io.vertx.core.json.JsonArray photos = new io.vertx.core.json.JsonArray();
      r.photos.forEach(x -> photos.add(new JsonObject().put("photo", x.upload.index())
          .put("filename", x.upload.filename() == null ? "" : x.upload.filename()).put("problem", x.reason)));
      Problems.send(rc, status, Problems.title(status), "nothing was enrolled: " + r.getMessage(),
          new JsonObject().put("photos", photos));
    } else {
      rc.fail(e);
    }
  }
}
