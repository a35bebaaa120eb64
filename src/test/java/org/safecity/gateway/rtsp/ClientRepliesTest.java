package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClientRepliesTest {
  @Test
  void controlsResolveAgainstTheBaseAsCamerasMeanThem() {
    // GStreamer: Content-Base with a slash, relative controls
    assertThat(ClientReplies.resolve("rtsp://h:8554/stream1/", "stream=0")).isEqualTo("rtsp://h:8554/stream1/stream=0");
    // many IP cameras: a base without the slash
    assertThat(ClientReplies.resolve("rtsp://h/Streaming/Channels/101", "trackID=1"))
        .isEqualTo("rtsp://h/Streaming/Channels/101/trackID=1");
    assertThat(ClientReplies.resolve("rtsp://h/live?token=x", "trackID=1")).isEqualTo("rtsp://h/live/trackID=1?token=x");
    assertThat(ClientReplies.resolve("rtsp://h/s/", "rtsp://other/s/track1")).isEqualTo("rtsp://other/s/track1");
    assertThat(ClientReplies.resolve("rtsp://h/s/", "*")).isEqualTo("rtsp://h/s/");
    assertThat(ClientReplies.resolve("rtsp://h/s/", "")).isEqualTo("rtsp://h/s/");
  }

  @Test
  void theSessionLevelControlIsTheOneBeforeTheFirstMedia() {
    String sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=x\r\na=control:rtsp://h/agg\r\nm=video 0 RTP/AVP 96\r\na=control:t0\r\n";
    assertThat(ClientReplies.sessionControl(sdp)).isEqualTo("rtsp://h/agg");
    assertThat(ClientReplies.sessionControl("v=0\r\nm=video 0 RTP/AVP 96\r\na=control:t0\r\n")).isEmpty();
  }

  @Test
  void sessionTimeoutAndServerPorts() {
    assertThat(ClientReplies.sessionTimeout("8pQ2;timeout=30")).contains(30);
    assertThat(ClientReplies.sessionTimeout("8pQ2")).isEmpty();
    assertThat(ClientReplies.sessionTimeout("8pQ2; timeout=x")).isEmpty();
    String reply = "RTP/AVP;unicast;client_port=8000-8001;server_port=50000-50001;ssrc=1A2B;source=\"10.0.0.5\";mode=\"PLAY\"";
    assertThat(ClientReplies.serverPorts(reply)).hasValueSatisfying(p -> assertThat(p).containsExactly(50000, 50001));
    assertThat(ClientReplies.transportParameter(reply, "source")).contains("10.0.0.5");
    assertThat(ClientReplies.serverPorts("RTP/AVP;unicast;server_port=6970")).hasValueSatisfying(p ->
        assertThat(p).containsExactly(6970, 6971));
    assertThat(ClientReplies.serverPorts("RTP/AVP/TCP;interleaved=0-1")).isEqualTo(Optional.empty());
  }
}
