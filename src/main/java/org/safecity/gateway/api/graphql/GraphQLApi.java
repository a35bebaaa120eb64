package org.safecity.gateway.api.graphql;

import graphql.GraphQL;
import graphql.execution.instrumentation.ChainedInstrumentation;
import graphql.execution.instrumentation.Instrumentation;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.EnumValuesProvider;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import io.vertx.core.Vertx;
import io.vertx.ext.web.handler.graphql.instrumentation.JsonObjectAdapter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.safecity.gateway.api.CameraStatus;
import org.safecity.gateway.api.PlateReads;
import org.safecity.gateway.api.WatchlistService;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.config.GatewayConfig.GraphQLConfig;
import org.safecity.gateway.core.IncidentStep;
import org.safecity.gateway.devices.DeviceRegistry;
import org.safecity.gateway.health.BoxHealthService;
import org.safecity.gateway.incidents.Incidents;
import org.safecity.gateway.store.EventLog;

/** The executable schema: {@code api-spec/schema.graphqls} wired to the fetchers, with authorization and limits. */
public final class GraphQLApi {
  public static final String RESOURCE = "api-spec/schema.graphqls";

  /** What the fetchers read and write: the REST routes' services. */
  public record Services(Incidents incidents, CameraStatus cameras, DeviceRegistry registry, BoxHealthService health,
                         EventLog eventLog, WatchlistService watchlist, Audit audit, PlateReads plates) {
  }

  private GraphQLApi() {
  }

  /** The schema text from the classpath (blocking: call off the event loops). */
  public static String schemaText() {
    try (InputStream in = GraphQLApi.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Builds the engine (parses and checks the schema: call off the event loops). */
  static GraphQL build(Vertx vertx, String sdl, Services s, GraphQLConfig config, AtomicInteger subscriptions) {
    ReadFetchers read = new ReadFetchers(s.incidents(), s.cameras(), s.registry(), s.health(), s.eventLog(), s.audit());
    WatchlistFetchers watchlist = new WatchlistFetchers(s.watchlist());
    PlateFetchers plates = new PlateFetchers(s.plates());
    WorkflowMutations write = new WorkflowMutations(s.incidents());
    LiveFeeds live = new LiveFeeds(vertx, s.incidents(), subscriptions);
    RuntimeWiring wiring = RuntimeWiring.newRuntimeWiring()
        .strictMode()
        .scalar(Scalars.DATE_TIME).scalar(Scalars.LONG).scalar(Scalars.JSON)
        .type("Query", t -> t
            .dataFetcher("alarms", read::alarmList)
            .dataFetcher("box", read::box)
            .dataFetcher("boxes", read::boxList)
            .dataFetcher("camera", read::camera)
            .dataFetcher("cameras", read::cameraList)
            .dataFetcher("echallan", plates::echallan)
            .dataFetcher("echallans", plates::echallans)
            .dataFetcher("events", read::events)
            .dataFetcher("hotlist", plates::hotlist)
            .dataFetcher("hotlistPlate", plates::hotlistPlate)
            .dataFetcher("incident", read::incident)
            .dataFetcher("incidents", read::incidentList)
            .dataFetcher("proposal", read::proposal)
            .dataFetcher("units", read::unitList)
            .dataFetcher("watchlistHits", watchlist::hits)
            .dataFetcher("watchlistPerson", watchlist::person)
            .dataFetcher("watchlistPersons", watchlist::persons))
        .type("Mutation", t -> t
            .dataFetcher("reportUnitPosition", write::reportUnitPosition)
            .dataFetcher("setUnitStatus", write::setUnitStatus)
            .dataFetcher("takeIncidentStep", write::takeIncidentStep))
        .type("Subscription", t -> t
            .dataFetcher("alarms", live::alarms)
            .dataFetcher("incidentChanges", live::incidentChanges))
        .type("Alarm", t -> t.dataFetcher("incident", read::alarmIncident))
        .type("Box", t -> t
            .dataFetcher("activeAlarms", read::boxActiveAlarms)
            .dataFetcher("cameraIds", read::boxCameraIds)
            .dataFetcher("cameras", read::boxCameras))
        .type("Camera", t -> t.dataFetcher("box", read::cameraBox).dataFetcher("boxId", read::cameraBoxId))
        .type("Incident", t -> t.dataFetcher("box", read::incidentBox).dataFetcher("steps", read::incidentSteps))
        .type("IncidentChange", t -> t.dataFetcher("incident", live::changedIncident))
        // Enum values are the REST wire names (on-scene, off-duty, ...), so REST objects serve as they are.
        .type("AlarmEventType", t -> t.enumValues(WIRE))
        .type("BoxLink", t -> t.enumValues(WIRE))
        .type("CameraHealth", t -> t.enumValues(WIRE))
        .type("DutyStatus", t -> t.enumValues(WIRE))
        .type("IncidentState", t -> t.enumValues(WIRE))
        .type("UnitStatus", t -> t.enumValues(WIRE))
        .type("HotlistReason", t -> t.enumValues(WIRE))
        .type("EchallanStatus", t -> t.enumValues(WIRE))
        .type("WorkflowStep", t -> t.enumValues(WIRE))
        .type("IncidentStep", t -> t.enumValues(IncidentStep::valueOf))
        .build();
    GraphQLSchema schema = new SchemaGenerator().makeExecutableSchema(new SchemaParser().parse(sdl), wiring);
    List<Instrumentation> instrumentations = new ArrayList<>();
    // JsonObjectAdapter first: it recognises the plain property fetchers that Access then wraps.
    instrumentations.add(new JsonObjectAdapter());
    instrumentations.add(new Access());
    instrumentations.addAll(QueryLimits.of(config));
    return GraphQL.newGraphQL(schema)
        .instrumentation(new ChainedInstrumentation(instrumentations))
        .defaultDataFetcherExceptionHandler(new Errors())
        .build();
  }

  /** ON_SCENE ↔ on-scene. */
  private static final EnumValuesProvider WIRE = name -> name.toLowerCase(Locale.ROOT).replace('_', '-');
}
