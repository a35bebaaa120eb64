/**
 * The device registry: boxes and cameras read from the devices file, kept in PostgreSQL, served from an
 * immutable in-memory snapshot and reloaded without a restart. Device secrets exist here only as bcrypt hashes.
 */
package org.safecity.gateway.devices;
