package org.safecity.gateway.demo;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crew of one ERV unit, with the phone app a crew would have: logged in as its {@code erv-crew} account, it
 * drives its patrol route and reports the vehicle's position through the REST API every few seconds. When the
 * command centre dispatches it to an incident, it drives there, reports itself on scene, waits until the incident
 * is closed and goes back to its patrol.
 */
final class ErvCrew extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ErvCrew.class);
  static final long REPORT_EVERY_MS = 3_000;
  /** About 45 km/h through town. */
  static final double PATROL_METERS_PER_SECOND = 12.5;
  /** Demo time on the way to an incident: the crew is there within this long of its dispatch, however far. */
  static final double BLUE_LIGHT_SECONDS = 24;
  static final double BLUE_LIGHT_MIN_METERS_PER_SECOND = 20;
  static final double ARRIVED_METERS = 25;

  private final CityPlan.UnitPlan plan;
  private final DemoApi api;
  private double lat;
  private double lon;
  private int nextWaypoint = 1;
  private Long incident;
  private double[] incidentAt;
  private boolean onScene;
  private double blueLightSpeed;
  private boolean busy;
  private long timer = -1;
  private boolean warned;

  ErvCrew(CityPlan.UnitPlan plan, DemoApi api) {
    this.plan = plan;
    this.api = api;
    this.lat = plan.route().get(0)[0];
    this.lon = plan.route().get(0)[1];
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(REPORT_EVERY_MS, t -> tick());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return api.close();
  }

  /** One report period: check for a dispatch, move, report where the vehicle is. */
  private void tick() {
    if (busy) {
      return; // the last round's calls are still out (a slow gateway): skip rather than pile up
    }
    busy = true;
    checkDispatch()
        .compose(v -> {
          move(REPORT_EVERY_MS / 1000.0);
          return api.post("/api/v1/units/" + plan.id() + "/position", new JsonObject()
              .put("lat", CityPlan.round6(lat)).put("lon", CityPlan.round6(lon)));
        })
        .compose(r -> r.ok() ? Future.<Void>succeededFuture() : Future.failedFuture(new DemoApi.Refused("position", r)))
        .onComplete(ar -> {
          busy = false;
          if (ar.failed() && !warned) {
            warned = true;
            LOG.warn("demo crew {}: {}", plan.crew(), ar.cause().getMessage());
          } else if (ar.succeeded()) {
            warned = false;
          }
        });
  }

  /** Looks for an incident dispatched to this unit, or whether the current one is closed. */
  private Future<Void> checkDispatch() {
    if (incident != null) {
      return api.get("/api/v1/incidents/" + incident).map(r -> {
        String state = r.ok() ? r.json().getString("state") : "closed";
        if ("closed".equals(state)) {
          LOG.info("demo crew {}: incident {} closed, back on patrol", plan.crew(), incident);
          incident = null;
          incidentAt = null;
          onScene = false;
        }
        return null;
      });
    }
    return api.get("/api/v1/incidents?state=dispatched&limit=50").map(r -> {
      if (!r.ok()) {
        return null;
      }
      JsonArray list = r.json().getJsonArray("incidents", new JsonArray());
      for (int i = 0; i < list.size(); i++) {
        JsonObject inc = list.getJsonObject(i);
        if (plan.id().equals(inc.getString("unit"))) {
          incident = inc.getLong("id");
          JsonObject at = inc.getJsonObject("location");
          incidentAt = at == null ? new double[] {lat, lon} : new double[] {at.getDouble("lat"), at.getDouble("lon")};
          blueLightSpeed = Math.max(BLUE_LIGHT_MIN_METERS_PER_SECOND,
              CityPlan.meters(lat, lon, incidentAt[0], incidentAt[1]) / BLUE_LIGHT_SECONDS);
          LOG.info("demo crew {}: dispatched to incident {} ({}), on the way", plan.crew(), incident, inc.getString("title"));
          break;
        }
      }
      return null;
    });
  }

  private void move(double seconds) {
    if (incidentAt != null) {
      if (!onScene && driveTowards(incidentAt, blueLightSpeed * seconds)) {
        onScene = true;
        long id = incident;
        api.post("/api/v1/incidents/" + id + "/steps", new JsonObject().put("step", "on-scene")).onComplete(ar -> {
          if (ar.succeeded() && ar.result().ok()) {
            LOG.info("demo crew {}: on scene at incident {}", plan.crew(), id);
          } else {
            LOG.info("demo crew {}: on-scene report for incident {} not taken: {}", plan.crew(), id,
                ar.succeeded() ? ar.result().body() : ar.cause().getMessage());
          }
        });
      }
      return;
    }
    double budget = PATROL_METERS_PER_SECOND * seconds;
    List<double[]> route = plan.route();
    while (budget > 0) {
      double[] target = route.get(nextWaypoint);
      double d = CityPlan.meters(lat, lon, target[0], target[1]);
      if (driveTowards(target, budget)) {
        budget -= d;
        nextWaypoint = (nextWaypoint + 1) % route.size();
      } else {
        budget = 0;
      }
    }
  }

  /** Moves up to {@code meters} straight towards {@code target}; true once there. */
  private boolean driveTowards(double[] target, double meters) {
    double d = CityPlan.meters(lat, lon, target[0], target[1]);
    if (d <= Math.max(meters, ARRIVED_METERS)) {
      lat = target[0];
      lon = target[1];
      return true;
    }
    double f = meters / d;
    lat += (target[0] - lat) * f;
    lon += (target[1] - lon) * f;
    return false;
  }
}
