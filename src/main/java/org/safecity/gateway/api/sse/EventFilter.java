package org.safecity.gateway.api.sse;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.core.LoggedEvent;

/**
 * Which events one stream delivers: what the client asked for ({@code types}, {@code region}, {@code source},
 * {@code unit}) always narrowed by what its principal may see. Plain Java, so the rules are unit-tested alone.
 *
 * <ul>
 *   <li>Every principal: never an event of a region it may not see ({@link Principal#seesRegion}).</li>
 *   <li>Staff: everything; an agency: everything with {@code events:read}, only {@code alarm.*} with just
 *   {@code alarms:read}, nothing (403) without either.</li>
 *   <li>An ERV crew that names no types gets {@code alarm.*} and {@code incident.*} plus every event whose body
 *   has {@code "unit": <its unit>} (its dispatches).</li>
 * </ul>
 */
public final class EventFilter {
  /** Why a stream cannot be opened: 400 (malformed filter) or 403 (not allowed); the detail is for the client. */
  public static final class Refused extends RuntimeException {
    private final int status;

    Refused(int status, String detail) {
      super(detail, null, false, false);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  static final Pattern TYPE_PATTERN = Pattern.compile("\\*|[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*(\\.\\*)?");
  static final int MAX_TYPES = 32;
  private static final String ALARM_PREFIX = "alarm.";
  private static final List<String> CREW_DEFAULT_PREFIXES = List.of(ALARM_PREFIX, "incident.");
  private static final List<String> WATCHLIST_TYPES = List.of("recognition.face.hit", "recognition.plate.hit",
      "hotlist.added", "hotlist.removed");

  private final Principal principal;
  /** Exact types and prefixes (from {@code x.*}); both empty and {@link #anyType} false: the role's default. */
  private final List<String> exact = new ArrayList<>();
  private final List<String> prefixes = new ArrayList<>();
  private boolean anyType;
  private final String region;
  private final String source;
  private final String unit;
  /** An agency granted {@code alarms:read} only. */
  private final boolean alarmsOnly;
  /** An ERV crew that named no types. */
  private final boolean crewDefault;
  /** Made on first use, once the filter is complete. */
  private Key key;

  private EventFilter(Principal principal, String region, String source, String unit, boolean alarmsOnly,
      boolean crewDefault) {
    this.principal = principal;
    this.region = region;
    this.source = source;
    this.unit = unit;
    this.alarmsOnly = alarmsOnly;
    this.crewDefault = crewDefault;
  }

  /**
   * The filter of {@code p}'s stream; each argument may be null (not given).
   *
   * @param types comma-separated event types; {@code x.*} is every type starting with {@code x.}; {@code *} all
   * @throws Refused with 400 or 403 and the reason
   */
  public static EventFilter of(Principal p, String types, String region, String source, String unit) {
    boolean alarmsOnly = false;
    if (p.role() == Role.AGENCY) {
      if (!p.hasScope(Principal.EVENTS_READ)) {
        if (!p.hasScope(Principal.ALARMS_READ)) {
          throw new Refused(403, "agency " + p.id() + " may not stream events: scope " + Principal.EVENTS_READ
              + " or " + Principal.ALARMS_READ + " is needed");
        }
        alarmsOnly = true;
      }
    } else if (!p.role().isStaff() && p.role() != Role.ERV_CREW) {
      throw new Refused(403, p.role().wire() + " " + p.id() + " may not stream events");
    }
    if (region != null && !p.seesRegion(region)) {
      throw new Refused(403, p.role().wire() + " " + p.id() + " may not see region " + region);
    }
    List<String> named = split(types);
    boolean crewDefault = p.role() == Role.ERV_CREW && named.isEmpty();
    EventFilter f = new EventFilter(p, blankToNull(region), blankToNull(source), blankToNull(unit), alarmsOnly,
        crewDefault);
    if (named.size() > MAX_TYPES) {
      throw new Refused(400, "at most " + MAX_TYPES + " types may be named, got " + named.size());
    }
    for (String t : named) {
      if (t.length() > 100 || !TYPE_PATTERN.matcher(t).matches()) {
        throw new Refused(400, "type '" + t + "' is not an event type (letters, digits, '-', '_', dots) or such a type's prefix ending in '.*'");
      }
      if (alarmsOnly && !t.startsWith(ALARM_PREFIX)) {
        throw new Refused(403, "agency " + p.id() + " holds scope " + Principal.ALARMS_READ + " only: type '" + t
            + "' is outside alarm.* (" + Principal.EVENTS_READ + " is needed)");
      }
      if (t.equals("*")) {
        f.anyType = true;
      } else if (t.endsWith(".*")) {
        f.prefixes.add(t.substring(0, t.length() - 1));
      } else {
        f.exact.add(t);
      }
    }
    if (named.isEmpty() && !crewDefault) {
      if (alarmsOnly) {
        f.prefixes.add(ALARM_PREFIX);
      } else {
        f.anyType = true;
      }
    }
    return f;
  }

  /**
   * What {@link #matches} depends on: two filters with equal keys deliver exactly the same events, so the hub
   * judges an event once for all the streams that share a key (a region's crews, an agency's dashboards) instead
   * of once per stream. The principal's id is not part of it; what it may see is.
   */
  record Key(Role role, Optional<String> ownUnit, java.util.Set<String> regions, java.util.Set<String> scopes,
             List<String> exact, List<String> prefixes, boolean anyType, String region, String source, String unit,
             boolean alarmsOnly, boolean crewDefault) {
  }

  Key key() {
    if (key == null) {
      key = new Key(principal.role(), principal.unit(), principal.regions(), principal.scopes(), List.copyOf(exact),
          List.copyOf(prefixes), anyType, region, source, unit, alarmsOnly, crewDefault);
    }
    return key;
  }

  /**
   * The watchlist and hotlist event types ({@link Principal#isWatchlistData}) this stream may deliver, given what
   * it asked for and the scopes its principal holds; opening a stream that may carry any is audited.
   */
  public List<String> watchlistTypes() {
    if (alarmsOnly || crewDefault) {
      return List.of();
    }
    return WATCHLIST_TYPES.stream().filter(t -> principal.holdsScopeFor(t)
        && (anyType || exact.contains(t) || startsWithAny(t, prefixes))).toList();
  }

  /** True when this stream delivers {@code e}. */
  public boolean matches(LoggedEvent e) {
    if (!principal.seesEvent(e.type(), e.region())) {
      return false;
    }
    if (alarmsOnly && !e.type().startsWith(ALARM_PREFIX)) {
      return false;
    }
    if (region != null && !region.equals(e.region())) {
      return false;
    }
    if (source != null && !source.equals(e.source())) {
      return false;
    }
    Object bodyUnit = e.body().get("unit");
    if (unit != null && !unit.equals(bodyUnit)) {
      return false;
    }
    if (crewDefault) {
      Optional<String> own = principal.unit();
      return startsWithAny(e.type(), CREW_DEFAULT_PREFIXES) || (own.isPresent() && own.get().equals(bodyUnit));
    }
    return anyType || exact.contains(e.type()) || startsWithAny(e.type(), prefixes);
  }

  private static boolean startsWithAny(String type, List<String> prefixes) {
    for (String p : prefixes) {
      if (type.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> split(String types) {
    List<String> out = new ArrayList<>();
    if (types == null) {
      return out;
    }
    for (String t : types.split(",", -1)) {
      String s = t.trim();
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
