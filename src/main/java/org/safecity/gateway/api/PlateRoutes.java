package org.safecity.gateway.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.core.PlateFormats;
import org.safecity.gateway.devices.CameraEntry;
import org.safecity.gateway.devices.DeviceRegistry;
import org.safecity.gateway.recognition.Echallans;
import org.safecity.gateway.recognition.Hotlist;

/**
 * The vehicle hotlist, e-challans and recognition evidence: the {@code plates} tag of the contract. Every read of
 * hotlist or e-challan data and of evidence is audited (who, what, when, from where) before it is answered; hotlist
 * changes are audited in their own transaction.
 */
public final class PlateRoutes {
  /** What the plate routes read and write. */
  public record Deps(Hotlist hotlist, Echallans echallans, PlateFormats formats, DeviceRegistry registry, Pool pool,
                     Audit audit, Supplier<Future<?>> hotlistChanged) {
  }

  private final Deps d;

  PlateRoutes(Deps deps) {
    this.d = deps;
  }

  /** Staff, or an agency granted {@code scope}; crews have no business with plates. */
  private static boolean staffOrAgencyWith(Principal p, String scope) {
    return p.role().isStaff() || p.role() == Role.AGENCY && p.scopes().contains(scope);
  }

  private static boolean mayReadHotlist(RoutingContext rc) {
    return ApiAuth.allow(rc, p -> staffOrAgencyWith(p, Principal.PLATES_READ),
        "command-centre staff or an agency with scope " + Principal.PLATES_READ);
  }

  private static boolean mayWriteHotlist(RoutingContext rc) {
    return ApiAuth.allow(rc, p -> p.is(Role.SUPERVISOR, Role.ADMIN), "a supervisor or administrator");
  }

  void listHotlist(RoutingContext rc) {
    if (!mayReadHotlist(rc)) {
      return;
    }
    var q = HttpVerticle.validated(rc).getQuery();
    Optional<String> reason = string(q.get("reason"));
    String after = string(q.get("after")).orElse("");
    int limit = (int) HttpVerticle.longParam(q.get("limit"), 50);
    d.hotlist().page(after, reason, limit).compose(page -> {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("returned", page.size());
      reason.ifPresent(r -> details.put("reason", r));
      details.put("after", after);
      return audit(rc, "hotlist.read", "hotlist", details).map(v -> {
        JsonArray plates = new JsonArray();
        page.forEach(e -> plates.add(entry(e)));
        String next = page.size() == limit ? page.get(page.size() - 1).plate() : null;
        return new JsonObject().put("plates", plates).put("next", next);
      });
    }).onComplete(ar -> answer(rc, ar, 200));
  }

  void getHotlistPlate(RoutingContext rc) {
    if (!mayReadHotlist(rc)) {
      return;
    }
    String plate = rc.pathParam("plate");
    d.hotlist().get(plate).compose(found -> audit(rc, "hotlist.read", plate, Map.of("found", found.isPresent()))
        .map(v -> found)).onComplete(ar -> {
          if (ar.succeeded() && ar.result().isEmpty()) {
            Problems.send(rc, 404, "Not Found", "plate " + plate + " is not on the hotlist");
          } else {
            answer(rc, ar.map(e -> entry(e.orElseThrow())), 200);
          }
        });
  }

  void addHotlistPlate(RoutingContext rc) {
    if (!mayWriteHotlist(rc)) {
      return;
    }
    JsonObject b = rc.body().asJsonObject();
    String raw = b.getString("plate");
    Optional<PlateFormats.Plate> plate = d.formats().normalise(raw);
    if (plate.isEmpty()) {
      Problems.send(rc, 400, "Bad Request", "plate \"" + raw + "\" fits none of the plate formats "
          + d.formats().describe() + " (recognition.plateFormats): the recognizer could never read it");
      return;
    }
    d.hotlist().add(ApiAuth.principal(rc), plate.get().text(), b.getString("reason"), Optional.ofNullable(b.getString("note")),
            ApiAuth.remote(rc))
        .compose(c -> d.hotlistChanged().get().<Hotlist.Change>transform(x -> Future.succeededFuture(c)))
        .onComplete(ar -> answer(rc, ar.map(PlateRoutes::change), ar.succeeded() && ar.result().created() ? 201 : 200));
  }

