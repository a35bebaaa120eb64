/**
 * Server-Sent Events, {@code GET /api/v1/events/stream}: committed events as they happen, filtered by what the
 * client asked for and what its principal may see, resumable with {@code Last-Event-ID} without a gap or a
 * duplicate, with heartbeats, a bounded queue per client and an end when the token expires.
 */
package org.safecity.gateway.api.sse;
