package org.safecity.gateway.api.graphql;

import graphql.GraphQLContext;
import graphql.execution.SubscriptionExecutionStrategy;
import graphql.schema.DataFetchingEnvironment;
import java.util.Map;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.incidents.Incidents;

/** Who runs an operation and over what: put into the GraphQL context before execution, read by every fetcher. */
record Caller(Principal principal, String remote, Transport transport) {
  /** How the operation arrived. */
  enum Transport { HTTP, WEBSOCKET }

  Map<Object, Object> asContext() {
    // Subscription results go out in the order their events were committed, even when resolving one takes longer.
    return Map.of(Caller.class, this, SubscriptionExecutionStrategy.KEEP_SUBSCRIPTION_EVENTS_ORDERED, true);
  }

  static Caller of(GraphQLContext context) {
    Caller c = context.get(Caller.class);
    if (c == null) {
      // Both entry points put a caller in; an operation without one must not run with anybody's rights.
      throw new Incidents.Refused(401, "no authenticated caller");
    }
    return c;
  }

  static Caller of(DataFetchingEnvironment env) {
    return of(env.getGraphQlContext());
  }

  static Principal principal(DataFetchingEnvironment env) {
    return of(env).principal();
  }
}
