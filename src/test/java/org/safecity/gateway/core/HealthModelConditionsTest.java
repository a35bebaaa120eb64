package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.core.Fixture.BOX;
import static org.safecity.gateway.core.Fixture.at;
import static org.safecity.gateway.core.Fixture.device;
import static org.safecity.gateway.core.Fixture.normal;
import static org.safecity.gateway.core.Fixture.telemetry;

import org.junit.jupiter.api.Test;

/** Door, tamper and mains: from device events and from telemetry levels, with their alarms. */
class HealthModelConditionsTest {

  private final HealthModel model = Fixture.online();

  @Test
  void doorOpenedRaisesAndDoorClosedClears() {
    Outcomes open = model.event(BOX, device(at(10), DeviceEvent.DOOR_OPENED), at(10));
    assertThat(open.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_DOOR_OPEN);
    assertThat(open.events().get(0).details()).containsEntry("deviceAt", at(10).toString());
    assertThat(open.raised()).singleElement().satisfies(a -> {
      assertThat(a.key()).isEqualTo("door:" + BOX);
      assertThat(a.kind()).isEqualTo(AlarmKinds.DOOR_OPEN);
      assertThat(a.severity()).isEqualTo(Severity.MAJOR);
    });
    assertThat(model.snapshot(BOX).orElseThrow().has(BoxCondition.DOOR_OPEN)).isTrue();

    Outcomes closed = model.event(BOX, device(at(70), DeviceEvent.DOOR_CLOSED), at(70));
    assertThat(closed.events()).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(HealthEvent.BOX_DOOR_CLOSED);
      assertThat(e.details()).containsEntry("openForMs", 60_000L);
    });
    assertThat(closed.cleared()).containsExactly(new AlarmCleared("door:" + BOX, at(70), "door closed"));
    assertThat(model.snapshot(BOX).orElseThrow().has(BoxCondition.DOOR_OPEN)).isFalse();
  }

  @Test
  void telemetryLevelsDriveTheSameTransitions() {
    Outcomes out = model.telemetry(BOX, telemetry(at(1), false, 90, true, true), at(1));
    assertThat(out.events()).extracting(HealthEvent::kind)
        .containsExactly(HealthEvent.BOX_ON_BATTERY, HealthEvent.BOX_DOOR_OPEN, HealthEvent.BOX_TAMPER);
    assertThat(out.raised()).extracting(AlarmRaised::kind)
        .containsExactly(AlarmKinds.DOOR_OPEN, AlarmKinds.TAMPER, AlarmKinds.ON_BATTERY);
    assertThat(model.snapshot(BOX).orElseThrow().conditions()).containsExactlyInAnyOrder(
        BoxCondition.ONLINE, BoxCondition.ON_BATTERY, BoxCondition.DOOR_OPEN, BoxCondition.TAMPER);

    Outcomes back = model.telemetry(BOX, normal(at(2)), at(2));
    assertThat(back.events()).extracting(HealthEvent::kind).containsExactly(
        HealthEvent.BOX_MAINS_RESTORED, HealthEvent.BOX_DOOR_CLOSED, HealthEvent.BOX_TAMPER_CLEARED);
    assertThat(back.cleared()).extracting(AlarmCleared::reason)
        .containsExactly("door closed", "tamper cleared", "mains restored");
    assertThat(model.snapshot(BOX).orElseThrow().activeAlarms()).isEmpty();
  }

  @Test
  void anAlreadyActiveAlarmIsNeverRaisedAgain() {
    model.telemetry(BOX, telemetry(at(1), true, 100, true, false), at(1));
    for (int s = 2; s < 50; s++) {
      Outcomes out = model.telemetry(BOX, telemetry(at(s), true, 100, true, false), at(s));
      assertThat(out.isEmpty()).isTrue();
    }
    assertThat(model.event(BOX, device(at(50), DeviceEvent.DOOR_OPENED), at(50)).isEmpty()).isTrue();
    assertThat(model.snapshot(BOX).orElseThrow().activeAlarms()).containsOnlyKeys("door:" + BOX);
  }

  @Test
  void mainsEventsRaiseAndClearOnBattery() {
    model.telemetry(BOX, telemetry(at(1), true, 97, false, false), at(1));
    Outcomes lost = model.event(BOX, device(at(5), DeviceEvent.MAINS_LOST), at(5));
    assertThat(lost.events()).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(HealthEvent.BOX_ON_BATTERY);
      assertThat(e.details()).containsEntry("batteryPercent", 97.0);
    });
    assertThat(lost.raised()).singleElement().satisfies(a -> {
      assertThat(a.key()).isEqualTo("power:" + BOX);
      assertThat(a.severity()).isEqualTo(Severity.WARNING);
    });
    Outcomes restored = model.event(BOX, device(at(65), DeviceEvent.MAINS_RESTORED), at(65));
    assertThat(restored.events().get(0).details()).containsEntry("onBatteryForMs", 60_000L);
    assertThat(restored.cleared()).extracting(AlarmCleared::key).containsExactly("power:" + BOX);
  }

  @Test
  void tamperEventIsClearedByTelemetry() {
    Outcomes t = model.event(BOX, device(at(1), DeviceEvent.TAMPER), at(1));
    assertThat(t.raised()).extracting(AlarmRaised::key).containsExactly("tamper:" + BOX);
    Outcomes cleared = model.telemetry(BOX, normal(at(10)), at(10));
    assertThat(cleared.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_TAMPER_CLEARED);
    assertThat(cleared.cleared()).extracting(AlarmCleared::reason).containsExactly("tamper cleared");
  }

  @Test
  void anOlderMessageArrivingLateDoesNotUndoANewerOne() {
    model.event(BOX, device(at(10), DeviceEvent.DOOR_OPENED), at(10));
    // Telemetry sampled at 8 s, delivered after the door event on another topic.
    Outcomes late = model.telemetry(BOX, normal(at(8)), at(11));
    assertThat(late.isEmpty()).isTrue();
    assertThat(model.snapshot(BOX).orElseThrow().has(BoxCondition.DOOR_OPEN)).isTrue();
    assertThat(model.snapshot(BOX).orElseThrow().lastSeen()).isEqualTo(at(11));
  }

  @Test
  void aRebootResetsTheOrderingSoAResetClockIsNotIgnored() {
    model.event(BOX, device(at(100), DeviceEvent.DOOR_OPENED), at(100));
    model.event(BOX, device(at(90), DeviceEvent.REBOOT), at(101));
    Outcomes out = model.event(BOX, device(at(91), DeviceEvent.DOOR_CLOSED), at(102));
    assertThat(out.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_DOOR_CLOSED);
  }

  @Test
  void aWildDeviceClockIsReplacedByArrivalTime() {
    Outcomes open = model.event(BOX, device(at(-86_400), DeviceEvent.DOOR_OPENED), at(10));
    assertThat(open.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_DOOR_OPEN);
    Outcomes close = model.event(BOX, device(at(20), DeviceEvent.DOOR_CLOSED), at(20));
    assertThat(close.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_DOOR_CLOSED);
  }

  @Test
  void informationalDeviceEventsAreLogged() {
    assertThat(model.event(BOX, new DeviceEvent(at(1), DeviceEvent.REBOOT, "watchdog"), at(1)).events())
        .singleElement().satisfies(e -> {
          assertThat(e.kind()).isEqualTo(HealthEvent.BOX_REBOOT);
          assertThat(e.details()).containsEntry("detail", "watchdog");
        });
    assertThat(model.event(BOX, new DeviceEvent(at(2), DeviceEvent.CAMERA_PORT_FAULT, "port 3"), at(2)).events())
        .extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_CAMERA_PORT_FAULT);
    assertThat(model.event(BOX, device(at(3), DeviceEvent.CMD_RESULT), at(3)).isEmpty()).isTrue();
    assertThat(model.event(BOX, device(at(4), "something-new"), at(4)).isEmpty()).isTrue();
  }
}
