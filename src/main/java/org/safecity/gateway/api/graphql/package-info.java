/**
 * GraphQL at {@code /graphql} (vertx-web-graphql over graphql-java): the schema is {@code api-spec/schema.graphqls};
 * data fetchers call the same services as the REST routes and return their futures as completion stages, so no event
 * loop ever waits. Authorization is the REST API's, applied field by field from the schema's {@code @scope} and
 * {@code @roles} ({@link org.safecity.gateway.api.graphql.Access}); depth and cost are limited before a query runs
 * ({@link org.safecity.gateway.api.graphql.QueryLimits}); subscriptions are fed by the event bus after commit
 * ({@link org.safecity.gateway.api.graphql.EventFeed}) over graphql-transport-ws.
 */
package org.safecity.gateway.api.graphql;
