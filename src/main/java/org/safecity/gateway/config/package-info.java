/**
 * Typed configuration: one table of settings ({@link org.safecity.gateway.config.Settings}) gives every key
 * its type, default and comment; {@link org.safecity.gateway.config.ConfigLoader} reads
 * {@code gateway-config/gateway.yaml}, applies {@code SAFECITY_*} environment overrides and builds the records.
 */
package org.safecity.gateway.config;
