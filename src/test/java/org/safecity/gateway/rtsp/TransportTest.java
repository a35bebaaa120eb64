package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Transport header as real clients write it. */
class TransportTest {
  @Test
  void ffmpegPublishingOverTcp() {
    assertThat(Transport.parseAll("RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"))
        .containsExactly(new Transport(true, false, 0, 1, -1, -1, true));
  }

  @Test
  void ffmpegPublishingOverUdp() {
    assertThat(Transport.parseAll("RTP/AVP/UDP;unicast;client_port=25000-25001;mode=record"))
        .containsExactly(new Transport(false, false, -1, -1, 25000, 25001, true));
  }

  @Test
  void lenientVariants() {
    // interleaved without /TCP, missing interleaved, quoted and upper-case mode, single client port
    assertThat(Transport.parseAll("RTP/AVP;interleaved=2-3")).containsExactly(new Transport(true, false, 2, 3, -1, -1, false));
    assertThat(Transport.parseAll("rtp/avp/tcp;unicast")).containsExactly(new Transport(true, false, -1, -1, -1, -1, false));
    assertThat(Transport.parseAll("RTP/AVP;unicast;client_port=5000;mode=\"RECORD\""))
        .containsExactly(new Transport(false, false, -1, -1, 5000, 5001, true));
  }

  @Test
  void alternativesInOrderAndUnservedOnesSkipped() {
    List<Transport> t = Transport.parseAll("RTP/SAVP;unicast, RTP/AVP;multicast, RTP/AVP/TCP;interleaved=4-5");
    assertThat(t).hasSize(2);
    assertThat(t.get(0).multicast()).isTrue();
    assertThat(t.get(1).rtpChannel()).isEqualTo(4);
  }

  @Test
  void malformedNumbersAreNotGuessed() {
    assertThat(Transport.parseAll("RTP/AVP/TCP;interleaved=x-1")).isEmpty();
    assertThat(Transport.parseAll("RTP/AVP;client_port=70000-70001")).isEmpty();
    assertThat(Transport.parseAll("RTP/AVP/TCP;interleaved=300-301")).isEmpty();
    assertThat(Transport.parseAll(null)).isEmpty();
  }

  @Test
  void replies() {
    assertThat(Transport.tcpReply(0, 1, true)).isEqualTo("RTP/AVP/TCP;unicast;interleaved=0-1;mode=record");
    assertThat(Transport.udpReply(5000, 5001, 8000, 8001, false))
        .isEqualTo("RTP/AVP;unicast;client_port=5000-5001;server_port=8000-8001");
  }
}
