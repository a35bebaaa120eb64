/**
 * The gateway's domain core: street boxes, their health and the alarms it implies.
 *
 * <p>Plain Java with no Vert.x or Netty types ({@code CoreHasNoFrameworkImportsTest} enforces it), so
 * the rules run in unit tests in microseconds. Time always comes in from outside, as an explicit
 * {@code Instant now} or an injected {@link java.time.Clock}; nothing here reads the system clock or
 * sleeps. The edges (MQTT, RTSP) translate protocol messages into calls on {@link
 * org.safecity.gateway.core.HealthModel} and write the {@link org.safecity.gateway.core.Outcomes} it
 * returns to the event log, in order.
 */
package org.safecity.gateway.core;
