package org.safecity.gateway.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.core.Box;
import org.safecity.gateway.core.BoxState;
import org.safecity.gateway.devices.DeviceRegistry;
import org.safecity.gateway.health.BoxHealthService;
import org.safecity.gateway.mqtt.BoxCommands;

/** Street boxes: live health, telemetry history and commands; the {@code boxes} tag of the contract. */
public final class BoxRoutes {
  private final DeviceRegistry registry;
  private final BoxHealthService health;
  private final BoxCommands commands;
  private final Pool pool;
  private final Audit audit;

  BoxRoutes(DeviceRegistry registry, BoxHealthService health, BoxCommands commands, Pool pool, Audit audit) {
    this.registry = registry;
    this.health = health;
    this.commands = commands;
    this.pool = pool;
    this.audit = audit;
  }

  private static boolean mayRead(RoutingContext rc) {
    return ApiAuth.allow(rc, p -> p.mayRead(Principal.CAMERAS_READ), "scope " + Principal.CAMERAS_READ);
  }

  void listBoxes(RoutingContext rc) {
    if (!mayRead(rc)) {
      return;
    }
    Principal p = ApiAuth.principal(rc);
    health.snapshots().onSuccess(states -> {
      JsonArray out = new JsonArray();
      states.stream().filter(s -> p.seesRegion(s.region())).sorted(java.util.Comparator.comparing(BoxState::id))
          .forEach(s -> out.add(json(s)));
      HttpVerticle.json(rc, 200, new JsonObject().put("boxes", out));
    }).onFailure(rc::fail);
  }

  void getBox(RoutingContext rc) {
    if (!mayRead(rc)) {
      return;
    }
    withBox(rc, box -> health.snapshots().onSuccess(states -> states.stream().filter(s -> s.id().equals(box.id()))
        .findFirst().ifPresentOrElse(s -> HttpVerticle.json(rc, 200, json(s)),
            () -> Problems.send(rc, 404, "Not Found", "box " + box.id() + " has no state yet"))).onFailure(rc::fail));
  }

  void listTelemetry(RoutingContext rc) {
    if (!mayRead(rc)) {
      return;
    }
    var q = HttpVerticle.validated(rc).getQuery();
    long before = HttpVerticle.longParam(q.get("before"), 0);
    int limit = (int) HttpVerticle.longParam(q.get("limit"), 50);
    withBox(rc, box -> pool.preparedQuery("SELECT id, type, source, region, ts, body FROM event_log "
            + "WHERE source = $1 AND type = 'box.telemetry' AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3")
        .execute(Tuple.of(box.id(), before, limit))
        .onSuccess(rows -> {
          JsonArray out = new JsonArray();
          for (Row r : rows) {
            out.add(new JsonObject().put("id", r.getLong("id")).put("type", r.getString("type"))
                .put("source", r.getString("source")).put("region", r.getString("region"))
                .put("at", r.getOffsetDateTime("ts").toInstant().toString()).put("body", r.getJsonObject("body")));
          }
          HttpVerticle.json(rc, 200, new JsonObject().put("telemetry", out));
        }).onFailure(rc::fail));
  }

  void sendCommand(RoutingContext rc) {
    if (!ApiAuth.allow(rc, p -> p.role().isStaff(), "command-centre staff")) {
      return;
    }
    Principal p = ApiAuth.principal(rc);
    JsonObject request = rc.body().asJsonObject();
    withBox(rc, box -> commands.submit(box.id(), request, p.id(), box.region())
        .compose(c -> audit.record(p, "box.command", "box:" + box.id(), ApiAuth.remote(rc),
            Map.of("commandId", c.commandId(), "action", request.getString("action"))).map(c))
        .onSuccess(c -> HttpVerticle.json(rc, 202, new JsonObject().put("commandId", c.commandId()).put("boxId", c.boxId())
            .put("status", c.status()).put("command", c.payload())))
        .onFailure(e -> {
          if (e instanceof IllegalArgumentException) {
            Problems.send(rc, 400, "Bad Request", e.getMessage());
          } else {
            rc.fail(e);
          }
        }));
  }

  /** Runs {@code then} with the path's box when it exists and the caller sees its region; else 404/403. */
  private void withBox(RoutingContext rc, java.util.function.Consumer<Box> then) {
    String id = rc.pathParam("boxId");
    Optional<Box> box = registry.box(id);
    if (box.isEmpty()) {
      Problems.send(rc, 404, "Not Found", "no box " + id + " is registered");
    } else if (!ApiAuth.principal(rc).seesRegion(box.get().region())) {
      Problems.send(rc, 403, "Forbidden", "box " + id + " is outside the regions of " + ApiAuth.principal(rc).id());
    } else {
      then.accept(box.get());
    }
  }

  /** The contract's {@code BoxStatus}; GraphQL's {@code Box} reads the same object. */
  public static JsonObject json(BoxState s) {
    JsonArray conditions = new JsonArray();
    s.conditions().stream().filter(c -> c != s.link())
        .forEach(c -> conditions.add(c.name().toLowerCase(Locale.ROOT).replace('_', '-')));
    JsonObject t = null;
    if (s.lastTelemetry() != null) {
      var lt = s.lastTelemetry();
      t = new JsonObject().put("at", lt.at().toString()).put("mainsPower", lt.mainsPower())
          .put("batteryPercent", lt.batteryPercent()).put("door", lt.doorOpen() ? "open" : "closed").put("tamper", lt.tamper());
    }
    return new JsonObject()
        .put("id", s.id())
        .put("region", s.region())
        .put("location", new JsonObject().put("lat", s.box().location().lat()).put("lon", s.box().location().lon()))
        .put("cameras", new JsonArray(s.box().cameraIds().stream().sorted().toList()))
        .put("link", s.link() == null ? null : s.link().name().toLowerCase(Locale.ROOT))
        .put("conditions", conditions)
        .put("connected", s.connected())
        .put("lastSeen", s.lastSeen() == null ? null : s.lastSeen().toString())
        .put("lastTelemetry", t)
        .put("lastPosition", s.lastPosition() == null ? null : new JsonObject().put("lat", s.lastPosition().position().lat())
            .put("lon", s.lastPosition().position().lon()))
        .put("batteryEmptyAt", s.battery() == null ? null : s.battery().emptyAt().toString())
        .put("camerasDown", new JsonArray(s.camerasDown().stream().toList()))
        .put("activeAlarms", new JsonObject(Map.copyOf(s.activeAlarms())));
  }
}
