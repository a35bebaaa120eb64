package org.safecity.gateway.api.graphql;

import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Publisher;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.health.BoxHealthService;
import org.safecity.gateway.incidents.Incidents;

/**
 * The subscriptions: events from the event bus (published only after they are committed), filtered per subscriber
 * with the rules REST applies to the same data (alarms by region; incidents by {@link Incidents#visible}).
 */
final class LiveFeeds {
  /** Events a subscriber may fall behind by before its subscription ends. */
  static final int MAX_QUEUED = 1000;
  private static final String INCIDENT = "incident.";
  private static final Set<String> STEPS = Set.of("create", "acknowledge", "dispatch", "on-scene", "close");

  private final Vertx vertx;
  private final Incidents incidents;
  private final AtomicInteger active;

  LiveFeeds(Vertx vertx, Incidents incidents, AtomicInteger active) {
    this.vertx = vertx;
    this.incidents = incidents;
    this.active = active;
  }

  Publisher<Object> alarms(DataFetchingEnvironment env) {
    Principal p = Caller.principal(env);
    String region = region(env.getArgument("region"), p);
    return new EventFeed(vertx, e -> (e.type().equals(BoxHealthService.ALARM_RAISED) || e.type().equals(BoxHealthService.ALARM_CLEARED))
        && p.seesRegion(e.region()) && (region == null || region.equals(e.region())), LiveFeeds::alarmEvent, MAX_QUEUED, active);
  }

  Publisher<Object> incidentChanges(DataFetchingEnvironment env) {
    Principal p = Caller.principal(env);
    String region = region(env.getArgument("region"), p);
    return new EventFeed(vertx, e -> step(e) != null && Incidents.visible(p, e.region(), string(e, "unit"))
        && (region == null || region.equals(e.region())), LiveFeeds::incidentChange, MAX_QUEUED, active);
  }

  /** IncidentChange.incident: the incident now, read with the subscriber's rights. */
  CompletionStage<JsonObject> changedIncident(DataFetchingEnvironment env) {
    return incidents.get(Caller.principal(env), ReadFetchers.source(env).getLong("incidentId")).toCompletionStage();
  }

  /** A region the subscriber asked for must be one of its own: asking is not a way around the region rule. */
  private static String region(String region, Principal p) {
    if (region != null && !p.seesRegion(region)) {
      throw new Incidents.Refused(403, "region " + region + " is outside the regions of " + p.id());
    }
    return region;
  }

  static JsonObject alarmEvent(LoggedEvent e) {
    JsonObject b = new JsonObject(e.body());
    return new JsonObject().put("eventId", e.id())
        .put("type", e.type().equals(BoxHealthService.ALARM_RAISED) ? "raised" : "cleared")
        .put("key", b.getString("key")).put("kind", b.getString("kind")).put("severity", b.getString("severity"))
        .put("summary", b.getString("summary")).put("details", b.getValue("details")).put("reason", b.getString("reason"))
        .put("source", e.source()).put("region", e.region()).put("at", e.at().toString());
  }

  static JsonObject incidentChange(LoggedEvent e) {
    JsonObject b = new JsonObject(e.body());
    String step = step(e);
    return new JsonObject().put("eventId", e.id()).put("step", step)
        .put("incidentId", ((Number) b.getValue("incident")).longValue()).put("state", b.getString("state"))
        .put("by", b.getString("by", step.equals("create") ? "gateway" : null)).put("unit", b.getString("unit"))
        .put("note", b.getString("note")).put("title", b.getString("title"))
        .put("region", e.region()).put("at", e.at().toString());
  }

  /** The workflow step an incident event records ({@code incident.created} is {@code create}), or null for other events. */
  static String step(LoggedEvent e) {
    if (!e.type().startsWith(INCIDENT) || !(e.body().get("incident") instanceof Number)) {
      return null;
    }
    String step = e.type().substring(INCIDENT.length());
    step = step.equals("created") ? "create" : step;
    return STEPS.contains(step) ? step : null;
  }

  private static String string(LoggedEvent e, String key) {
    return e.body().get(key) instanceof String s ? s : null;
  }
}
