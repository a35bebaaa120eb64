package org.safecity.gateway.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What an account is for; the wire name is what tokens and the API carry. */
public enum Role {
  /** Command-centre operator: every region, runs incidents. */
  OPERATOR,
  /** Operator's supervisor: as operator, plus closing and reassigning. */
  SUPERVISOR,
  /** An emergency response vehicle's crew: its own region and its own dispatches. */
  ERV_CREW,
  /** A partner agency's system: only what its scopes and regions allow. */
  AGENCY,
  /** Manages accounts and reads the audit log. */
  ADMIN;

  public String wire() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Optional<Role> fromWire(String s) {
    return Arrays.stream(values()).filter(r -> r.wire().equals(s)).findFirst();
  }

  /** Command-centre staff see every region and every camera. */
  public boolean isStaff() {
    return this == OPERATOR || this == SUPERVISOR || this == ADMIN;
  }
}