  void removeHotlistPlate(RoutingContext rc) {
    if (!mayWriteHotlist(rc)) {
      return;
    }
    String plate = rc.pathParam("plate");
    d.hotlist().remove(ApiAuth.principal(rc), plate, ApiAuth.remote(rc))
        .compose(c -> d.hotlistChanged().get().<Optional<Hotlist.Change>>transform(x -> Future.succeededFuture(c)))
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result().isEmpty()) {
            Problems.send(rc, 404, "Not Found", "plate " + plate + " is not on the hotlist");
          } else {
            answer(rc, ar.map(c -> change(c.orElseThrow())), 200);
          }
        });
  }

  private static boolean mayReadEchallans(RoutingContext rc) {
    return ApiAuth.allow(rc, p -> staffOrAgencyWith(p, Principal.ECHALLAN_READ),
        "command-centre staff or an agency with scope " + Principal.ECHALLAN_READ);
  }

  void listEchallans(RoutingContext rc) {
    if (!mayReadEchallans(rc)) {
      return;
    }
    var q = HttpVerticle.validated(rc).getQuery();
    Optional<String> camera = string(q.get("camera"));
    Optional<String> plate = string(q.get("plate"));
    Optional<String> status = string(q.get("status"));
    long before = HttpVerticle.longParam(q.get("before"), 0);
    d.echallans().page(ApiAuth.principal(rc), camera, plate, status, before, (int) HttpVerticle.longParam(q.get("limit"), 50))
        .compose(page -> {
          Map<String, Object> details = new LinkedHashMap<>();
          details.put("returned", page.size());
          camera.ifPresent(c -> details.put("camera", c));
          plate.ifPresent(p -> details.put("plate", p));
          status.ifPresent(s -> details.put("status", s));
          details.put("before", before);
          return audit(rc, "echallan.read", "echallans", details)
              .map(v -> new JsonObject().put("echallans", new JsonArray(List.copyOf(page))));
        }).onComplete(ar -> answer(rc, ar, 200));
  }

  void getEchallan(RoutingContext rc) {
    if (!mayReadEchallans(rc)) {
      return;
    }
    Principal p = ApiAuth.principal(rc);
    long id = Long.parseLong(rc.pathParam("echallanId"));
    d.echallans().get(id).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else if (ar.result().isEmpty()) {
        Problems.send(rc, 404, "Not Found", "no e-challan " + id);
      } else if (!p.seesRegion(ar.result().get().getString("region"))) {
        Problems.send(rc, 403, "Forbidden", "e-challan " + id + " is outside the regions of " + p.id());
      } else {
        JsonObject e = ar.result().get();
        audit(rc, "echallan.read", "echallan:" + id, Map.of("plate", e.getString("plate")))
            .onComplete(a -> answer(rc, a.map(v -> e), 200));
      }
    });
  }

  void setEchallanStatus(RoutingContext rc) {
    if (!ApiAuth.allow(rc, p -> p.is(Role.SUPERVISOR, Role.ADMIN), "a supervisor or administrator")) {
      return;
    }
    Principal p = ApiAuth.principal(rc);
    long id = Long.parseLong(rc.pathParam("echallanId"));
    JsonObject b = rc.body().asJsonObject();
    d.echallans().get(id).compose(found -> found.isPresent() && !p.seesRegion(found.get().getString("region"))
        ? Future.<JsonObject>failedFuture(new SecurityException("e-challan " + id + " is outside the regions of " + p.id()))
        : d.echallans().setStatus(id, b.getString("status"), Optional.ofNullable(b.getString("note")), p,
            ApiAuth.remote(rc)).map(o -> o.orElse(null))
    ).onComplete(ar -> {
      if (ar.succeeded() && ar.result() == null) {
        Problems.send(rc, 404, "Not Found", "no e-challan " + id);
      } else if (ar.failed() && ar.cause() instanceof SecurityException e) {
        Problems.send(rc, 403, "Forbidden", e.getMessage());
      } else if (ar.failed() && ar.cause() instanceof Echallans.NotAllowed e) {
        Problems.send(rc, 409, "Conflict", e.getMessage());
      } else {
        answer(rc, ar, 200);
      }
    });
  }

  /**
   * Evidence JPEG. Its kind says which hits it belongs to: {@code face}/{@code frame} (face watchlist) need
   * {@code faces:read}, {@code plate}/{@code plate-frame} (plate reads) {@code plates:read} or {@code echallan:read};
   * and the camera's region must be the caller's.
   */
  void getSnapshot(RoutingContext rc) {
    long id = Long.parseLong(rc.pathParam("snapshotId"));
    Principal p = ApiAuth.principal(rc);
    d.pool().preparedQuery("SELECT camera_id, kind, jpeg FROM recognition_snapshots WHERE id = $1").execute(Tuple.of(id))
        .onFailure(rc::fail)
        .onSuccess(rows -> {
          if (rows.rowCount() == 0) {
            Problems.send(rc, 404, "Not Found", "no snapshot " + id);
            return;
          }
          var r = rows.iterator().next();
          String camera = r.getString("camera_id");
          String kind = r.getString("kind");
          boolean faces = kind.equals("face") || kind.equals("frame");
          boolean scoped = faces ? staffOrAgencyWith(p, Principal.FACES_READ)
              : staffOrAgencyWith(p, Principal.PLATES_READ) || staffOrAgencyWith(p, Principal.ECHALLAN_READ);
          String region = d.registry().camera(camera).map(CameraEntry::region).orElse(null);
          if (!scoped) {
            Problems.send(rc, 403, "Forbidden", "snapshot " + id + " is evidence of a " + (faces ? "face" : "plate")
                + " read: it needs command-centre staff or an agency with scope " + (faces ? Principal.FACES_READ
                : Principal.PLATES_READ + " or " + Principal.ECHALLAN_READ));
            return;
          }
          if (!p.seesRegion(region)) {
            Problems.send(rc, 403, "Forbidden", "snapshot " + id + " is of camera " + camera
                + ", outside the regions of " + p.id());
            return;
          }
          byte[] jpeg = r.getBuffer("jpeg").getBytes();
          audit(rc, "snapshot.read", "snapshot:" + id, Map.of("camera", camera, "kind", kind)).onComplete(a -> {
            if (a.failed()) {
              rc.fail(a.cause());
            } else {
              rc.response().putHeader("Content-Type", "image/jpeg").putHeader("Cache-Control", "private, no-store")
                  .end(io.vertx.core.buffer.Buffer.buffer(jpeg));
            }
          });
        });
  }

  private Future<Void> audit(RoutingContext rc, String action, String target, Map<String, Object> details) {
    return d.audit().record(ApiAuth.principal(rc), action, target, ApiAuth.remote(rc), details);
  }

  /** The contract's {@code HotlistEntry}. */
  static JsonObject entry(Hotlist.Entry e) {
    return new JsonObject().put("plate", e.plate()).put("reason", e.reason()).put("addedBy", e.addedBy())
        .put("addedAt", e.addedAt().toString()).put("note", e.note().orElse(null));
  }

  static JsonObject change(Hotlist.Change c) {
    return new JsonObject().put("entry", entry(c.entry())).put("listVersion", c.version());
  }

  private static Optional<String> string(RequestParameter p) {
    return p == null || p.isNull() ? Optional.empty() : Optional.of(p.getString()).filter(s -> !s.isEmpty());
  }

  private static void answer(RoutingContext rc, io.vertx.core.AsyncResult<JsonObject> ar, int status) {
    if (ar.succeeded()) {
      HttpVerticle.json(rc, status, ar.result());
    } else if (ar.cause() instanceof IllegalArgumentException e) {
      Problems.send(rc, 400, "Bad Request", e.getMessage());
    } else {
      rc.fail(ar.cause());
    }
  }
}
