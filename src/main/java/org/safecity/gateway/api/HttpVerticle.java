package org.safecity.gateway.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.RequestParameter;
import org.safecity.gateway.api.sse.EventStreams;
import org.safecity.gateway.api.sse.StreamSlots;
import org.safecity.gateway.auth.Accounts;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Tokens;
import org.safecity.gateway.api.graphql.GraphQLApi;
import org.safecity.gateway.api.graphql.GraphQLRoutes;
import org.safecity.gateway.config.GatewayConfig.GraphQLConfig;
import org.safecity.gateway.config.GatewayConfig.HttpConfig;
import org.safecity.gateway.devices.DeviceRegistry;
import org.safecity.gateway.health.BoxHealthService;
import org.safecity.gateway.incidents.Incidents;
import org.safecity.gateway.mqtt.BoxCommands;
import io.vertx.sqlclient.Pool;
import org.safecity.gateway.config.GatewayConfig.SseConfig;
import org.safecity.gateway.ops.Readiness;
import org.safecity.gateway.ops.Listening;
import org.safecity.gateway.store.EventLog;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The HTTP server: routes come from the OpenAPI contract; handlers are bound by operationId; GraphQL at /graphql. */
public final class HttpVerticle extends VerticleBase {
  private final HttpConfig config;
  private final Contract contract;
  private final EventLog eventLog;
  private final Readiness readiness;
  private final PrometheusMeterRegistry metrics;
  private final CameraStatus cameras;
  private final ApiAuth auth;
  private final AuthRoutes authRoutes;
  private final IncidentRoutes incidentRoutes;
  private final BoxRoutes boxRoutes;
  private final PlateRoutes plateRoutes;
  private final EventStreams eventStreams;
  private final Audit audit;
  private final Tokens tokens;
  private final GraphQLConfig graphqlConfig;
  private final GraphQLApi.Services graphqlServices;
  private final GraphQLRoutes.Subscriptions subscriptions;
  private final WatchlistRoutes.Deps watchlistDeps;
  private final WatchlistService watchlist;
  private HttpServer server;

  /** What the HTTP edge serves. */
  public record Services(HttpConfig config, Contract contract, EventLog eventLog, Readiness readiness,
                         PrometheusMeterRegistry metrics, CameraStatus cameras, Accounts accounts, Tokens tokens,
                         Audit audit, RateLimiter limiter, Incidents incidents, BoxRoutesDeps boxes, SseConfig sse,
                         StreamSlots streamSlots, GraphQLConfig graphql, GraphQLRoutes.Subscriptions subscriptions,
                         PlateRoutes.Deps plates, WatchlistRoutes.Deps watchlist) {
  }

  /** What the box routes read and write. */
  public record BoxRoutesDeps(DeviceRegistry registry, BoxHealthService health, BoxCommands commands, Pool pool) {
  }

  public HttpVerticle(Services s) {
    this.config = s.config();
    this.contract = s.contract();
    this.eventLog = s.eventLog();
    this.readiness = s.readiness();
    this.metrics = s.metrics();
    this.cameras = s.cameras();
    this.auth = new ApiAuth(s.tokens(), s.limiter(), s.config().trustedProxies());
    this.authRoutes = new AuthRoutes(s.accounts(), s.tokens(), s.audit());
    this.incidentRoutes = new IncidentRoutes(s.incidents());
    this.boxRoutes = new BoxRoutes(s.boxes().registry(), s.boxes().health(), s.boxes().commands(), s.boxes().pool(), s.audit());
    PlateReads plateReads = new PlateReads(s.plates().hotlist(), s.plates().echallans(), s.plates().audit());
    this.plateRoutes = new PlateRoutes(s.plates(), plateReads);
    this.audit = s.audit();
    this.eventStreams = new EventStreams(s.eventLog(), s.sse(), s.streamSlots(), s.metrics(), s.audit());
    this.tokens = s.tokens();
    this.graphqlConfig = s.graphql();
    this.subscriptions = s.subscriptions();
    this.watchlistDeps = s.watchlist();
    this.watchlist = new WatchlistService(s.watchlist().watchlist(), s.watchlist().pool(), s.audit());
    this.graphqlServices = new GraphQLApi.Services(s.incidents(), s.cameras(), s.boxes().registry(), s.boxes().health(),
        s.eventLog(), watchlist, s.audit(), plateReads);
  }

