/**
 * Who may do what: accounts (users and agency clients), JWT issuing and checking, roles and scopes, and the
 * audit log. Plain rules live in {@link org.safecity.gateway.auth.Principal}; the HTTP side is in {@code api}.
 */
package org.safecity.gateway.auth;
