package org.safecity.gateway.api.graphql;

import graphql.ErrorClassification;
import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherExceptionHandler;
import graphql.execution.DataFetcherExceptionHandlerParameters;
import graphql.execution.DataFetcherExceptionHandlerResult;
import graphql.execution.ResultPath;
import graphql.language.SourceLocation;
import graphql.schema.DataFetchingEnvironment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.safecity.gateway.auth.Tokens;
import org.safecity.gateway.incidents.Incidents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GraphQL errors with the REST API's meaning: a refusal becomes an error whose {@code extensions} carry a
 * {@code code} (FORBIDDEN, NOT_FOUND, CONFLICT, BAD_USER_INPUT, ...) and the HTTP {@code status} REST answers with;
 * its message is the refusal's own. Anything unexpected is logged and reported without internals.
 */
final class Errors implements DataFetcherExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(Errors.class);

  @Override
  public CompletableFuture<DataFetcherExceptionHandlerResult> handleException(DataFetcherExceptionHandlerParameters params) {
    Throwable e = params.getException();
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    GraphQLError error;
    if (e instanceof Incidents.Refused r) {
      error = of(r.status, r.getMessage(), params.getPath(), params.getSourceLocation());
    } else if (e instanceof Tokens.Refused r) {
      error = of(401, r.getMessage(), params.getPath(), params.getSourceLocation());
    } else {
      LOG.error("GraphQL field failed path={}", params.getPath(), e);
      error = of(500, "the gateway could not resolve this field; it has been logged", params.getPath(),
          params.getSourceLocation());
    }
    return CompletableFuture.completedFuture(DataFetcherExceptionHandlerResult.newResult(error).build());
  }

  /** The error for a refusal with REST status {@code status} at the field being fetched. */
  static GraphQLError refused(DataFetchingEnvironment env, int status, String message) {
    return of(status, message, env.getExecutionStepInfo().getPath(), env.getField().getSourceLocation());
  }

  private static GraphQLError of(int status, String message, ResultPath path, SourceLocation location) {
    Map<String, Object> extensions = new LinkedHashMap<>();
    extensions.put("code", code(status));
    extensions.put("status", status);
    GraphqlErrorBuilder<?> b = GraphqlErrorBuilder.newError().message(message).path(path)
        .errorType(ErrorClassification.errorClassification(code(status))).extensions(extensions);
    if (location != null) {
      b.locations(List.of(location));
    }
    return b.build();
  }

  static String code(int status) {
    return switch (status) {
      case 400 -> "BAD_USER_INPUT";
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "FORBIDDEN";
      case 404 -> "NOT_FOUND";
      case 409 -> "CONFLICT";
      case 503 -> "UNAVAILABLE";
      default -> "INTERNAL";
    };
  }
}
