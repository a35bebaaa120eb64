package org.safecity.gateway.auth;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An account as stored (never with its secret).
 *
 * @param client true for an agency's system (clientId/clientSecret), false for a person (username/password)
 */
public record Account(String id, boolean client, Role role, Optional<String> unit, Set<String> regions,
                      Set<String> scopes, boolean disabled) {
  public Account {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    regions = Set.copyOf(regions);
    scopes = Set.copyOf(scopes);
  }

  public Principal principal() {
    return new Principal(id, role, unit, regions, scopes);
  }

  /** Why this combination cannot be an account, or empty when it can. */
  public Optional<String> problem() {
    if (!id.matches("[A-Za-z0-9._@-]{1,64}")) {
      return Optional.of("id must be 1..64 characters of A-Z a-z 0-9 . _ @ -");
    }
    if (role == Role.ERV_CREW && (unit.isEmpty() || regions.size() != 1)) {
      return Optional.of("an erv-crew account needs its unit and exactly one region");
    }
    if (role == Role.AGENCY && !client) {
      return Optional.of("an agency logs in as a client (clientId/clientSecret)");
    }
    return Optional.empty();
  }
}
