/**
 * Alarms, incidents and the ERV units dispatched to them: read models built from the event log (alarm
 * projection), the incident workflow with who/when for every step, and an outbox that turns committed
 * changes into events.
 */
package org.safecity.gateway.incidents;
