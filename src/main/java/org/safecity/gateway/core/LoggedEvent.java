package org.safecity.gateway.core;

import java.time.Instant;
import java.util.Map;

/**
 * An event after it was committed to the event log. {@code id} is gap-free and increases in commit order,
 * so it doubles as the SSE event id and as a resume cursor.
 */
public record LoggedEvent(long id, String type, String source, String region, Instant at, Map<String, Object> body) {
}
