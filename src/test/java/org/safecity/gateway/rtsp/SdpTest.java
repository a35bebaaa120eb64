package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** SDP as ffmpeg's RTSP muxer announces it, and as readers get it back. */
class SdpTest {
  /** What `ffmpeg -f lavfi -i testsrc -c:v libx264 -f rtsp` announced (captured from this project's IT). */
  static final String FFMPEG_H264 = """
      v=0
      o=- 0 0 IN IP4 127.0.0.1
      s=No Name
      c=IN IP4 127.0.0.1
      t=0 0
      a=tool:libavformat 59.27.100
      m=video 0 RTP/AVP 96
      a=rtpmap:96 H264/90000
      a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z2QAFaw7UFAX/LCAAAADAIAAABkHixbL,aOvssiw=; profile-level-id=640015
      a=control:streamid=0
      m=audio 0 RTP/AVP 97
      a=rtpmap:97 MPEG4-GENERIC/48000/2
      a=control:streamid=1
      """;

  @Test
  void mediaCodecsClockRatesControlsAndParameterSets() {
    Sdp sdp = Sdp.parse(FFMPEG_H264);
    assertThat(sdp.media()).hasSize(2);
    Sdp.Media v = sdp.media().get(0);
    assertThat(v.isH264()).isTrue();
    assertThat(v.clockRate()).isEqualTo(90_000);
    assertThat(v.control()).isEqualTo("streamid=0");
    assertThat(v.parameterSets()).hasSize(2);
    assertThat(v.parameterSets().get(0)[0] & 0x1f).as("SPS").isEqualTo(7);
    assertThat(v.parameterSets().get(1)[0] & 0x1f).as("PPS").isEqualTo(8);
    Sdp.Media a = sdp.media().get(1);
    assertThat(a.encoding()).isEqualTo("MPEG4-GENERIC");
    assertThat(a.clockRate()).isEqualTo(48_000);
    assertThat(sdp.trackFor("streamid=1")).contains(1);
    assertThat(sdp.trackFor("streamid=7")).isEmpty();
  }

  @Test
  void absoluteControlUrlsMatchTheirTail() {
    Sdp sdp = Sdp.parse("v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\na=control:rtsp://10.0.0.5:554/cam-1/trackID=1\r\n");
    assertThat(sdp.trackFor("trackID=1")).contains(0);
    assertThat(sdp.media().get(0).isH265()).isTrue();
  }

  @Test
  void readersGetTrackIdsAndTheLatestParameterSets() {
    Sdp sdp = Sdp.parse(FFMPEG_H264);
    String out = Sdp.forReaders("cam-1", sdp.media(), List.of(Optional.of("packetization-mode=1;sprop-parameter-sets=AAA,BBB"),
        Optional.empty()));
    assertThat(out).contains("s=cam-1\r\n", "m=video 0 RTP/AVP 96\r\n", "a=rtpmap:96 H264/90000\r\n",
        "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=AAA,BBB\r\n", "a=control:trackID=0\r\n",
        "m=audio 0 RTP/AVP 97\r\n", "a=control:trackID=1\r\n");
    assertThat(out).doesNotContain("streamid=");
    assertThat(Sdp.parse(out).media()).hasSize(2);
  }

  @Test
  void structuralProblemsAreNamed() {
    assertThatThrownBy(() -> Sdp.parse("m=video 0 RTP/AVP 96\r\n")).hasMessage("SDP has no v= line");
    assertThatThrownBy(() -> Sdp.parse("v=0\r\ns=x\r\n")).hasMessage("SDP has no media section (m= line)");
    assertThatThrownBy(() -> Sdp.parse("v=0\r\nm=video 0 RTP/AVP x\r\n")).hasMessageContaining("payload type x is not a number");
    assertThatThrownBy(() -> Sdp.parse("v=0\r\nm=video 0 RTP/AVP 200\r\n")).hasMessageContaining("not 0..127");
    assertThatThrownBy(() -> Sdp.parse("v=0\r\ngarbage\r\n")).hasMessageContaining("line 2 is not <type>=<value>");
    assertThatThrownBy(() -> Sdp.parse("v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/0\r\n"))
        .hasMessageContaining("clock rate must be positive");
    StringBuilder many = new StringBuilder("v=0\r\n");
    for (int i = 0; i < 9; i++) {
      many.append("m=video 0 RTP/AVP 96\r\n");
    }
    assertThatThrownBy(() -> Sdp.parse(many.toString())).hasMessageContaining("more than 8 media sections");
  }
}
