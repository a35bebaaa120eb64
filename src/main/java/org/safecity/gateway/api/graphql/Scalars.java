package org.safecity.gateway.api.graphql;

import graphql.GraphQLContext;
import graphql.execution.CoercedVariables;
import graphql.language.IntValue;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.schema.Coercing;
import graphql.schema.CoercingParseLiteralException;
import graphql.schema.CoercingParseValueException;
import graphql.schema.CoercingSerializeException;
import graphql.schema.GraphQLScalarType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** The schema's own scalars: {@code DateTime}, {@code Long} and {@code JSON}. */
final class Scalars {
  private Scalars() {
  }

  /** ISO-8601 instants. The services already render them as strings (as REST does); inputs become {@link Instant}. */
  static final GraphQLScalarType DATE_TIME = GraphQLScalarType.newScalar().name("DateTime")
      .description("An instant in ISO-8601 form with offset").coercing(new Coercing<Instant, String>() {
        @Override
        public String serialize(Object value, GraphQLContext context, Locale locale) {
          if (value instanceof String || value instanceof Instant || value instanceof OffsetDateTime) {
            return value.toString();
          }
          throw new CoercingSerializeException("not a date-time: " + value.getClass().getSimpleName());
        }

        @Override
        public Instant parseValue(Object input, GraphQLContext context, Locale locale) {
          if (input instanceof String s) {
            return parse(s, CoercingParseValueException::new);
          }
          throw new CoercingParseValueException("a DateTime is a string such as 2025-03-01T08:30:00Z");
        }

        @Override
        public Instant parseLiteral(Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
          if (input instanceof StringValue s) {
            return parse(s.getValue(), CoercingParseLiteralException::new);
          }
          throw new CoercingParseLiteralException("a DateTime is a string such as 2025-03-01T08:30:00Z");
        }
      }).build();

  /** 64-bit counters; GraphQL's Int is 32 bits and byte counts outgrow it within hours. */
  static final GraphQLScalarType LONG = GraphQLScalarType.newScalar().name("Long")
      .description("A 64-bit integer").coercing(new Coercing<Long, Long>() {
        @Override
        public Long serialize(Object value, GraphQLContext context, Locale locale) {
          if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
          }
          throw new CoercingSerializeException("not an integer: " + value);
        }

        @Override
        public Long parseValue(Object input, GraphQLContext context, Locale locale) {
          if (input instanceof Long || input instanceof Integer) {
            return ((Number) input).longValue();
          }
          throw new CoercingParseValueException("a Long is an integer");
        }

        @Override
        public Long parseLiteral(Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
          if (input instanceof IntValue i && i.getValue().bitLength() < 64) {
            return i.getValue().longValue();
          }
          throw new CoercingParseLiteralException("a Long is an integer between -2^63 and 2^63-1");
        }
      }).build();

  /** Free-form output (alarm details, event bodies); nothing takes it as input. */
  static final GraphQLScalarType JSON = GraphQLScalarType.newScalar().name("JSON")
      .description("Any JSON value").coercing(new Coercing<Object, Object>() {
        @Override
        public Object serialize(Object value, GraphQLContext context, Locale locale) {
          if (value instanceof JsonObject o) {
            return o.getMap();
          }
          if (value instanceof JsonArray a) {
            return a.getList();
          }
          return value;
        }

        @Override
        public Object parseValue(Object input, GraphQLContext context, Locale locale) {
          throw new CoercingParseValueException("JSON is an output type only");
        }

        @Override
        public Object parseLiteral(Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
          throw new CoercingParseLiteralException("JSON is an output type only");
        }
      }).build();

  private static <E extends RuntimeException> Instant parse(String s, java.util.function.Function<String, E> error) {
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      throw error.apply("not an ISO-8601 date-time with offset (such as 2025-03-01T08:30:00Z): " + s);
    }
  }
}
