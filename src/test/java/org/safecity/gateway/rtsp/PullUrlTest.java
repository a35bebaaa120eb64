package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PullUrlTest {
  @Test
  void credentialsArePercentDecodedAndKeptOutOfBothUrls() {
    PullUrl u = PullUrl.parse("rtsp://admin:p%40ss%3Aw+rd@10.20.3.15:8554/Streaming/Channels/101");
    assertThat(u.host()).isEqualTo("10.20.3.15");
    assertThat(u.port()).isEqualTo(8554);
    assertThat(u.user()).contains("admin");
    assertThat(u.password()).contains("p@ss:w+rd");
    assertThat(u.requestUrl()).isEqualTo("rtsp://10.20.3.15:8554/Streaming/Channels/101");
    assertThat(u.redacted()).isEqualTo("rtsp://10.20.3.15:8554/Streaming/Channels/101");
    assertThat(u.toString()).doesNotContain("admin").doesNotContain("p%40ss");
    assertThat(u.udp()).isFalse();
  }

  @Test
  void theTransportParameterIsOursAndIsNotSentToTheCamera() {
    PullUrl u = PullUrl.parse("rtsp://cam.local/live?channel=1&transport=udp&subtype=0");
    assertThat(u.udp()).isTrue();
    assertThat(u.port()).isEqualTo(554);
    assertThat(u.requestUrl()).isEqualTo("rtsp://cam.local/live?channel=1&subtype=0");
    assertThat(u.redacted()).isEqualTo("rtsp://cam.local/live");
    assertThat(PullUrl.parse("rtsp://cam.local/live?transport=tcp").requestUrl()).isEqualTo("rtsp://cam.local/live");
    assertThat(PullUrl.parse("rtsp://cam.local/live?transport=tcp").udp()).isFalse();
  }

  @Test
  void userWithoutPasswordAndNoUserAtAll() {
    assertThat(PullUrl.parse("rtsp://viewer@h/s").password()).isEmpty();
    assertThat(PullUrl.parse("rtsp://viewer@h/s").user()).contains("viewer");
    assertThat(PullUrl.parse("rtsp://h").hasCredentials()).isFalse();
    assertThat(PullUrl.parse("rtsp://h").requestUrl()).isEqualTo("rtsp://h/");
  }

  @Test
  void ipv6HostsKeepTheirBrackets() {
    PullUrl u = PullUrl.parse("rtsp://u:p@[fe80::1]:554/s");
    assertThat(u.host()).isEqualTo("fe80::1");
    assertThat(u.requestUrl()).isEqualTo("rtsp://[fe80::1]:554/s");
  }

  @Test
  void refusalsDoNotRepeatTheUrl() {
    assertThatThrownBy(() -> PullUrl.parse("http://u:secret@h/s")).hasMessageNotContaining("secret");
    assertThatThrownBy(() -> PullUrl.parse("rtsps://u:secret@h/s")).hasMessageContaining("rtsps").hasMessageNotContaining("secret");
    assertThatThrownBy(() -> PullUrl.parse("rtsp://u:sec ret@h/s")).hasMessageNotContaining("sec ret");
  }
}
