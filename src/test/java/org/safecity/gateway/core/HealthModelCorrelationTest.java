package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.core.Fixture.BOX;
import static org.safecity.gateway.core.Fixture.at;
import static org.safecity.gateway.core.Fixture.device;
import static org.safecity.gateway.core.Fixture.fix;
import static org.safecity.gateway.core.Fixture.telemetry;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** One cause, one alarm: theft and site (power or link) loss. */
class HealthModelCorrelationTest {

  @Nested
  class Theft {

    private final HealthModel model = Fixture.online();

    private void doorOpenThenMoved(long doorAt, long movedAt) {
      model.event(BOX, device(at(doorAt), DeviceEvent.DOOR_OPENED), at(doorAt));
      model.gps(BOX, fix(at(movedAt), 300, 5.0), at(movedAt));
    }

    @Test
    void doorOpenThenMovedThenOfflineIsOneCriticalTheftAlarmThatAbsorbsTheOthers() {
      doorOpenThenMoved(10, 120);
      assertThat(model.snapshot(BOX).orElseThrow().activeAlarms())
          .containsOnlyKeys("door:" + BOX, "moved:" + BOX);

      Outcomes out = model.disconnected(BOX, at(300), DisconnectCause.KEEPALIVE_EXPIRED);

      assertThat(out.raised()).singleElement().satisfies(a -> {
        assertThat(a.key()).isEqualTo("theft:" + BOX);
        assertThat(a.kind()).isEqualTo(AlarmKinds.THEFT_SUSPECTED);
        assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.details()).containsEntry("doorOpenedAt", at(10).toString())
            .containsEntry("movedAt", at(120).toString())
            .containsEntry("offlineAt", at(300).toString())
            .containsEntry("cause", "keepalive-expired")
            .containsKey("lastPosition");
      });
      assertThat(out.cleared()).extracting(AlarmCleared::key).containsExactly("door:" + BOX, "moved:" + BOX);
      assertThat(out.cleared()).extracting(AlarmCleared::reason).containsOnly("absorbed by theft-suspected");
      assertThat(model.snapshot(BOX).orElseThrow().activeAlarms()).containsOnlyKeys("theft:" + BOX);
    }

    @Test
    void theftAbsorbsLaterAlarmsOfTheBoxIncludingItsCameras() {
      doorOpenThenMoved(10, 120);
      model.disconnected(BOX, at(300), DisconnectCause.WILL);
      model.camerasDown(BOX, Set.copyOf(Fixture.CAMERAS), at(301));
      assertThat(model.tick(at(1000)).raised()).isEmpty();
      assertThat(model.snapshot(BOX).orElseThrow().activeAlarms()).containsOnlyKeys("theft:" + BOX);
    }

    @Test
    void theWindowIsInclusiveAndMeasuredFromTheDoorOpening() {
      doorOpenThenMoved(0, 500);
      Outcomes out = model.disconnected(BOX, at(600), DisconnectCause.WILL);
      assertThat(out.raised()).extracting(AlarmRaised::kind).containsExactly(AlarmKinds.THEFT_SUSPECTED);
    }

    @Test
    void offlineAfterTheWindowIsNoTheft() {
      doorOpenThenMoved(0, 500);
      Outcomes out = model.disconnected(BOX, at(601), DisconnectCause.WILL);
      assertThat(out.raised()).extracting(AlarmRaised::kind).containsExactly(AlarmKinds.BOX_OFFLINE);
      assertThat(model.snapshot(BOX).orElseThrow().activeAlarms())
          .containsOnlyKeys("link:" + BOX, "door:" + BOX, "moved:" + BOX);
    }

    @Test
    void doorOpenedAndClosedWithoutMovingIsNoTheft() {
      model.event(BOX, device(at(10), DeviceEvent.DOOR_OPENED), at(10));
      Outcomes closed = model.event(BOX, device(at(60), DeviceEvent.DOOR_CLOSED), at(60));
      assertThat(closed.cleared()).extracting(AlarmCleared::reason).containsExactly("door closed");

      Outcomes off = model.disconnected(BOX, at(120), DisconnectCause.WILL);
      assertThat(off.raised()).extracting(AlarmRaised::kind).containsExactly(AlarmKinds.BOX_OFFLINE);
    }

