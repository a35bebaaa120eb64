package org.safecity.gateway.api.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.core.LoggedEvent;

class EventFilterTest {
  static final Principal OPERATOR = new Principal("op", Role.OPERATOR, Optional.empty(), Set.of(), Set.of());
  static final Principal CREW = new Principal("crew", Role.ERV_CREW, Optional.of("erv-07"), Set.of("south"), Set.of());
  static final Principal AGENCY = new Principal("ag", Role.AGENCY, Optional.empty(), Set.of("east"), Set.of("events:read"));
  static final Principal ALARMS = new Principal("al", Role.AGENCY, Optional.empty(), Set.of(), Set.of("alarms:read"));
  static final Principal NO_SCOPE = new Principal("ns", Role.AGENCY, Optional.empty(), Set.of(), Set.of("cameras:read"));

  static LoggedEvent e(String type, String source, String region, Map<String, Object> body) {
    return new LoggedEvent(1, type, source, region, Instant.EPOCH, body);
  }

  static LoggedEvent e(String type, String region) {
    return e(type, "box-1", region, Map.of());
  }

  @Test
  void typesAreExactNamesPrefixesOrEverything() {
    EventFilter f = EventFilter.of(OPERATOR, "alarm.*, box.telemetry", null, null, null);
    assertThat(f.matches(e("alarm.raised", "south"))).isTrue();
    assertThat(f.matches(e("alarm.cleared", null))).isTrue();
    assertThat(f.matches(e("box.telemetry", "east"))).isTrue();
    assertThat(f.matches(e("box.telemetry-x", "east"))).isFalse();
    assertThat(f.matches(e("alarm", "east"))).as("alarm.* needs the dot").isFalse();
    assertThat(f.matches(e("alarms.raised", "east"))).isFalse();
    assertThat(EventFilter.of(OPERATOR, "*", null, null, null).matches(e("any.thing", null))).isTrue();
    assertThat(EventFilter.of(OPERATOR, null, null, null, null).matches(e("any.thing", null))).as("staff default").isTrue();
    assertThat(EventFilter.of(OPERATOR, " , ", null, null, null).matches(e("any.thing", null))).isTrue();
  }

  @Test
  void regionSourceAndUnitNarrowTheStream() {
    EventFilter f = EventFilter.of(OPERATOR, null, "south", "box-9", "erv-07");
    assertThat(f.matches(e("x", "box-9", "south", Map.of("unit", "erv-07")))).isTrue();
    assertThat(f.matches(e("x", "box-9", "east", Map.of("unit", "erv-07")))).isFalse();
    assertThat(f.matches(e("x", "box-8", "south", Map.of("unit", "erv-07")))).isFalse();
    assertThat(f.matches(e("x", "box-9", "south", Map.of("unit", "erv-08")))).isFalse();
    assertThat(f.matches(e("x", "box-9", "south", Map.of()))).isFalse();
  }

  @Test
  void aCrewGetsItsRegionsAlarmsAndIncidentsAndItsOwnDispatchesByDefault() {
    EventFilter f = EventFilter.of(CREW, null, null, null, null);
    assertThat(f.matches(e("alarm.raised", "south"))).isTrue();
    assertThat(f.matches(e("incident.opened", "south"))).isTrue();
    assertThat(f.matches(e("box.telemetry", "south"))).isFalse();
    assertThat(f.matches(e("box.telemetry", "box-1", "south", Map.of("unit", "erv-07")))).as("own unit").isTrue();
    assertThat(f.matches(e("incident.dispatched", "i-1", "south", Map.of("unit", "erv-08")))).as("an incident of its region").isTrue();
    assertThat(f.matches(e("box.gps", "i-1", "south", Map.of("unit", "erv-08")))).isFalse();
    assertThat(f.matches(e("alarm.raised", "east"))).isFalse();
    assertThat(f.matches(e("incident.dispatched", "i-1", "east", Map.of("unit", "erv-07"))))
        .as("never outside its regions, even its own unit").isFalse();
    assertThat(f.matches(e("alarm.raised", null))).as("gateway-wide events are staff-only").isFalse();
  }

