package org.safecity.gateway.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.safecity.gateway.core.BatteryEstimate;
import org.safecity.gateway.core.Box;
import org.safecity.gateway.core.BoxCondition;
import org.safecity.gateway.core.BoxMemento;
import org.safecity.gateway.core.BoxState;
import org.safecity.gateway.core.DisconnectCause;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.GpsFix;
import org.safecity.gateway.core.Telemetry;

/** What a node stores of a box it judges, and what another node shows of it: through JSON text, as in PostgreSQL. */
class MementoJsonTest {
  static final Instant T = Instant.parse("2026-11-25T03:00:00Z");
  static final Box BOX = new Box("box-1", "south", new GeoPoint(24.86, 67.01), 50, List.of("cam-1", "cam-2"));

  @Test
  void anotherNodeShowsTheBoxAsItsOwnerSeesIt() {
    BoxMemento m = new BoxMemento(EnumSet.of(BoxCondition.ONLINE, BoxCondition.DOOR_OPEN, BoxCondition.ON_BATTERY), null,
        T.plusSeconds(9), T, T.plusSeconds(3), null, null, T.plusSeconds(4), null, null, Map.of("cam-2", T.plusSeconds(5)),
        Map.of("door-open:box-1", "door-open"), new GpsFix(T.plusSeconds(2), new GeoPoint(24.861, 67.011), 8.0),
        T.plusSeconds(2), null);
    Telemetry telemetry = new Telemetry(T.plusSeconds(9), false, 71.5, 12.4, null, true, false);
    BatteryEstimate battery = new BatteryEstimate(T.plusSeconds(9), T.plusSeconds(7200), 35.75, 71.5, 12);
    BoxState owner = new BoxState(BOX, true, m.lastSeen(), m.conditions(), telemetry, m.lastPosition(), battery,
        m.camerasDown().keySet(), m.activeAlarms());

    JsonObject stored = new JsonObject(MementoJson.toJson(m, owner).encode());
    BoxState shown = MementoJson.state(BOX, stored);

    assertThat(shown).isEqualTo(owner);
    // The next owner restores the memento alone; the view is only shown.
    assertThat(MementoJson.fromJson(stored)).isEqualTo(m);
  }

  @Test
  void aStateWithoutViewIsShownDisconnected() {
    BoxMemento m = new BoxMemento(Set.of(BoxCondition.OFFLINE), DisconnectCause.KEEPALIVE_EXPIRED, T, T, null, null,
        null, null, null, null, Map.of(), Map.of(), null, null, null);
    BoxState shown = MementoJson.state(BOX, MementoJson.toJson(m));
    assertThat(shown.connected()).isFalse();
    assertThat(shown.link()).isEqualTo(BoxCondition.OFFLINE);
    assertThat(shown.lastTelemetry()).isNull();
    assertThat(shown.battery()).isNull();
  }
}
