package org.safecity.gateway.api.graphql;

import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.safecity.gateway.api.BoxRoutes;
import org.safecity.gateway.api.CameraStatus;
import org.safecity.gateway.api.EventPages;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.api.IncidentRoutes;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.core.BoxState;
import org.safecity.gateway.devices.CameraEntry;
import org.safecity.gateway.devices.DeviceRegistry;
import org.safecity.gateway.health.BoxHealthService;
import org.safecity.gateway.incidents.Incidents;
import org.safecity.gateway.store.EventLog;

/**
 * The queries and the fields that lead from one resource to another. Each calls the service its REST route calls
 * and keeps the route's region rule and refusals (403/404 become FORBIDDEN/NOT_FOUND errors); scopes and roles
 * are {@link Access}'s. Objects are the REST JSON objects, so the two APIs cannot drift apart field by field.
 */
final class ReadFetchers {
  private final Incidents incidents;
  private final CameraStatus cameras;
  private final DeviceRegistry registry;
  private final BoxHealthService health;
  private final EventLog eventLog;
  private final Audit audit;

  ReadFetchers(Incidents incidents, CameraStatus cameras, DeviceRegistry registry, BoxHealthService health,
      EventLog eventLog, Audit audit) {
    this.audit = audit;
    this.incidents = incidents;
    this.cameras = cameras;
    this.registry = registry;
    this.health = health;
    this.eventLog = eventLog;
  }

  // ---- cameras and boxes -------------------------------------------------------------------------------

  CompletionStage<JsonArray> cameraList(DataFetchingEnvironment env) {
    return camerasWhere(Caller.principal(env), c -> true);
  }

  CompletionStage<JsonObject> camera(DataFetchingEnvironment env) {
    Principal p = Caller.principal(env);
    String id = env.getArgument("id");
    return cameras.one(id).compose(c -> {
      if (c.isEmpty()) {
        return Future.<JsonObject>failedFuture(new Incidents.Refused(404, "no camera " + id + " is registered"));
      }
      if (!p.seesRegion(c.get().getString("region"))) {
        return Future.<JsonObject>failedFuture(new Incidents.Refused(403, "camera " + id + " is outside the regions of " + p.id()));
      }
      return Future.succeededFuture(c.get());
    }).toCompletionStage();
  }

  CompletionStage<JsonArray> boxList(DataFetchingEnvironment env) {
    Principal p = Caller.principal(env);
    return health.snapshots().map(states -> {
      JsonArray out = new JsonArray();
      states.stream().filter(s -> p.seesRegion(s.region())).sorted(Comparator.comparing(BoxState::id))
          .forEach(s -> out.add(BoxRoutes.json(s)));
      return out;
    }).toCompletionStage();
  }

  CompletionStage<JsonObject> box(DataFetchingEnvironment env) {
    return box(Caller.principal(env), env.getArgument("id")).toCompletionStage();
  }

  /** Camera.box: the box that powers it. */
  CompletionStage<JsonObject> cameraBox(DataFetchingEnvironment env) {
    return box(Caller.principal(env), source(env).getString("box")).toCompletionStage();
  }

  String cameraBoxId(DataFetchingEnvironment env) {
    return source(env).getString("box");
  }

  /** Box.cameras: its cameras, as the caller may see them. */
  CompletionStage<JsonArray> boxCameras(DataFetchingEnvironment env) {
    String boxId = source(env).getString("id");
    return camerasWhere(Caller.principal(env), c -> boxId.equals(c.getString("box")));
  }

  JsonArray boxCameraIds(DataFetchingEnvironment env) {
    return source(env).getJsonArray("cameras");
  }

  JsonArray boxActiveAlarms(DataFetchingEnvironment env) {
    JsonArray out = new JsonArray();
    source(env).getJsonObject("activeAlarms", new JsonObject())
        .forEach(e -> out.add(new JsonObject().put("key", e.getKey()).put("kind", e.getValue())));
    return out;
  }

  /** Incident.box: the box it is at (its source, or its source camera's box); null when it is at none. */
  Object incidentBox(DataFetchingEnvironment env) {
    String source = source(env).getString("source");
    Optional<String> boxId = registry.box(source).map(b -> b.id())
        .or(() -> registry.camera(source).map(CameraEntry::boxId));
    return boxId.<Object>map(id -> box(Caller.principal(env), id).toCompletionStage()).orElse(null);
  }

