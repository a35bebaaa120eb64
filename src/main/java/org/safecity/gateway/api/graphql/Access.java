package org.safecity.gateway.api.graphql;

import graphql.execution.DataFetcherResult;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationFieldFetchParameters;
import graphql.schema.DataFetcher;
import graphql.schema.GraphQLAppliedDirective;
import graphql.schema.GraphQLDirectiveContainer;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLNamedType;
import graphql.schema.GraphQLTypeUtil;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;

/**
 * The schema's authorization directives, enforced on every field fetch: {@code @scope(name)} on a field, or on the
 * object type a field returns, needs {@link Principal#mayRead}; {@code @roles(any)} on a field needs one of the roles.
 * A refused field resolves to null with a FORBIDDEN error (status 403), whichever path reached it, so a type guarded
 * at its definition cannot be read through a nested field either. Region filtering is the fetchers' part.
 */
final class Access extends SimplePerformantInstrumentation {
  /** What a field needs; {@link #NONE} for the (many) fields that need nothing beyond their parent. */
  record Rule(List<String> scopes, Set<Role> roles, String what) {
    static final Rule NONE = new Rule(List.of(), Set.of(), "");

    Optional<String> refusal(Principal p) {
      for (String scope : scopes) {
        if (!p.mayRead(scope)) {
          return Optional.of(p.role().wire() + " " + p.id() + " may not read " + what + ": needs scope " + scope);
        }
      }
      if (!roles.isEmpty() && !roles.contains(p.role())) {
        return Optional.of(p.role().wire() + " " + p.id() + " may not use " + what + ": only "
            + roles.stream().map(Role::wire).sorted().toList());
      }
      return Optional.empty();
    }
  }

  private final Map<GraphQLFieldDefinition, Rule> rules = new ConcurrentHashMap<>();

  @Override
  public DataFetcher<?> instrumentDataFetcher(DataFetcher<?> fetcher, InstrumentationFieldFetchParameters parameters,
      InstrumentationState state) {
    GraphQLFieldDefinition field = parameters.getExecutionStepInfo().getFieldDefinition();
    Rule rule = rules.computeIfAbsent(field, Access::rule);
    if (rule == Rule.NONE) {
      return fetcher;
    }
    return env -> {
      Optional<String> refusal = rule.refusal(Caller.principal(env));
      if (refusal.isPresent()) {
        return DataFetcherResult.newResult().error(Errors.refused(env, 403, refusal.get())).build();
      }
      return fetcher.get(env);
    };
  }

  /** The field's rule from its own directives and its (unwrapped) result type's. */
  static Rule rule(GraphQLFieldDefinition field) {
    List<String> scopes = new ArrayList<>(scopes(field));
    GraphQLNamedType type = GraphQLTypeUtil.unwrapAll(field.getType());
    String what = field.getName();
    if (type instanceof GraphQLDirectiveContainer c && !scopes(c).isEmpty()) {
      scopes.addAll(scopes(c));
      what = type.getName() + " (" + field.getName() + ")";
    }
    Set<Role> roles = EnumSet.noneOf(Role.class);
    GraphQLAppliedDirective r = field.getAppliedDirective("roles");
    if (r != null) {
      List<?> any = r.getArgument("any").getValue();
      any.forEach(name -> roles.add(Role.valueOf(String.valueOf(name))));
    }
    if (scopes.isEmpty() && roles.isEmpty()) {
      return Rule.NONE;
    }
    return new Rule(List.copyOf(scopes), Set.copyOf(roles), what);
  }

  private static List<String> scopes(GraphQLDirectiveContainer c) {
    return c.getAppliedDirectives("scope").stream().map(d -> (String) d.getArgument("name").getValue()).toList();
  }
}
