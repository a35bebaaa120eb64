package org.safecity.gateway.auth;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An authenticated caller, as its token states it: the rules of what it may see are here, in plain Java.
 *
 * @param id      username or client id (the token's {@code sub})
 * @param role    what the account is for
 * @param unit    an ERV crew's unit id
 * @param regions the regions it sees; empty means every region (staff)
 * @param scopes  an agency's grants, e.g. {@code alarms:read}, {@code plates:read}, {@code faces:read}
 */
public record Principal(String id, Role role, Optional<String> unit, Set<String> regions, Set<String> scopes) {
  public static final String ALARMS_READ = "alarms:read";
  public static final String EVENTS_READ = "events:read";
  public static final String CAMERAS_READ = "cameras:read";
  public static final String VIDEO_READ = "video:read";
  public static final String FACES_READ = "faces:read";
  public static final String PLATES_READ = "plates:read";
  public static final String ECHALLAN_READ = "echallan:read";

  public Principal {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    unit = Objects.requireNonNullElse(unit, Optional.empty());
    regions = Set.copyOf(regions);
    scopes = Set.copyOf(scopes);
  }

  /** True when it may see things of {@code region} (a null region, such as a gateway-wide event, staff only). */
  public boolean seesRegion(String region) {
    if (regions.isEmpty()) {
      return role.isStaff() || role == Role.AGENCY;
    }
    return region != null && regions.contains(region);
  }

  /**
   * True when it may receive an event of {@code type} in {@code region}: its region, and for watchlist, hotlist
   * and e-challan events the scope that names them (staff have every scope; crews and agencies only as granted).
   * Changes to the hotlist ({@code hotlist.*}) belong to no region, since one list serves every camera: whoever
   * holds {@code plates:read} sees them, whatever its regions. Hotlist hits ({@code recognition.plate.hit}) keep
   * their camera's region.
   */
  public boolean seesEvent(String type, String region) {
    if (type != null && type.startsWith("hotlist.")) {
      return hasScope(PLATES_READ);
    }
    if (!seesRegion(region)) {
      return false;
    }
    String needed = scopeFor(type);
    return needed == null || hasScope(needed);
  }

  /**
   * Watchlist and hotlist data in the event log (face and plate hits, hotlist changes): who read it is audited
   * wherever it is read, REST event pages, GraphQL and streams included.
   */
  public static boolean isWatchlistData(String type) {
    return type != null && (type.startsWith("recognition.face") || type.startsWith("recognition.plate")
        || type.startsWith("hotlist."));
  }

  /** True when it holds the scope events of {@code type} need (whatever their region). */
  public boolean holdsScopeFor(String type) {
    String needed = scopeFor(type);
    return needed == null || hasScope(needed);
  }

  /** The scope an event type needs beyond its region, or null. */
  static String scopeFor(String type) {
    if (type == null) {
      return null;
    }
    if (type.startsWith("recognition.face")) {
      return FACES_READ;
    }
    if (type.startsWith("recognition.plate") || type.startsWith("hotlist.")) {
      return PLATES_READ;
    }
    if (type.startsWith("echallan.")) {
      return ECHALLAN_READ;
    }
    return null;
  }

  public boolean hasScope(String scope) {
    return role.isStaff() || scopes.contains(scope);
  }

  /** Staff, a crew, or an agency granted {@code scope}. */
  public boolean mayRead(String scope) {
    return role.isStaff() || role == Role.ERV_CREW || scopes.contains(scope);
  }

  public boolean is(Role... any) {
    for (Role r : any) {
      if (r == role) {
        return true;
      }
    }
    return false;
  }
}
