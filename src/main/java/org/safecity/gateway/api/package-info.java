/**
 * HTTP edge: the REST API routed from {@code api-spec/openapi.yaml} (vertx-web-openapi-router validates every
 * request against it), RFC 9457 problem responses, and the ops endpoints.
 */
package org.safecity.gateway.api;
