package org.safecity.gateway.api.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.schema.GraphQLEnumType;
import graphql.schema.GraphQLEnumValueDefinition;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLSchema;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.config.GatewayConfig.GraphQLConfig;
import org.safecity.gateway.core.CameraWatch;
import org.safecity.gateway.core.IncidentState;
import org.safecity.gateway.core.IncidentStep;

/**
 * The shipped schema against the code: it builds with the wiring, its enums are the domain's, its directives give
 * each field the REST rule, and its cost model counts what it says. No fetcher runs here: every operation below is
 * refused by a limit before execution, which is the point.
 */
class GraphQLSchemaTest {
  static final Principal OPERATOR = new Principal("op", Role.OPERATOR, Optional.empty(), Set.of(), Set.of());
  static final Principal CREW = new Principal("crew", Role.ERV_CREW, Optional.of("erv-1"), Set.of("south"), Set.of());
  static final Principal AGENCY_ALARMS = new Principal("ag", Role.AGENCY, Optional.empty(), Set.of("east"), Set.of("alarms:read"));

  static GraphQL engine(int maxDepth, int maxComplexity) {
    return GraphQLApi.build(null, GraphQLApi.schemaText(), new GraphQLApi.Services(null, null, null, null, null, null, null, null),
        new GraphQLConfig(maxDepth, maxComplexity), new AtomicInteger());
  }

  static final GraphQLSchema SCHEMA = engine(8, 5000).getGraphQLSchema();

