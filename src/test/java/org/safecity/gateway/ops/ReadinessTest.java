package org.safecity.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class ReadinessTest {
  @Test
  void informationalPartsAreReportedButNeverMakeTheGatewayUnready() {
    Readiness r = new Readiness();
    r.set("http", Readiness.Check.ok());
    r.info("recognition.face", () -> Readiness.Check.failed("off: models missing"));
    JsonObject up = r.evaluate().result();
    assertThat(up.getString("status")).isEqualTo("UP");
    JsonObject face = up.getJsonObject("checks").getJsonObject("recognition.face");
    assertThat(face.getString("status")).isEqualTo("DOWN");
    assertThat(face.getString("detail")).isEqualTo("off: models missing");
    assertThat(face.getBoolean("informational")).isTrue();
    assertThat(up.getJsonObject("checks").getJsonObject("http").containsKey("informational")).isFalse();

    r.set("http", Readiness.Check.failed("stopping"));
    assertThat(r.evaluate().result().getString("status")).as("a required part still counts").isEqualTo("DOWN");
  }
}
