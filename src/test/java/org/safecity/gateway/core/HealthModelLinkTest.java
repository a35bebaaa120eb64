package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.core.Fixture.BOX;
import static org.safecity.gateway.core.Fixture.T0;
import static org.safecity.gateway.core.Fixture.at;
import static org.safecity.gateway.core.Fixture.atMs;
import static org.safecity.gateway.core.Fixture.normal;

import java.time.Clock;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The link dimension: ONLINE / SILENT / OFFLINE, its detection bounds and disconnect causes. */
class HealthModelLinkTest {

  @Test
  void connectMakesTheBoxOnlineWithAnEventAndNoAlarm() {
    HealthModel model = Fixture.model();
    Outcomes out = model.connected(BOX, T0);

    assertThat(out.events()).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(HealthEvent.BOX_ONLINE);
      assertThat(e.boxId()).isEqualTo(BOX);
      assertThat(e.region()).isEqualTo(Fixture.REGION);
      assertThat(e.at()).isEqualTo(T0);
      assertThat(e.details()).containsEntry("previous", "unknown");
    });
    assertThat(out.raised()).isEmpty();
    BoxState s = model.snapshot(BOX).orElseThrow();
    assertThat(s.connected()).isTrue();
    assertThat(s.link()).isEqualTo(BoxCondition.ONLINE);
    assertThat(s.lastSeen()).isEqualTo(T0);
  }

  @Test
  void silenceIsRaisedAtExactlyBoxSilentAfterAndNotOneMillisecondBefore() {
    HealthModel model = Fixture.online();

    assertThat(model.tick(atMs(29_999)).isEmpty()).isTrue();
    assertThat(model.snapshot(BOX).orElseThrow().link()).isEqualTo(BoxCondition.ONLINE);

    Outcomes out = model.tick(at(30));
    assertThat(out.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_SILENT);
    assertThat(out.events().get(0).details()).containsEntry("silentForMs", 30_000L);
    assertThat(out.raised()).singleElement().satisfies(a -> {
      assertThat(a.kind()).isEqualTo(AlarmKinds.BOX_SILENT);
      assertThat(a.key()).isEqualTo("link:" + BOX);
      assertThat(a.severity()).isEqualTo(Severity.WARNING);
      assertThat(a.at()).isEqualTo(at(30));
    });
    assertThat(model.snapshot(BOX).orElseThrow().link()).isEqualTo(BoxCondition.SILENT);
    assertThat(model.tick(at(31)).isEmpty()).as("no second raise while active").isTrue();
  }

  @Test
  void everyMessageKindCountsAsASignOfLife() {
    HealthModel model = Fixture.online();
    model.telemetry(BOX, normal(at(10)), at(10));
    model.gps(BOX, Fixture.fix(at(20), 0, 5.0), at(20));
    model.event(BOX, Fixture.device(at(30), DeviceEvent.CMD_RESULT), at(30));
    assertThat(model.tick(atMs(59_999)).isEmpty()).isTrue();
    assertThat(model.tick(at(60)).events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_SILENT);
  }

  @Test
  void aMessageEndsSilence() {
    HealthModel model = Fixture.online();
    model.tick(at(30));

    Outcomes out = model.telemetry(BOX, normal(at(35)), at(35));
    assertThat(out.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_ONLINE);
    assertThat(out.events().get(0).details()).containsEntry("previous", "silent").containsEntry("previousForMs", 5_000L);
    assertThat(out.cleared()).singleElement().satisfies(c -> {
      assertThat(c.key()).isEqualTo("link:" + BOX);
      assertThat(c.reason()).isEqualTo("box back online");
    });
  }

  @ParameterizedTest
  @EnumSource(value = DisconnectCause.class, names = {"WILL", "KEEPALIVE_EXPIRED", "SOCKET_CLOSED", "TAKEN_OVER"})
  void uncleanDisconnectsMakeTheBoxOfflineWithAMajorAlarm(DisconnectCause cause) {
    HealthModel model = Fixture.online();
    Outcomes out = model.disconnected(BOX, at(5), cause);

    assertThat(out.events()).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(HealthEvent.BOX_OFFLINE);
      assertThat(e.details()).containsEntry("cause", cause.label()).containsEntry("lastSeen", T0.toString());
    });
    assertThat(out.raised()).singleElement().satisfies(a -> {
      assertThat(a.kind()).isEqualTo(AlarmKinds.BOX_OFFLINE);
      assertThat(a.severity()).isEqualTo(Severity.MAJOR);
      assertThat(a.details()).containsEntry("cause", cause.label());
    });
    BoxState s = model.snapshot(BOX).orElseThrow();
    assertThat(s.connected()).isFalse();
    assertThat(s.link()).isEqualTo(BoxCondition.OFFLINE);
  }

  @Test
  void cleanDisconnectIsLoggedButRaisesNothingByDefault() {
    HealthModel model = Fixture.online();
    Outcomes out = model.disconnected(BOX, at(5), DisconnectCause.CLEAN);
    assertThat(out.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_OFFLINE);
    assertThat(out.events().get(0).details()).containsEntry("cause", "clean");
    assertThat(out.raised()).isEmpty();
    assertThat(model.snapshot(BOX).orElseThrow().link()).isEqualTo(BoxCondition.OFFLINE);
    assertThat(model.tick(at(600)).isEmpty()).as("an offline box does not turn silent").isTrue();
  }

  @Test
  void cleanDisconnectRaisesAWarningWhenThePolicySaysSo() {
    HealthModel model = Fixture.online(HealthPolicy.builder().alarmOnCleanDisconnect(true).build());
    Outcomes out = model.disconnected(BOX, at(5), DisconnectCause.CLEAN);
    assertThat(out.raised()).singleElement().satisfies(a -> {
      assertThat(a.kind()).isEqualTo(AlarmKinds.BOX_OFFLINE);
      assertThat(a.severity()).isEqualTo(Severity.WARNING);
    });
  }

  @Test
  void silenceEscalatesToOfflineAsClearThenRaiseOnTheSameKey() {
    HealthModel model = Fixture.online();
    model.tick(at(30));

    Outcomes out = model.disconnected(BOX, at(45), DisconnectCause.KEEPALIVE_EXPIRED);
    assertThat(out.all()).hasSize(3);
    assertThat(out.all().get(0)).isInstanceOf(HealthEvent.class);
    assertThat(out.all().get(1)).isEqualTo(new AlarmCleared("link:" + BOX, at(45), "superseded by box-offline"));
    assertThat(out.all().get(2)).isInstanceOfSatisfying(AlarmRaised.class,
        a -> assertThat(a.kind()).isEqualTo(AlarmKinds.BOX_OFFLINE));
  }

  @Test
  void reconnectEndsOfflineAndClearsTheAlarm() {
    HealthModel model = Fixture.online();
    model.disconnected(BOX, at(5), DisconnectCause.WILL);

    Outcomes out = model.connected(BOX, at(65));
    assertThat(out.events()).singleElement().satisfies(e -> assertThat(e.details())
        .containsEntry("previous", "offline")
        .containsEntry("previousForMs", 60_000L)
        .containsEntry("offlineCause", "will"));
    assertThat(out.cleared()).extracting(AlarmCleared::reason).containsExactly("box back online");
    assertThat(model.snapshot(BOX).orElseThrow().activeAlarms()).isEmpty();
  }

  @Test
  void aBoxNeverHeardFromGoesOfflineAfterTheBound() {
    HealthModel model = Fixture.model();
    assertThat(model.snapshot(BOX).orElseThrow().link()).as("unknown until heard from").isNull();
    assertThat(model.tick(atMs(29_999)).isEmpty()).isTrue();

    Outcomes out = model.tick(at(30));
    assertThat(out.events()).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(HealthEvent.BOX_OFFLINE);
      assertThat(e.details()).containsEntry("cause", "never-seen");
    });
    assertThat(out.raised()).extracting(AlarmRaised::kind).containsExactly(AlarmKinds.BOX_OFFLINE);
    assertThat(out.raised().get(0).details()).containsEntry("cause", "never-seen");
  }

  @Test
  void takeoverWithTheNewSessionFirstChangesNothing() {
    HealthModel model = Fixture.online();
    assertThat(model.connected(BOX, at(1)).isEmpty()).isTrue();
    assertThat(model.disconnected(BOX, at(1), DisconnectCause.TAKEN_OVER).isEmpty()).isTrue();
    assertThat(model.snapshot(BOX).orElseThrow().connected()).isTrue();
  }

  @Test
  void aTakeoverStormProducesNoEventsAndTheLastCloseStillCounts() {
    HealthModel model = Fixture.online();
    for (int i = 1; i <= 1000; i++) {
      assertThat(model.connected(BOX, atMs(i)).isEmpty()).isTrue();
      assertThat(model.disconnected(BOX, atMs(i), DisconnectCause.TAKEN_OVER).isEmpty()).isTrue();
    }
    Outcomes out = model.disconnected(BOX, at(5), DisconnectCause.SOCKET_CLOSED);
    assertThat(out.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_OFFLINE);
  }

  @Test
  void takeoverReportedBeforeTheNewSessionFlapsOnceAndRecovers() {
    HealthModel model = Fixture.online();
    assertThat(model.disconnected(BOX, at(1), DisconnectCause.TAKEN_OVER).raised()).hasSize(1);
    assertThat(model.connected(BOX, at(1)).cleared()).hasSize(1);
    assertThat(model.snapshot(BOX).orElseThrow().link()).isEqualTo(BoxCondition.ONLINE);
  }

  @Test
  void duplicateDisconnectsAreIgnored() {
    HealthModel model = Fixture.online();
    model.disconnected(BOX, at(1), DisconnectCause.WILL);
    assertThat(model.disconnected(BOX, at(2), DisconnectCause.SOCKET_CLOSED).isEmpty()).isTrue();
  }

  @Test
  void aLateMessageAfterTheConnectionClosedDoesNotReviveTheLink() {
    HealthModel model = Fixture.online();
    model.disconnected(BOX, at(1), DisconnectCause.SOCKET_CLOSED);
    Outcomes out = model.telemetry(BOX, normal(at(1)), at(2));
    assertThat(out.isEmpty()).isTrue();
    BoxState s = model.snapshot(BOX).orElseThrow();
    assertThat(s.link()).isEqualTo(BoxCondition.OFFLINE);
    assertThat(s.lastSeen()).isEqualTo(at(2));
    assertThat(s.lastTelemetry()).isNotNull();
  }

  @Test
  void unknownBoxesAreIgnored() {
    HealthModel model = Fixture.online();
    assertThat(model.connected("nope", T0)).isSameAs(Outcomes.NONE);
    assertThat(model.telemetry("nope", normal(T0), T0)).isSameAs(Outcomes.NONE);
    assertThat(model.snapshot("nope")).isEmpty();
    assertThat(model.isRegistered("nope")).isFalse();
  }

  @Test
  void theClockIsUsedOnlyForRegistryCallsWithoutTime() {
    HealthModel model = new HealthModel(HealthPolicy.defaults(), Clock.fixed(at(100), ZoneOffset.UTC));
    model.register(Fixture.BOX_001);
    assertThat(model.tick(atMs(129_999)).isEmpty()).isTrue();
    assertThat(model.tick(at(130)).events()).hasSize(1);
  }
}
