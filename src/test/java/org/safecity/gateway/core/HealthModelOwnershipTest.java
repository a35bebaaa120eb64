package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.core.Fixture.BOX;
import static org.safecity.gateway.core.Fixture.BOX_001;
import static org.safecity.gateway.core.Fixture.T0;
import static org.safecity.gateway.core.Fixture.at;
import static org.safecity.gateway.core.Fixture.device;
import static org.safecity.gateway.core.Fixture.fix;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Several gateway nodes: a box is judged by one node at a time, its state moves with it, and a lost node's boxes get a grace. */
class HealthModelOwnershipTest {
  static final HealthPolicy POLICY = HealthPolicy.defaults().toBuilder().boxSilentAfter(Duration.ofSeconds(30)).build();

  /** A cluster node's model: boxes are registered but judged only once owned. */
  static HealthModel node() {
    HealthModel m = new HealthModel(POLICY, Clock.fixed(T0, ZoneOffset.UTC), false);
    m.register(BOX_001, T0);
    return m;
  }

  @Test
  void aBoxNoNodeOwnsIsNotJudgedHere() {
    HealthModel m = node();
    assertThat(m.judgedHere(BOX)).isFalse();
    assertThat(m.tick(at(3600)).all()).as("never-seen is not this node's call").isEmpty();
    assertThat(m.connected(BOX, at(1)).all()).as("inputs of a box owned elsewhere change nothing").isEmpty();
    assertThat(m.memento(BOX)).isEmpty();
  }

  @Test
  void theStateAndItsAlarmsMoveWithTheBox() {
    HealthModel a = node();
    a.own(BOX, null, null, at(0));
    a.connected(BOX, at(0));
    Outcomes door = a.event(BOX, device(at(10), DeviceEvent.DOOR_OPENED), at(10));
    assertThat(door.raised()).extracting(AlarmRaised::kind).containsExactly(AlarmKinds.DOOR_OPEN);
    a.gps(BOX, fix(at(20), 300, 5.0), at(20));
    BoxMemento handed = a.memento(BOX).orElseThrow();

    HealthModel b = node();
    b.own(BOX, handed, null, at(25));
    assertThat(b.snapshot(BOX).orElseThrow().activeAlarms()).containsOnlyKeys("door:" + BOX, "moved:" + BOX);
    assertThat(b.connected(BOX, at(25)).raised()).as("alarms already raised by the last owner are not raised again").isEmpty();
    a.release(BOX);
    assertThat(a.disconnected(BOX, at(26), DisconnectCause.TAKEN_OVER).all()).as("the old node says nothing").isEmpty();
    // The theft sequence started on node A completes on node B.
    Outcomes gone = b.disconnected(BOX, at(60), DisconnectCause.KEEPALIVE_EXPIRED);
    assertThat(gone.raised()).extracting(AlarmRaised::kind).containsExactly(AlarmKinds.THEFT_SUSPECTED);
  }

  @Test
  void aLostNodesBoxIsNeitherSilentNorOfflineWithinTheGraceAndComesBackQuietly() {
    HealthModel a = node();
    a.own(BOX, null, null, at(0));
    a.connected(BOX, at(0));
    BoxMemento left = a.memento(BOX).orElseThrow();

    HealthModel b = node();
    b.own(BOX, left, at(100), at(50)); // node A lost at 50 s, grace until 100 s
    assertThat(b.tick(at(99)).all()).as("no silence and no offline within the grace (boxSilentAfter is 30 s)").isEmpty();
    Outcomes back = b.connected(BOX, at(99));
    assertThat(back.raised()).isEmpty();
    assertThat(back.events()).as("it never went offline, so it is not 'online again' either").isEmpty();
    assertThat(b.tick(at(101)).all()).isEmpty();
    assertThat(b.snapshot(BOX).orElseThrow().link()).isEqualTo(BoxCondition.ONLINE);
  }

  @Test
  void aBoxThatDoesNotComeBackWithinTheGraceIsFlaggedAsUsual() {
    HealthModel a = node();
    a.own(BOX, null, null, at(0));
    a.connected(BOX, at(0));
    HealthModel b = node();
    b.own(BOX, a.memento(BOX).orElseThrow(), at(100), at(50));
    assertThat(b.tick(at(99)).all()).isEmpty();
    Outcomes after = b.tick(at(100));
    assertThat(after.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_OFFLINE);
    assertThat(after.events().get(0).details()).containsEntry("cause", "node-lost");
    assertThat(after.raised()).extracting(AlarmRaised::kind).containsExactly(AlarmKinds.BOX_OFFLINE);
  }

  @Test
  void aTheftInProgressWhenTheNodeDiesIsStillCaughtAfterTheGrace() {
    HealthModel a = node();
    a.own(BOX, null, null, at(0));
    a.connected(BOX, at(0));
    a.event(BOX, device(at(10), DeviceEvent.DOOR_OPENED), at(10));
    a.gps(BOX, fix(at(20), 300, 5.0), at(20));
    HealthModel b = node();
    b.own(BOX, a.memento(BOX).orElseThrow(), at(90), at(30));
    Outcomes after = b.tick(at(90));
    assertThat(after.raised()).extracting(AlarmRaised::kind).containsExactly(AlarmKinds.THEFT_SUSPECTED);
  }
}
