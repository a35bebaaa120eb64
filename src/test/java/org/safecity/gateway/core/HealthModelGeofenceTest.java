package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.safecity.gateway.core.Fixture.BOX;
import static org.safecity.gateway.core.Fixture.at;
import static org.safecity.gateway.core.Fixture.fix;

import org.junit.jupiter.api.Test;

/** Moved / returned through the model; BOX_001 has a 50 m geofence. */
class HealthModelGeofenceTest {

  private final HealthModel model = Fixture.online();

  @Test
  void aFixOutsideTheFencePlusItsAccuracyMovesTheBox() {
    assertThat(model.gps(BOX, fix(at(1), 60, 15.0), at(1)).isEmpty()).as("60 - 15 m may be inside").isTrue();

    Outcomes moved = model.gps(BOX, fix(at(2), 80, 15.0), at(2));
    assertThat(moved.events()).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(HealthEvent.BOX_MOVED);
      assertThat(e.details()).containsEntry("distanceMeters", 80.0)
          .containsEntry("accuracyMeters", 15.0)
          .containsEntry("geofenceMeters", 50.0);
    });
    assertThat(moved.raised()).singleElement().satisfies(a -> {
      assertThat(a.key()).isEqualTo("moved:" + BOX);
      assertThat(a.kind()).isEqualTo(AlarmKinds.BOX_MOVED);
      assertThat(a.severity()).isEqualTo(Severity.MAJOR);
      assertThat(a.summary()).contains("80 m");
    });
    assertThat(model.snapshot(BOX).orElseThrow().has(BoxCondition.MOVED)).isTrue();
  }

  @Test
  void returningNeedsTheFixInsideAndTheBandBetweenDoesNotFlap() {
    model.gps(BOX, fix(at(1), 200, 5.0), at(1));
    assertThat(model.gps(BOX, fix(at(2), 52, 5.0), at(2)).isEmpty()).isTrue();
    assertThat(model.gps(BOX, fix(at(3), 54, 5.0), at(3)).isEmpty()).isTrue();

    Outcomes back = model.gps(BOX, fix(at(4), 30, 40.0), at(4));
    assertThat(back.events()).extracting(HealthEvent::kind).containsExactly(HealthEvent.BOX_RETURNED);
    assertThat(back.cleared()).containsExactly(new AlarmCleared("moved:" + BOX, at(4), "box back inside its geofence"));
  }

  @Test
  void poorFixesAreRecordedButDecideNothing() {
    Outcomes out = model.gps(BOX, fix(at(1), 5000, 500.0), at(1));
    assertThat(out.isEmpty()).isTrue();
    assertThat(model.snapshot(BOX).orElseThrow().lastPosition().accuracyMeters()).isEqualTo(500.0);
  }

  @Test
  void anOlderFixArrivingLateIsIgnored() {
    model.gps(BOX, fix(at(10), 200, 5.0), at(10));
    assertThat(model.gps(BOX, fix(at(5), 0, 5.0), at(11)).isEmpty()).isTrue();
    assertThat(model.snapshot(BOX).orElseThrow().has(BoxCondition.MOVED)).isTrue();
  }
}
