package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.core.Fixture.BOX;
import static org.safecity.gateway.core.Fixture.BOX_001;
import static org.safecity.gateway.core.Fixture.HOME;
import static org.safecity.gateway.core.Fixture.at;
import static org.safecity.gateway.core.Fixture.device;
import static org.safecity.gateway.core.Fixture.fix;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HealthModelRegistryTest {

  private static final Box OTHER = new Box("box-002", "south", Fixture.north(HOME, 1000), 40, List.of("cam-9"));

  @Test
  void reloadKeepsTheStateOfBoxesThatRemain() {
    HealthModel model = Fixture.online();
    model.event(BOX, device(at(1), DeviceEvent.DOOR_OPENED), at(1));
    BoxState before = model.snapshot(BOX).orElseThrow();

    Outcomes out = model.reload(List.of(BOX_001, OTHER), at(10));

    assertThat(out.isEmpty()).isTrue();
    BoxState after = model.snapshot(BOX).orElseThrow();
    assertThat(after).isEqualTo(before);
    assertThat(after.activeAlarms()).containsOnlyKeys("door:" + BOX);
    assertThat(model.snapshots()).extracting(BoxState::id).containsExactly("box-001", "box-002");
    // Nothing is re-raised by the next event either.
    assertThat(model.event(BOX, device(at(11), DeviceEvent.DOOR_OPENED), at(11)).isEmpty()).isTrue();
  }

  @Test
  void reloadDropsMissingBoxesAndClearsTheirAlarms() {
    HealthModel model = Fixture.online();
    model.register(OTHER, at(0));
    model.event(BOX, device(at(1), DeviceEvent.DOOR_OPENED), at(1));

    Outcomes out = model.reload(List.of(OTHER), at(10));
    assertThat(out.cleared()).containsExactly(new AlarmCleared("door:" + BOX, at(10), "box unregistered"));
    assertThat(model.isRegistered(BOX)).isFalse();
    assertThat(model.connected(BOX, at(11))).isSameAs(Outcomes.NONE);
  }

  @Test
  void aNewLocationReJudgesTheLastFix() {
    HealthModel model = Fixture.online();
    model.gps(BOX, fix(at(1), 300, 5.0), at(1));
    assertThat(model.snapshot(BOX).orElseThrow().has(BoxCondition.MOVED)).isTrue();

    Box reinstalled = new Box(BOX, Fixture.REGION, Fixture.north(HOME, 300), 50, Fixture.CAMERAS);
    Outcomes out = model.register(reinstalled, at(5));
    assertThat(out.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_RETURNED);
    assertThat(out.cleared()).extracting(AlarmCleared::key).containsExactly("moved:" + BOX);
  }

  @Test
  void camerasRemovedFromABoxAreForgottenWithTheirAlarms() {
    HealthModel model = Fixture.online();
    model.camerasDown(BOX, Set.of("cam-4"), at(0));
    model.tick(at(30));
    assertThat(model.snapshot(BOX).orElseThrow().activeAlarms()).containsKey("camera:cam-4");

    Box fewer = new Box(BOX, Fixture.REGION, HOME, 50, List.of("cam-1", "cam-2", "cam-3"));
    Outcomes out = model.register(fewer, at(31));
    assertThat(out.cleared()).containsExactly(
        new AlarmCleared("camera:cam-4", at(31), "camera no longer registered to the box"));
    assertThat(model.snapshot(BOX).orElseThrow().camerasDown()).isEmpty();
  }

  @Test
  void unregisterOfAnUnknownBoxIsANoOp() {
    assertThat(Fixture.model().unregister("nope", at(0))).isSameAs(Outcomes.NONE);
  }

  @Test
  void snapshotsAreImmutable() {
    HealthModel model = Fixture.online();
    BoxState s = model.snapshot(BOX).orElseThrow();
    model.event(BOX, device(at(1), DeviceEvent.DOOR_OPENED), at(1));
    assertThat(s.has(BoxCondition.DOOR_OPEN)).isFalse();
    assertThat(s.activeAlarms()).isEmpty();
  }
}
