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
import org.safecity.gateway.incidents.Incidents;
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
  private final PlateReads reads;

  PlateRoutes(Deps deps, PlateReads reads) {
    this.d = deps;
    this.reads = reads;
  }

  private static boolean mayWriteHotlist(RoutingContext rc) {
    return ApiAuth.allow(rc, p -> p.is(Role.SUPERVISOR, Role.ADMIN), "a supervisor or administrator");
  }

  void listHotlist(RoutingContext rc) {
    var q = HttpVerticle.validated(rc).getQuery();
    reads.hotlistPage(ApiAuth.principal(rc), ApiAuth.remote(rc), "rest", string(q.get("reason")),
        string(q.get("after")).orElse(""), (int) HttpVerticle.longParam(q.get("limit"), 50))
        .onComplete(ar -> answer(rc, ar, 200));
  }

  void getHotlistPlate(RoutingContext rc) {
    reads.hotlistEntry(ApiAuth.principal(rc), ApiAuth.remote(rc), "rest", rc.pathParam("plate"))
        .onComplete(ar -> answer(rc, ar, 200));
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

  void listEchallans(RoutingContext rc) {
    var q = HttpVerticle.validated(rc).getQuery();
    reads.echallanPage(ApiAuth.principal(rc), ApiAuth.remote(rc), "rest", string(q.get("camera")),
            string(q.get("plate")), string(q.get("status")), HttpVerticle.longParam(q.get("before"), 0),
            (int) HttpVerticle.longParam(q.get("limit"), 50))
        .onComplete(ar -> answer(rc, ar.map(page -> new JsonObject().put("echallans", new JsonArray(List.copyOf(page)))),
            200));
  }

  void getEchallan(RoutingContext rc) {
    reads.echallan(ApiAuth.principal(rc), ApiAuth.remote(rc), "rest", Long.parseLong(rc.pathParam("echallanId")))
        .onComplete(ar -> answer(rc, ar, 200));
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
          boolean scoped = faces ? PlateReads.staffOrAgencyWith(p, Principal.FACES_READ)
              : PlateReads.mayReadHotlist(p) || PlateReads.mayReadEchallans(p);
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

  static JsonObject change(Hotlist.Change c) {
    return new JsonObject().put("entry", PlateReads.entry(c.entry())).put("listVersion", c.version());
  }

  private static Optional<String> string(RequestParameter p) {
    return p == null || p.isNull() ? Optional.empty() : Optional.of(p.getString()).filter(s -> !s.isEmpty());
  }

  private static void answer(RoutingContext rc, io.vertx.core.AsyncResult<JsonObject> ar, int status) {
    if (ar.succeeded()) {
      HttpVerticle.json(rc, status, ar.result());
    } else if (ar.cause() instanceof IllegalArgumentException e) {
      Problems.send(rc, 400, "Bad Request", e.getMessage());
    } else if (ar.cause() instanceof Incidents.Refused r) {
      Problems.send(rc, r.status, Problems.title(r.status), r.getMessage());
    } else {
      rc.fail(ar.cause());
    }
  }
}
