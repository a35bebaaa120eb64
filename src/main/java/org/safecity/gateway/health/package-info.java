/**
 * Runs the core {@link org.safecity.gateway.core.HealthModel} on one Vert.x context: feeds it what the edges
 * saw, ticks it for time-driven rules, and writes every transition and alarm to the event log.
 */
package org.safecity.gateway.health;