  private CompletionStage<JsonArray> camerasWhere(Principal p, java.util.function.Predicate<JsonObject> which) {
    return cameras.all().map(list -> {
      JsonArray seen = new JsonArray();
      list.forEach(c -> {
        JsonObject camera = (JsonObject) c;
        if (p.seesRegion(camera.getString("region")) && which.test(camera)) {
          seen.add(camera);
        }
      });
      return seen;
    }).toCompletionStage();
  }

  /** One box's live state, with the REST route's refusals. */
  private Future<JsonObject> box(Principal p, String id) {
    var entry = registry.box(id);
    if (entry.isEmpty()) {
      return Future.failedFuture(new Incidents.Refused(404, "no box " + id + " is registered"));
    }
    if (!p.seesRegion(entry.get().region())) {
      return Future.failedFuture(new Incidents.Refused(403, "box " + id + " is outside the regions of " + p.id()));
    }
    return health.snapshots().compose(states -> states.stream().filter(s -> s.id().equals(id)).findFirst()
        .map(s -> Future.succeededFuture(BoxRoutes.json(s)))
        .orElseGet(() -> Future.failedFuture(new Incidents.Refused(404, "box " + id + " has no state yet"))));
  }

  // ---- alarms, incidents, units ------------------------------------------------------------------------

  CompletionStage<JsonArray> alarmList(DataFetchingEnvironment env) {
    Boolean active = env.getArgument("active");
    return incidents.alarms(Caller.principal(env), Boolean.TRUE.equals(active), Args.cursor(env, "before"),
        Args.limit(env, 500)).toCompletionStage();
  }

  /** Alarm.incident: with the incident's own visibility rule. */
  CompletionStage<JsonObject> alarmIncident(DataFetchingEnvironment env) {
    Long id = source(env).getLong("incidentId");
    return id == null ? null : incidents.get(Caller.principal(env), id).toCompletionStage();
  }

  CompletionStage<JsonArray> incidentList(DataFetchingEnvironment env) {
    return incidents.list(Caller.principal(env), Optional.ofNullable(env.getArgument("state")), Args.cursor(env, "before"),
        Args.limit(env, 500)).toCompletionStage();
  }

  CompletionStage<JsonObject> incident(DataFetchingEnvironment env) {
    return incidents.get(Caller.principal(env), Args.id(env, "id")).toCompletionStage();
  }

  /** Incident.steps: present when the incident was read alone (or after a step); else read now. */
  Object incidentSteps(DataFetchingEnvironment env) {
    JsonObject incident = source(env);
    if (incident.containsKey("steps")) {
      return incident.getJsonArray("steps");
    }
    return incidents.get(Caller.principal(env), incident.getLong("id")).map(i -> i.getJsonArray("steps")).toCompletionStage();
  }

  CompletionStage<JsonObject> proposal(DataFetchingEnvironment env) {
    return incidents.proposal(Caller.principal(env), Args.id(env, "incidentId")).map(p -> p
        .map(x -> new JsonObject().put("unit", IncidentRoutes.unit(x.unit())).put("meters", Math.round(x.meters())))
        .orElse(new JsonObject().putNull("unit").putNull("meters"))).toCompletionStage();
  }

  CompletionStage<JsonArray> unitList(DataFetchingEnvironment env) {
    Principal p = Caller.principal(env);
    return incidents.units().map(list -> {
      JsonArray out = new JsonArray();
      list.stream().filter(u -> p.seesRegion(u.region())).forEach(u -> out.add(IncidentRoutes.unit(u)));
      return out;
    }).toCompletionStage();
  }

  // ---- events ------------------------------------------------------------------------------------------

  CompletionStage<JsonObject> events(DataFetchingEnvironment env) {
    Caller c = Caller.of(env);
    return EventPages.page(eventLog, audit, c.principal(), c.remote(), "graphql", Args.cursor(env, "after"),
            Args.limit(env, 1000))
        .recover(e -> Future.failedFuture(new Incidents.Refused(503, "event log unavailable: " + e.getMessage())))
        .toCompletionStage();
  }

  static JsonObject source(DataFetchingEnvironment env) {
    return env.getSource();
  }
}
