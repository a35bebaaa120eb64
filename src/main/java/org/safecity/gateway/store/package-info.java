/**
 * PostgreSQL: the embedded server for zero-setup runs, the connection pool, versioned migrations and the
 * group-committing event log. Nothing here is published or acknowledged before its transaction commits.
 */
package org.safecity.gateway.store;
