package org.safecity.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped clip packetizes into what the gateway expects from a camera. */
class DemoClipTest {

  @Test
  void theShippedClipIsEightSecondsOfH264WithAKeyframeEveryTwo() {
    DemoClip clip = DemoClip.shipped();
    assertThat(clip.accessUnits()).isEqualTo(200);
    assertThat(clip.fps()).isEqualTo(25);
    List<Integer> keys = new ArrayList<>();
    for (int i = 0; i < clip.accessUnits(); i++) {
      if (clip.keyframe(i)) {
        keys.add(i);
      }
    }
    assertThat(keys).containsExactly(0, 50, 100, 150);
  }

  @Test
  void theSdpCarriesTheParameterSetsOfTheClip() {
    String sdp = DemoClip.shipped().sdp("127.0.0.1", "cam-s01-1");
    assertThat(sdp).contains("m=video 0 RTP/AVP 96\r\n", "a=rtpmap:96 H264/90000\r\n", "a=control:trackID=0\r\n",
        "packetization-mode=1;profile-level-id=4d");
    String sprop = sdp.replaceAll("(?s).*sprop-parameter-sets=([^\\r]+)\\r\\n.*", "$1");
    String[] sets = sprop.split(",");
    assertThat(Base64.getDecoder().decode(sets[0])[0] & 0x1f).as("SPS").isEqualTo(7);
    assertThat(Base64.getDecoder().decode(sets[1])[0] & 0x1f).as("PPS").isEqualTo(8);
  }

  @Test
  void anAccessUnitBecomesInterleavedRtpPacketsWithTheMarkerOnTheLast() {
    DemoClip clip = DemoClip.shipped();
    Buffer out = Buffer.buffer();
    int packets = clip.writeInterleaved(out, 0, 0, 65_534, 0x1_0000_0005L, 0xdeadbeefL);
    assertThat(packets).isEqualTo(clip.packets(0)).isGreaterThan(3); // SPS, PPS, SEI, IDR in FU-A fragments
    int pos = 0;
    for (int i = 0; i < packets; i++) {
      assertThat(out.getByte(pos)).isEqualTo((byte) '$');
      assertThat(out.getByte(pos + 1)).isEqualTo((byte) 0);
      int length = out.getUnsignedShort(pos + 2);
      assertThat(length).isLessThanOrEqualTo(DemoClip.MTU);
      assertThat(out.getUnsignedByte(pos + 4)).as("RTP version 2").isEqualTo((short) 0x80);
      boolean marker = (out.getUnsignedByte(pos + 5) & 0x80) != 0;
      assertThat(marker).isEqualTo(i == packets - 1);
      assertThat(out.getUnsignedByte(pos + 5) & 0x7f).isEqualTo(96);
      assertThat(out.getUnsignedShort(pos + 6)).as("sequence wraps").isEqualTo((65_534 + i) & 0xffff);
      assertThat(out.getUnsignedInt(pos + 8)).as("timestamp modulo 2^32").isEqualTo(5L);
      assertThat(out.getUnsignedInt(pos + 12)).isEqualTo(0xdeadbeefL);
      pos += 4 + length;
    }
    assertThat(pos).isEqualTo(out.length());
  }

  @Test
  void aClipMustStartWithAKeyframe() {
    byte[] pSlice = {0, 0, 0, 1, 0x41, (byte) 0x9a, 0x10};
    assertThatThrownBy(() -> DemoClip.of(pSlice, 25)).hasMessageContaining("must start with an IDR");
    assertThatThrownBy(() -> DemoClip.of(new byte[] {1, 2, 3}, 25)).hasMessageContaining("no H.264 access units");
  }
}
