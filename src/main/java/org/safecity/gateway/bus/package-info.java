/** Every event-bus address and message shape in one place, so edges and workers agree on them. */
package org.safecity.gateway.bus;