  @Test
  void enumsAreTheDomainsValues() {
    assertThat(wire("IncidentState")).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(IncidentState.values()).map(IncidentState::wire).toList());
    assertThat(names("IncidentStep")).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(IncidentStep.values()).map(Enum::name).toList());
    assertThat(wire("WorkflowStep")).containsExactlyInAnyOrderElementsOf(
        List.of("create", "acknowledge", "dispatch", "on-scene", "close"));
    assertThat(names("Role")).containsExactlyInAnyOrderElementsOf(Arrays.stream(Role.values()).map(Enum::name).toList());
    assertThat(wire("CameraHealth")).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(CameraWatch.State.values()).map(s -> s.name().toLowerCase()).toList());
    // The contract's Unit.status and setUnitStatus values.
    assertThat(wire("UnitStatus")).containsExactlyInAnyOrder("available", "dispatched", "on-scene", "off-duty");
    assertThat(wire("DutyStatus")).containsExactlyInAnyOrder("available", "off-duty");
  }

  @Test
  void everyFieldReachingAGuardedTypeCarriesItsScope() {
    assertThat(rule("Query", "boxes").scopes()).containsExactly("cameras:read");
    assertThat(rule("Incident", "box").scopes()).as("a nested path needs the same scope").containsExactly("cameras:read");
    assertThat(rule("Camera", "box").scopes()).containsExactly("cameras:read");
    assertThat(rule("Alarm", "incident").scopes()).containsExactly("alarms:read");
    assertThat(rule("Subscription", "incidentChanges").scopes()).containsExactly("alarms:read");
    assertThat(rule("Query", "events").scopes()).containsExactly("events:read");
    assertThat(rule("Query", "proposal").roles()).containsExactlyInAnyOrder(Role.ADMIN, Role.OPERATOR, Role.SUPERVISOR);
    assertThat(rule("Alarm", "details")).as("inside an object already allowed").isSameAs(Access.Rule.NONE);
    for (GraphQLObjectType type : SCHEMA.getAllTypesAsList().stream().filter(t -> t instanceof GraphQLObjectType)
        .map(t -> (GraphQLObjectType) t).filter(t -> !t.getName().startsWith("__")).toList()) {
      for (GraphQLFieldDefinition f : type.getFieldDefinitions()) {
        if (graphql.schema.GraphQLTypeUtil.unwrapAll(f.getType()) instanceof GraphQLObjectType target
            && !target.getAppliedDirectives("scope").isEmpty()) {
          assertThat(Access.rule(f).scopes()).as(type.getName() + "." + f.getName())
              .contains((String) target.getAppliedDirective("scope").getArgument("name").getValue());
        }
      }
    }
  }

  @Test
  void rulesGrantWhatRestGrants() {
    assertThat(rule("Query", "boxes").refusal(CREW)).isEmpty();
    assertThat(rule("Query", "boxes").refusal(AGENCY_ALARMS)).contains("agency ag may not read Box (boxes): needs scope cameras:read");
    assertThat(rule("Incident", "box").refusal(AGENCY_ALARMS)).isPresent();
    assertThat(rule("Query", "incidents").refusal(AGENCY_ALARMS)).isEmpty();
    assertThat(rule("Query", "proposal").refusal(OPERATOR)).isEmpty();
    assertThat(rule("Query", "proposal").refusal(CREW)).contains("erv-crew crew may not use proposal: only [admin, operator, supervisor]");
    assertThat(rule("Query", "units").refusal(CREW)).isEmpty();
    assertThat(rule("Query", "units").refusal(AGENCY_ALARMS)).isPresent();
  }

  @Test
  void costIsObjectsTimesListSizes() {
    assertThat(cost("{ alarms { key } }", null)).as("default limit 50").isEqualTo(50);
    assertThat(cost("{ alarms(limit: 3) { key incident { id } } }", null)).isEqualTo(3 * (1 + 1));
    assertThat(cost("query ($n: Int) { incidents(limit: $n) { id } }", Map.of("n", 20))).as("limit from a variable").isEqualTo(20);
    assertThat(cost("{ events(limit: 7) { hasMore events { id } } }", null)).as("the page's list sized by events(limit)")
        .isEqualTo(1 + 7);
    assertThat(cost("{ boxes { id cameras { id } } }", null)).as("assumed sizes").isEqualTo(100 * (1 + 4));
    assertThat(cost("{ incident(id: 1) { steps { step } box { activeAlarms { key } } } }", null)).isEqualTo(1 + 5 + (1 + 5));
    assertThat(cost("{ a: units { id } b: units { id } }", null)).as("aliases count each time").isEqualTo(50 + 50);
  }

  @Test
  void depthCountsNestedFields() {
    ExecutionResult r = run(engine(2, 5000), "{ incidents { box { id } } }", null, Caller.Transport.HTTP);
    assertThat(r.getErrors()).hasSize(1);
    assertThat(r.getErrors().get(0).getMessage()).startsWith("query depth 3 is over the limit of 2 (graphql.maxDepth)");
    assertThat(r.getErrors().get(0).getExtensions()).containsEntry("code", "QUERY_TOO_DEEP");
    assertThat((Object) r.getData()).isNull();
  }

  @Test
  void subscriptionsAreForWebSocketsOnly() {
    ExecutionResult r = run(engine(8, 5000), "subscription { alarms { key } }", null, Caller.Transport.HTTP);
    assertThat(r.getErrors()).singleElement().satisfies(e -> assertThat(e.getMessage())
        .isEqualTo("subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, not over HTTP POST"));
  }

  @Test
  void theConnectionInitPayloadCarriesTheTokenEitherWay() {
    assertThat(WebSocketAuth.token(new io.vertx.core.json.JsonObject().put("authorization", "Bearer abc"))).isEqualTo("abc");
    assertThat(WebSocketAuth.token(new io.vertx.core.json.JsonObject().put("Authorization", "bearer abc"))).isNull();
    assertThat(WebSocketAuth.token(new io.vertx.core.json.JsonObject().put("authorization", "bearer  abc "))).isEqualTo("abc");
    assertThat(WebSocketAuth.token(new io.vertx.core.json.JsonObject().put("token", "xyz"))).isEqualTo("xyz");
    assertThat(WebSocketAuth.token(new io.vertx.core.json.JsonObject().put("authorization", "Basic abc"))).isNull();
    assertThat(WebSocketAuth.token("Bearer abc")).as("not an object").isNull();
    assertThat(WebSocketAuth.token(null)).isNull();
  }

  /** The cost graphql-java computes with our calculator: the limit is 0, so it is in the refusal. */
  static int cost(String query, Map<String, Object> variables) {
    ExecutionResult r = run(engine(100, 0), query, variables, Caller.Transport.HTTP);
    assertThat(r.getErrors()).as(query).hasSize(1);
    Matcher m = Pattern.compile("^query cost (\\d+) is over the limit of 0").matcher(r.getErrors().get(0).getMessage());
    assertThat(m.find()).as(r.getErrors().get(0).getMessage()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  static ExecutionResult run(GraphQL engine, String query, Map<String, Object> variables, Caller.Transport transport) {
    ExecutionInput.Builder in = ExecutionInput.newExecutionInput(query)
        .graphQLContext(new Caller(OPERATOR, "127.0.0.1", transport).asContext());
    if (variables != null) {
      in.variables(variables);
    }
    return engine.execute(in.build());
  }

  static Access.Rule rule(String type, String field) {
    return Access.rule(SCHEMA.getObjectType(type).getFieldDefinition(field));
  }

  static List<String> wire(String enumType) {
    return values(enumType).stream().map(v -> String.valueOf(v.getValue())).toList();
  }

  static List<String> names(String enumType) {
    return values(enumType).stream().map(GraphQLEnumValueDefinition::getName).toList();
  }

  static List<GraphQLEnumValueDefinition> values(String enumType) {
    return ((GraphQLEnumType) SCHEMA.getType(enumType)).getValues();
  }
}