  @Override
  public Future<?> start() {
    // BodyHandler reads the body first (bounded by http.maxBodyBytes), so validation must take it from there; bodies
    // with photos are left paused for their handlers to read after authentication (PhotoUploads).
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(config.maxBodyBytes());
    RouterBuilder builder = RouterBuilder.create(vertx, contract.openApi(), RequestExtractor.withBodyHandler())
        .rootHandler(rc -> {
          if (PhotoUploads.pauses(rc, contract.openApi())) {
            rc.next();
          } else {
            bodies.handle(rc);
          }
        })
        .rootHandler(auth::handle);
    // ApiAuth (a root handler) enforces the contract's security itself, before request validation and with
    // precise problem details; the router's own security handlers would need vertx-web's JWT handler instead.
    builder.getRoutes().forEach(r -> r.setDoSecurity(false));
    auth.publicPaths(builder.getRoutes().stream()
        .filter(r -> r.getOperation().getSecurityRequirements().isEmpty())
        .map(r -> r.getOperation().getOpenAPIPath()).collect(java.util.stream.Collectors.toSet()));
    builder.getRoute("issueToken").addHandler(authRoutes::issueToken);
    builder.getRoute("listAccounts").addHandler(authRoutes::listAccounts);
    builder.getRoute("createAccount").addHandler(authRoutes::createAccount);
    builder.getRoute("listAudit").addHandler(authRoutes::listAudit);
    builder.getRoute("listBoxes").addHandler(boxRoutes::listBoxes);
    builder.getRoute("getBox").addHandler(boxRoutes::getBox);
    builder.getRoute("listBoxTelemetry").addHandler(boxRoutes::listTelemetry);
    builder.getRoute("sendBoxCommand").addHandler(boxRoutes::sendCommand);
    builder.getRoute("listAlarms").addHandler(incidentRoutes::listAlarms);
    builder.getRoute("listIncidents").addHandler(incidentRoutes::listIncidents);
    builder.getRoute("getIncident").addHandler(incidentRoutes::getIncident);
    builder.getRoute("takeIncidentStep").addHandler(incidentRoutes::takeStep);
    builder.getRoute("proposeUnit").addHandler(incidentRoutes::propose);
    builder.getRoute("listUnits").addHandler(incidentRoutes::listUnits);
    builder.getRoute("createUnit").addHandler(incidentRoutes::createUnit);
    builder.getRoute("reportUnitPosition").addHandler(incidentRoutes::reportPosition);
    builder.getRoute("setUnitStatus").addHandler(incidentRoutes::setStatus);
    builder.getRoute("listHotlist").addHandler(plateRoutes::listHotlist);
    builder.getRoute("addHotlistPlate").addHandler(plateRoutes::addHotlistPlate);
    builder.getRoute("getHotlistPlate").addHandler(plateRoutes::getHotlistPlate);
    builder.getRoute("removeHotlistPlate").addHandler(plateRoutes::removeHotlistPlate);
    builder.getRoute("listEchallans").addHandler(plateRoutes::listEchallans);
    builder.getRoute("getEchallan").addHandler(plateRoutes::getEchallan);
    builder.getRoute("setEchallanStatus").addHandler(plateRoutes::setEchallanStatus);
    builder.getRoute("getSnapshot").addHandler(plateRoutes::getSnapshot);
    new WatchlistRoutes(vertx, contract.openApi(), watchlistDeps, watchlist).mount(builder);
    builder.getRoute("listEvents").addHandler(this::listEvents);
    builder.getRoute("streamEvents").addHandler(eventStreams::handle);
    builder.getRoute("listCameras").addHandler(rc -> {
      if (!ApiAuth.allow(rc, p -> p.mayRead(Principal.CAMERAS_READ), "scope " + Principal.CAMERAS_READ)) {
        return;
      }
      Principal p = ApiAuth.principal(rc);
      cameras.all().onSuccess(list -> {
        JsonArray seen = new JsonArray();
        list.forEach(c -> {
          if (p.seesRegion(((JsonObject) c).getString("region"))) {
            seen.add(c);
          }
        });
        json(rc, 200, new JsonObject().put("cameras", seen));
      }).onFailure(rc::fail);
    });
    builder.getRoute("getCamera").addHandler(rc -> {
      if (!ApiAuth.allow(rc, p -> p.mayRead(Principal.CAMERAS_READ), "scope " + Principal.CAMERAS_READ)) {
        return;
      }
      Principal p = ApiAuth.principal(rc);
      String id = rc.pathParam("cameraId");
      cameras.one(id).onSuccess(c -> {
        if (c.isPresent() && !p.seesRegion(c.get().getString("region"))) {
          Problems.send(rc, 403, "Forbidden", "camera " + id + " is outside the regions of " + p.id());
        } else if (c.isPresent()) {
          json(rc, 200, c.get());
        } else {
          Problems.send(rc, 404, "Not Found", "no camera " + id + " is registered");
        }
      }).onFailure(rc::fail);
    });
    builder.getRoute("getOpenApi").addHandler(rc ->
        rc.response().putHeader("Content-Type", "application/yaml").end(contract.text()));
    builder.getRoute("getLive").addHandler(rc -> json(rc, 200, new JsonObject().put("status", "UP")
        .put("checks", new JsonObject())));
    builder.getRoute("getReady").addHandler(rc -> readiness.evaluate()
        .onSuccess(r -> json(rc, "UP".equals(r.getString("status")) ? 200 : 503, r))
        .onFailure(rc::fail));
    builder.getRoute("getMetrics").addHandler(PrometheusScrapingHandler.create(metrics));

    Router router = builder.createRouter();
    Console.mount(router);
    router.route().failureHandler(Problems::onFailure);
    router.errorHandler(404, rc -> Problems.send(rc, 404, "Not Found", "no such resource: " + rc.request().path()));
    router.errorHandler(405, rc -> Problems.send(rc, 405, "Method Not Allowed",
        rc.request().method() + " is not allowed on " + rc.request().path()));

    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(config.host())
        .setPort(config.port())
        .setMaxHeaderSize(16 * 1024)
        .setMaxInitialLineLength(8 * 1024)
        .setCompressionSupported(true)
        // GraphQL subscriptions: clients ask for this subprotocol and drop a socket that does not confirm it.
        .addWebSocketSubProtocol("graphql-transport-ws"));
    // GraphQL at /graphql (its engine is built off the event loop), on the same router: same auth, limits and errors.
    return GraphQLRoutes.mount(vertx, router, tokens, graphqlServices, graphqlConfig, subscriptions,
            config.trustedProxies())
        .compose(v -> eventStreams.start(vertx))
        .compose(v -> server.requestHandler(router).listen()
            .recover(e -> Future.failedFuture(Listening.describe("HTTP", "http.port", config.port(), e))));
  }

  private void listEvents(RoutingContext rc) {
    if (!ApiAuth.allow(rc, p -> p.mayRead(Principal.EVENTS_READ), "scope " + Principal.EVENTS_READ)) {
      return;
    }
    Principal p = ApiAuth.principal(rc);
    ValidatedRequest req = validated(rc);
    long after = longParam(req.getQuery().get("after"), 0);
    int limit = (int) longParam(req.getQuery().get("limit"), 100);
    EventPages.page(eventLog, audit, p, ApiAuth.remote(rc), "rest", after, limit).onSuccess(page -> json(rc, 200, page))
        .onFailure(e -> Problems.send(rc, 503, "Service Unavailable", "event log unavailable: " + e.getMessage()));
  }

  static ValidatedRequest validated(RoutingContext rc) {
    return rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
  }

  static long longParam(RequestParameter p, long def) {
    return p == null || p.isNull() ? def : p.getLong();
  }

  static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  /** Closes the listening socket: no new requests; used first on shutdown. */
  @Override
  public Future<?> stop() {
    return eventStreams.stop().compose(v -> server == null ? Future.succeededFuture() : server.close());
  }
}
