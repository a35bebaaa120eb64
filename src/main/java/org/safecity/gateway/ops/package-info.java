/** Operations: readiness of the store and the edges, shutdown order. */
package org.safecity.gateway.ops;