  @Test
  void aCrewThatNamesTypesGetsThoseOfItsRegion() {
    EventFilter f = EventFilter.of(CREW, "box.*", null, null, null);
    assertThat(f.matches(e("box.telemetry", "south"))).isTrue();
    assertThat(f.matches(e("alarm.raised", "south"))).isFalse();
    assertThat(f.matches(e("box.telemetry", "east"))).isFalse();
    assertThatThrownBy(() -> EventFilter.of(CREW, null, "east", null, null))
        .isInstanceOfSatisfying(EventFilter.Refused.class, r -> assertThat(r.status()).isEqualTo(403))
        .hasMessageContaining("region east");
  }

  @Test
  void agenciesNeedEventsReadOrGetAlarmsOnly() {
    EventFilter all = EventFilter.of(AGENCY, null, null, null, null);
    assertThat(all.matches(e("box.telemetry", "east"))).isTrue();
    assertThat(all.matches(e("box.telemetry", "south"))).isFalse();
    EventFilter alarms = EventFilter.of(ALARMS, null, null, null, null);
    assertThat(alarms.matches(e("alarm.raised", "east"))).isTrue();
    assertThat(alarms.matches(e("incident.opened", "east"))).isFalse();
    assertThat(EventFilter.of(ALARMS, "alarm.raised", null, null, null).matches(e("alarm.cleared", "east"))).isFalse();
    for (String types : new String[] {"*", "box.*", "alarm.raised,box.gps"}) {
      assertThatThrownBy(() -> EventFilter.of(ALARMS, types, null, null, null))
          .isInstanceOfSatisfying(EventFilter.Refused.class, r -> assertThat(r.status()).isEqualTo(403));
    }
    assertThatThrownBy(() -> EventFilter.of(NO_SCOPE, null, null, null, null))
        .isInstanceOfSatisfying(EventFilter.Refused.class, r -> assertThat(r.status()).isEqualTo(403))
        .hasMessageContaining("events:read");
  }

  @Test
  void malformedTypesAre400() {
    for (String types : new String[] {"a b", "a..b", ".a", "a.", "alarm.*.x", "**", "a*", "x".repeat(101),
        "a,".repeat(EventFilter.MAX_TYPES + 1)}) {
      assertThatThrownBy(() -> EventFilter.of(OPERATOR, types, null, null, null)).as(types)
          .isInstanceOfSatisfying(EventFilter.Refused.class, r -> assertThat(r.status()).isEqualTo(400));
    }
  }

  @Test
  void streamsShareAKeyOnlyWhenTheyDeliverTheSameEvents() {
    Principal crewB = new Principal("crew-b", Role.ERV_CREW, Optional.of("erv-07"), Set.of("south"), Set.of());
    Principal otherUnit = new Principal("crew-c", Role.ERV_CREW, Optional.of("erv-08"), Set.of("south"), Set.of());
    Principal otherRegion = new Principal("crew-d", Role.ERV_CREW, Optional.of("erv-07"), Set.of("east"), Set.of());
    Principal withFaces = new Principal("crew-e", Role.ERV_CREW, Optional.of("erv-07"), Set.of("south"),
        Set.of("faces:read"));
    EventFilter.Key crew = EventFilter.of(CREW, null, null, null, null).key();
    assertThat(EventFilter.of(crewB, null, null, null, null).key()).as("another member of the same crew").isEqualTo(crew);
    assertThat(EventFilter.of(otherUnit, null, null, null, null).key()).as("its own dispatches differ").isNotEqualTo(crew);
    assertThat(EventFilter.of(otherRegion, null, null, null, null).key()).isNotEqualTo(crew);
    assertThat(EventFilter.of(withFaces, null, null, null, null).key()).as("sees face hits").isNotEqualTo(crew);
    assertThat(EventFilter.of(CREW, "alarm.*", null, null, null).key()).isNotEqualTo(crew);
    assertThat(EventFilter.of(OPERATOR, "alarm.*", "south", null, null).key())
        .isEqualTo(EventFilter.of(new Principal("op-2", Role.OPERATOR, Optional.empty(), Set.of(), Set.of()), "alarm.*",
            "south", null, null).key())
        .isNotEqualTo(EventFilter.of(OPERATOR, "alarm.*", "east", null, null).key())
        .isNotEqualTo(EventFilter.of(OPERATOR, "alarm.*", "south", "box-1", null).key());
  }
}
