package org.safecity.gateway.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.incidents.Incidents;
import org.safecity.gateway.recognition.Echallans;
import org.safecity.gateway.recognition.Hotlist;

/**
 * Reads of the hotlist and e-challans, for REST ({@link PlateRoutes}) and GraphQL alike: who may (staff; agencies
 * with {@code plates:read} or {@code echallan:read}; never crews), the caller's regions for e-challans, and an audit
 * entry written before the answer, marked with the interface it came through. Refusals are
 * {@link Incidents.Refused} with the REST status.
 */
public final class PlateReads {
  private final Hotlist hotlist;
  private final Echallans echallans;
  private final Audit audit;

  public PlateReads(Hotlist hotlist, Echallans echallans, Audit audit) {
    this.hotlist = hotlist;
    this.echallans = echallans;
    this.audit = audit;
  }

  /** Staff, or an agency granted {@code scope}; crews have no business with plates. */
  static boolean staffOrAgencyWith(Principal p, String scope) {
    return p.role().isStaff() || p.role() == Role.AGENCY && p.scopes().contains(scope);
  }

  static boolean mayReadHotlist(Principal p) {
    return staffOrAgencyWith(p, Principal.PLATES_READ);
  }

  static boolean mayReadEchallans(Principal p) {
    return staffOrAgencyWith(p, Principal.ECHALLAN_READ);
  }

  /** The contract's {@code HotlistPage}: plates after {@code after} in order, optionally of one reason. */
  public Future<JsonObject> hotlistPage(Principal p, String remote, String via, Optional<String> reason, String after,
      int limit) {
    if (!mayReadHotlist(p)) {
      return refused(p, "the hotlist", "command-centre staff or an agency with scope " + Principal.PLATES_READ);
    }
    return hotlist.page(after, reason, limit).compose(page -> {
      Map<String, Object> details = details(via);
      details.put("returned", page.size());
      reason.ifPresent(r -> details.put("reason", r));
      details.put("after", after);
      return audit.record(p, "hotlist.read", "hotlist", remote, details).map(v -> {
        JsonArray plates = new JsonArray();
        page.forEach(e -> plates.add(entry(e)));
        String next = page.size() == limit ? page.get(page.size() - 1).plate() : null;
        return new JsonObject().put("plates", plates).put("next", next);
      });
    });
  }

  /** The contract's {@code HotlistEntry} of {@code plate} (any spelling); 404 when it is not listed. */
  public Future<JsonObject> hotlistEntry(Principal p, String remote, String via, String plate) {
    if (!mayReadHotlist(p)) {
      return refused(p, "the hotlist", "command-centre staff or an agency with scope " + Principal.PLATES_READ);
    }
    return hotlist.get(plate).compose(found -> {
      Map<String, Object> details = details(via);
      details.put("found", found.isPresent());
      return audit.record(p, "hotlist.read", plate, remote, details).compose(v -> found.isPresent()
          ? Future.succeededFuture(entry(found.get()))
          : Future.failedFuture(new Incidents.Refused(404, "plate " + plate + " is not on the hotlist")));
    });
  }

  /** E-challans of the caller's regions, newest first, below {@code before} (0: from the newest). */
  public Future<List<JsonObject>> echallanPage(Principal p, String remote, String via, Optional<String> camera,
      Optional<String> plate, Optional<String> status, long before, int limit) {
    if (!mayReadEchallans(p)) {
      return refused(p, "e-challans", "command-centre staff or an agency with scope " + Principal.ECHALLAN_READ);
    }
    return echallans.page(p, camera, plate, status, before, limit).compose(page -> {
      Map<String, Object> details = details(via);
      details.put("returned", page.size());
      camera.ifPresent(c -> details.put("camera", c));
      plate.ifPresent(x -> details.put("plate", x));
      status.ifPresent(s -> details.put("status", s));
      details.put("before", before);
      return audit.record(p, "echallan.read", "echallans", remote, details).map(v -> page);
    });
  }

  /** One e-challan; 404 when there is none, 403 when it is of another region. */
  public Future<JsonObject> echallan(Principal p, String remote, String via, long id) {
    if (!mayReadEchallans(p)) {
      return refused(p, "e-challans", "command-centre staff or an agency with scope " + Principal.ECHALLAN_READ);
    }
    return echallans.get(id).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(new Incidents.Refused(404, "no e-challan " + id));
      }
      JsonObject e = found.get();
      if (!p.seesRegion(e.getString("region"))) {
        return Future.failedFuture(new Incidents.Refused(403, "e-challan " + id + " is outside the regions of " + p.id()));
      }
      Map<String, Object> details = details(via);
      details.put("plate", e.getString("plate"));
      return audit.record(p, "echallan.read", "echallan:" + id, remote, details).map(v -> e);
    });
  }

  /** The contract's {@code HotlistEntry}. */
  static JsonObject entry(Hotlist.Entry e) {
    return new JsonObject().put("plate", e.plate()).put("reason", e.reason()).put("addedBy", e.addedBy())
        .put("addedAt", e.addedAt().toString()).put("note", e.note().orElse(null));
  }

  private static Map<String, Object> details(String via) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("via", via);
    return d;
  }

  private static <T> Future<T> refused(Principal p, String what, String who) {
    return Future.failedFuture(new Incidents.Refused(403, p.role().wire() + " " + p.id() + " may not read " + what
        + ": it takes " + who));
  }
}
