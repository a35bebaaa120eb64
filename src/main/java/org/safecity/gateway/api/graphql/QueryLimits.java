package org.safecity.gateway.api.graphql;

import graphql.analysis.FieldComplexityCalculator;
import graphql.analysis.FieldComplexityEnvironment;
import graphql.analysis.MaxQueryComplexityInstrumentation;
import graphql.analysis.MaxQueryDepthInstrumentation;
import graphql.execution.AbortExecutionException;
import graphql.execution.instrumentation.Instrumentation;
import graphql.execution.instrumentation.InstrumentationContext;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationExecuteOperationParameters;
import graphql.language.OperationDefinition;
import graphql.schema.GraphQLAppliedDirective;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLTypeUtil;
import graphql.ExecutionResult;
import java.util.List;
import java.util.Map;
import org.safecity.gateway.config.GatewayConfig.GraphQLConfig;

/**
 * What an operation may ask for, checked after validation and before any field runs: nesting depth
 * ({@code graphql.maxDepth}), cost ({@code graphql.maxComplexity}), and subscriptions only over WebSocket.
 *
 * <p>Cost: every object a field returns counts 1 plus what is selected below it; scalars are free; a list multiplies
 * by its size as the schema's {@code @listSize} states (the query's {@code limit} where the list has one). So the cost
 * is an upper bound on the objects the answer can hold, which is what load and response size follow.
 */
final class QueryLimits {
  /** Size assumed for an object list the schema gives no {@code @listSize}. */
  static final int UNDECLARED_LIST_SIZE = 10;

  private QueryLimits() {
  }

  static List<Instrumentation> of(GraphQLConfig config) {
    return List.of(new SubscriptionsOverWebSocket(), new Depth(config.maxDepth()), new Cost(config.maxComplexity()));
  }

  private static final class Depth extends MaxQueryDepthInstrumentation {
    Depth(int max) {
      super(max);
    }

    @Override
    protected AbortExecutionException mkAbortException(int depth, int maxDepth) {
      return new Refusal("query depth " + depth + " is over the limit of " + maxDepth
          + " (graphql.maxDepth): select fewer nested levels", "QUERY_TOO_DEEP", depth, maxDepth);
    }
  }

  private static final class Cost extends MaxQueryComplexityInstrumentation {
    Cost(int max) {
      super(max, QueryLimits::cost);
    }

    @Override
    protected AbortExecutionException mkAbortException(int cost, int max) {
      return new Refusal("query cost " + cost + " is over the limit of " + max
          + " (graphql.maxComplexity; each object counts 1, a list its limit): ask for fewer items or fewer nested objects",
          "QUERY_TOO_COSTLY", cost, max);
    }
  }

  /** An operation refused before it ran; {@code extensions} say which limit and by how much. */
  private static final class Refusal extends AbortExecutionException {
    private final Map<String, Object> extensions;

    Refusal(String message, String code, int value, int limit) {
      super(message);
      this.extensions = Map.of("code", code, "value", value, "limit", limit);
    }

    @Override
    public Map<String, Object> getExtensions() {
      return extensions;
    }
  }

  /** The cost of one field, given what its selection below costs. */
  static int cost(FieldComplexityEnvironment env, int below) {
    GraphQLFieldDefinition field = env.getFieldDefinition();
    boolean object = GraphQLTypeUtil.unwrapAll(field.getType()) instanceof GraphQLObjectType;
    long each = (object ? 1L : 0L) + below;
    if (!GraphQLTypeUtil.isList(GraphQLTypeUtil.unwrapNonNull(field.getType()))) {
      return (int) Math.min(Integer.MAX_VALUE, each);
    }
    return (int) Math.min(Integer.MAX_VALUE, each * listSize(field, env));
  }

  /** {@code @listSize}: its slicing argument's value (on the field, or on the field that returned this page), else assumedSize. */
  static long listSize(GraphQLFieldDefinition field, FieldComplexityEnvironment env) {
    GraphQLAppliedDirective d = field.getAppliedDirective("listSize");
    if (d == null) {
      return UNDECLARED_LIST_SIZE;
    }
    String slicing = d.getArgument("slicingArgument").getValue();
    if (slicing != null) {
      // The field itself, then the one that returned its page (events(limit) → EventPage.events).
      for (FieldComplexityEnvironment at : new FieldComplexityEnvironment[] {env, env.getParentEnvironment()}) {
        Map<String, Object> args = at == null ? null : at.getArguments();
        if (args != null && args.get(slicing) instanceof Number n) {
          return Math.max(0, n.longValue());
        }
      }
    }
    Number assumed = d.getArgument("assumedSize").getValue();
    return assumed.longValue();
  }

  /** A subscription's answer is a stream, which a single HTTP response cannot carry. */
  private static final class SubscriptionsOverWebSocket extends SimplePerformantInstrumentation {
    @Override
    public InstrumentationContext<ExecutionResult> beginExecuteOperation(InstrumentationExecuteOperationParameters parameters,
        InstrumentationState state) {
      var ctx = parameters.getExecutionContext();
      if (ctx.getOperationDefinition().getOperation() == OperationDefinition.Operation.SUBSCRIPTION
          && Caller.of(ctx.getGraphQLContext()).transport() == Caller.Transport.HTTP) {
        throw new AbortExecutionException("subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, "
            + "not over HTTP POST");
      }
      return super.beginExecuteOperation(parameters, state);
    }
  }
}