    @Test
    void movedBeforeTheDoorOpenedIsNotTheSequence() {
      model.gps(BOX, fix(at(10), 300, 5.0), at(10));
      model.event(BOX, device(at(20), DeviceEvent.DOOR_OPENED), at(20));
      Outcomes out = model.disconnected(BOX, at(30), DisconnectCause.WILL);
      assertThat(out.raised()).extracting(AlarmRaised::kind).containsExactly(AlarmKinds.BOX_OFFLINE);
    }

    @Test
    void aBoxBackInsideItsFenceBeforeGoingOfflineIsNoTheft() {
      doorOpenThenMoved(10, 20);
      model.gps(BOX, fix(at(30), 0, 5.0), at(30));
      Outcomes out = model.disconnected(BOX, at(40), DisconnectCause.WILL);
      assertThat(out.raised()).extracting(AlarmRaised::kind).containsExactly(AlarmKinds.BOX_OFFLINE);
    }

    @Test
    void aCleanShutdownAfterDoorAndMoveIsMaintenanceNotTheft() {
      doorOpenThenMoved(10, 20);
      Outcomes out = model.disconnected(BOX, at(40), DisconnectCause.CLEAN);
      assertThat(out.raised()).isEmpty();
      assertThat(model.snapshot(BOX).orElseThrow().activeAlarms()).containsOnlyKeys("door:" + BOX, "moved:" + BOX);
    }

