package org.safecity.gateway.rtsp;

/**
 * What {@link RtspFramer} hands on instead of a message when the byte stream cannot be framed: the connection
 * answers {@code status} (when it is a request stream) and closes, since nothing after it can be trusted.
 */
public record FramingError(int status, String reason) {
}
