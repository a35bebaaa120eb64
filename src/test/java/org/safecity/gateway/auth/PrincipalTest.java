package org.safecity.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PrincipalTest {
  static Principal agency(Set<String> regions, String... scopes) {
    return new Principal("a", Role.AGENCY, Optional.empty(), regions, Set.of(scopes));
  }

  @Test
  void plateEventsNeedPlatesReadAndTheirRegion() {
    Principal south = agency(Set.of("south"), Principal.PLATES_READ, Principal.EVENTS_READ);
    assertThat(south.seesEvent("recognition.plate.hit", "south")).isTrue();
    assertThat(south.seesEvent("recognition.plate.hit", "east")).isFalse();
    assertThat(south.seesEvent("echallan.issued", "south")).as("e-challans need echallan:read").isFalse();
    assertThat(south.seesEvent("recognition.face.hit", "south")).isFalse();
    assertThat(agency(Set.of("south"), Principal.EVENTS_READ).seesEvent("recognition.plate.hit", "south")).isFalse();
    Principal challans = agency(Set.of("east"), Principal.ECHALLAN_READ);
    assertThat(challans.seesEvent("echallan.issued", "east")).isTrue();
    assertThat(challans.seesEvent("echallan.issued", "south")).isFalse();
  }

  @Test
  void hotlistChangesAreCityWideForPlatesReadOnly() {
    assertThat(agency(Set.of("south"), Principal.PLATES_READ).seesEvent("hotlist.added", null)).isTrue();
    assertThat(agency(Set.of(), Principal.PLATES_READ).seesEvent("hotlist.removed", null)).isTrue();
    assertThat(agency(Set.of(), Principal.EVENTS_READ).seesEvent("hotlist.added", null)).isFalse();
    Principal crew = new Principal("c", Role.ERV_CREW, Optional.of("erv-1"), Set.of("south"), Set.of());
    assertThat(crew.seesEvent("hotlist.added", null)).isFalse();
    assertThat(crew.seesEvent("recognition.plate.hit", "south")).isFalse();
    Principal operator = new Principal("o", Role.OPERATOR, Optional.empty(), Set.of(), Set.of());
    assertThat(operator.seesEvent("hotlist.added", null)).isTrue();
    assertThat(operator.seesEvent("recognition.plate.hit", "east")).isTrue();
    assertThat(operator.seesEvent("echallan.issued", null)).isTrue();
  }
}