    @Test
    void theftHoldsWhileTheBoxIsOnlineElsewhereAndClearsWhenItIsBack() {
      doorOpenThenMoved(10, 20);
      model.disconnected(BOX, at(40), DisconnectCause.SOCKET_CLOSED);

      Outcomes elsewhere = model.connected(BOX, at(4000));
      model.gps(BOX, fix(at(4001), 5000, 5.0), at(4001));
      assertThat(elsewhere.cleared()).isEmpty();
      assertThat(model.snapshot(BOX).orElseThrow().activeAlarms()).containsOnlyKeys("theft:" + BOX);

      Outcomes home = model.gps(BOX, fix(at(9000), 0, 5.0), at(9000));
      assertThat(home.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_RETURNED);
      assertThat(home.cleared()).containsExactly(
          new AlarmCleared("theft:" + BOX, at(9000), "box back online inside its geofence"));
      // The door is still open (nothing closed it): its own alarm comes back.
      assertThat(home.raised()).extracting(AlarmRaised::kind).containsExactly(AlarmKinds.DOOR_OPEN);
    }
  }

  @Nested
  class SiteLoss {

    private final HealthModel model = Fixture.online();

    private List<String> kinds(Outcomes out) {
      return out.raised().stream().map(AlarmRaised::kind).toList();
    }

    @Test
    void offlineThenHalfTheCamerasDownEscalatesToOnePowerOrLinkLost() {
      assertThat(kinds(model.disconnected(BOX, at(0), DisconnectCause.KEEPALIVE_EXPIRED)))
          .containsExactly(AlarmKinds.BOX_OFFLINE);

      Outcomes one = model.cameraDown(BOX, "cam-1", at(2));
      assertThat(one.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.CAMERA_DOWN);
      assertThat(one.raised()).as("1 of 4 is below the quorum").isEmpty();

      Outcomes two = model.cameraDown(BOX, "cam-2", at(3));
      assertThat(two.cleared()).containsExactly(
          new AlarmCleared("link:" + BOX, at(3), "superseded by power-or-link-lost"));
      assertThat(two.raised()).singleElement().satisfies(a -> {
        assertThat(a.key()).isEqualTo("link:" + BOX);
        assertThat(a.kind()).isEqualTo(AlarmKinds.POWER_OR_LINK_LOST);
        assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(a.details()).containsEntry("camerasDown", List.of("cam-1", "cam-2"))
            .containsEntry("cameras", 4)
            .containsEntry("cause", "keepalive-expired");
      });

      // The rest of the cameras go down and the grace periods pass: still exactly one alarm.
      model.camerasDown(BOX, Set.of("cam-3", "cam-4"), at(4));
      List<AlarmRaised> later = new ArrayList<>();
      for (int s = 5; s <= 120; s++) {
        later.addAll(model.tick(at(s)).raised());
      }
      assertThat(later).isEmpty();
      assertThat(model.snapshot(BOX).orElseThrow().activeAlarms()).containsOnlyKeys("link:" + BOX);
    }

    @Test
    void camerasFirstThenSilenceNeverRaisesPerCameraAlarms() {
      // Power cut right after a message at 0 s: the camera side notices in a few seconds, the box
      // goes silent at 30 s, and the camera grace (30 s) has not run out for any camera by then.
      model.camerasDown(BOX, Set.copyOf(Fixture.CAMERAS), at(5));
      List<Outcome> all = new ArrayList<>();
      for (int s = 6; s <= 200; s++) {
        all.addAll(model.tick(at(s)).all());
      }
      all.addAll(model.disconnected(BOX, at(90), DisconnectCause.KEEPALIVE_EXPIRED).all());
      for (int s = 201; s <= 300; s++) {
        all.addAll(model.tick(at(s)).all());
      }
      Outcomes out = new Outcomes(all);
      assertThat(out.raised()).singleElement().satisfies(a -> {
        assertThat(a.kind()).isEqualTo(AlarmKinds.POWER_OR_LINK_LOST);
        assertThat(a.at()).isEqualTo(at(30));
        assertThat(a.details()).containsEntry("link", "silent");
      });
      assertThat(out.cleared()).isEmpty();
    }

    @Test
    void belowTheQuorumBoxAndCameraAlarmsStaySeparate() {
      model.disconnected(BOX, at(0), DisconnectCause.WILL);
      model.cameraDown(BOX, "cam-3", at(1));
      assertThat(model.tick(at(30)).raised()).isEmpty();
      Outcomes graceOver = model.tick(at(31));
      assertThat(graceOver.raised()).singleElement().satisfies(a -> {
        assertThat(a.key()).isEqualTo("camera:cam-3");
        assertThat(a.kind()).isEqualTo(AlarmKinds.CAMERA_DOWN);
        assertThat(a.boxId()).isEqualTo(BOX);
        assertThat(a.details()).containsEntry("cameraId", "cam-3");
      });
      assertThat(model.snapshot(BOX).orElseThrow().activeAlarms()).containsOnlyKeys("link:" + BOX, "camera:cam-3");

      // A second camera reaches the quorum: the separate alarms fold into one.
      Outcomes folded = model.cameraDown(BOX, "cam-4", at(40));
      assertThat(folded.cleared()).extracting(AlarmCleared::key, AlarmCleared::reason).containsExactly(
          org.assertj.core.groups.Tuple.tuple("link:" + BOX, "superseded by power-or-link-lost"),
          org.assertj.core.groups.Tuple.tuple("camera:cam-3", "absorbed by power-or-link-lost"));
      assertThat(kinds(folded)).containsExactly(AlarmKinds.POWER_OR_LINK_LOST);
    }

    @Test
    void camerasDownWhileTheBoxIsOnlineAreAlarmedAfterTheGraceOnly() {
      model.camerasDown(BOX, Set.of("cam-1", "cam-2", "cam-3"), at(1));
      assertThat(model.telemetry(BOX, Fixture.normal(at(20)), at(20)).raised()).isEmpty();
      assertThat(model.tick(at(30)).raised()).isEmpty();
      assertThat(model.tick(at(31)).raised()).extracting(AlarmRaised::key)
          .containsExactly("camera:cam-1", "camera:cam-2", "camera:cam-3");
      Outcomes up = model.cameraUp(BOX, "cam-2", at(40));
      assertThat(up.events()).singleElement().satisfies(e -> assertThat(e.details()).containsEntry("downForMs", 39_000L));
      assertThat(up.cleared()).containsExactly(new AlarmCleared("camera:cam-2", at(40), "camera up"));
    }

    @Test
    void theSiteLossHoldsUntilTheBoxIsBackThenStillDeadCamerasAreAlarmedOnTheirOwn() {
      model.disconnected(BOX, at(0), DisconnectCause.WILL);
      model.camerasDown(BOX, Set.of("cam-1", "cam-2"), at(1));
      // One camera recovers while the box is still dark: no flapping back to separate alarms.
      assertThat(model.cameraUp(BOX, "cam-1", at(10)).all()).extracting(o -> o.getClass().getSimpleName())
          .containsExactly("HealthEvent");
      assertThat(model.tick(at(100)).isEmpty()).isTrue();

      Outcomes back = model.connected(BOX, at(200));
      assertThat(back.cleared()).containsExactly(new AlarmCleared("link:" + BOX, at(200), "box back online"));
      assertThat(back.raised()).extracting(AlarmRaised::key).containsExactly("camera:cam-2");
    }

    @Test
    void aCleanShutdownTakesItsCamerasWithoutAnyAlarm() {
      model.disconnected(BOX, at(0), DisconnectCause.CLEAN);
      model.camerasDown(BOX, Set.copyOf(Fixture.CAMERAS), at(2));
      List<AlarmRaised> raised = new ArrayList<>();
      for (int s = 3; s <= 100; s++) {
        raised.addAll(model.tick(at(s)).raised());
      }
      assertThat(raised).isEmpty();
    }

    @Test
    void aBoxWithoutCamerasNeverReportsSiteLoss() {
      HealthModel bare = new HealthModel(HealthPolicy.defaults(), java.time.Clock.fixed(Fixture.T0, java.time.ZoneOffset.UTC));
      bare.register(new Box("box-9", "south", Fixture.HOME, 30, List.of()));
      bare.connected("box-9", at(0));
      assertThat(kinds(bare.disconnected("box-9", at(1), DisconnectCause.WILL)))
          .containsExactly(AlarmKinds.BOX_OFFLINE);
      assertThat(bare.cameraDown("box-9", "cam-1", at(2)).isEmpty()).as("not its camera").isTrue();
    }

    @Test
    void withQuorumAllEveryCameraMustBeDown() {
      HealthModel strict = Fixture.online(HealthPolicy.builder().cameraQuorum(1.0).build());
      strict.disconnected(BOX, at(0), DisconnectCause.WILL);
      assertThat(kinds(strict.camerasDown(BOX, Set.of("cam-1", "cam-2", "cam-3"), at(1)))).isEmpty();
      assertThat(kinds(strict.cameraDown(BOX, "cam-4", at(2)))).containsExactly(AlarmKinds.POWER_OR_LINK_LOST);
    }

    @Test
    void neverSeenBoxWithDarkCamerasAtStartUpIsOneSiteLoss() {
      HealthModel fresh = Fixture.model();
      fresh.camerasDown(BOX, Set.copyOf(Fixture.CAMERAS), at(3));
      List<AlarmRaised> raised = new ArrayList<>();
      for (int s = 4; s <= 100; s++) {
        raised.addAll(fresh.tick(at(s)).raised());
      }
      assertThat(raised).extracting(AlarmRaised::kind).containsExactly(AlarmKinds.POWER_OR_LINK_LOST);
      assertThat(raised.get(0).details()).containsEntry("cause", "never-seen");
    }

    @Test
    void batteryAlarmsAreKeptNextToTheSiteLossForTheStory() {
      model.telemetry(BOX, telemetry(at(0), false, 15, false, false), at(0));
      model.disconnected(BOX, at(10), DisconnectCause.KEEPALIVE_EXPIRED);
      Outcomes out = model.camerasDown(BOX, Set.copyOf(Fixture.CAMERAS), at(11));
      assertThat(out.raised()).singleElement().satisfies(a ->
          assertThat(a.details()).containsEntry("onBattery", true).containsEntry("batteryPercent", 15.0));
      assertThat(model.snapshot(BOX).orElseThrow().activeAlarms())
          .containsOnlyKeys("power:" + BOX, "battery:" + BOX, "link:" + BOX);
    }
  }
}
