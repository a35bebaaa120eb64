/**
 * The SSE benchmark: subscribers of the gateway's {@code GET /api/v1/events/stream} and, as a peer, of nginx with
 * the Nchan module, under a fixed alarm rate, with a resume storm and a gap/duplicate check.
 */
package org.safecity.load.sse;
