package org.safecity.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RtspRepliesTest {

  @Test
  void repliesSplitAnywhereAndInterleavedPacketsBetweenThemAreSkipped() {
    String setup = "RTSP/1.0 200 OK\r\nCSeq: 2\r\nSession: 12345678;timeout=60\r\n"
        + "Transport: RTP/AVP/TCP;unicast;interleaved=2-3;mode=record\r\n\r\n";
    String describe = "RTSP/1.0 401 Unauthorized\r\nCSeq: 3\r\nContent-Length: 5\r\n\r\nnope!";
    Buffer all = Buffer.buffer(setup).appendBytes(new byte[] {'$', 1, 0, 3, 9, 9, 9}).appendString(describe);
    for (int cut = 1; cut < all.length(); cut++) {
      List<RtspReplies.Reply> got = new ArrayList<>();
      RtspReplies r = new RtspReplies(got::add);
      r.feed(all.getBuffer(0, cut));
      r.feed(all.getBuffer(cut, all.length()));
      assertThat(got).as("split at %d", cut).hasSize(2);
      assertThat(got.get(0).status()).isEqualTo(200);
      assertThat(got.get(0).cseq()).isEqualTo(2);
      assertThat(got.get(0).session()).isEqualTo("12345678");
      assertThat(got.get(0).interleavedChannel(0)).isEqualTo(2);
      assertThat(got.get(1).status()).isEqualTo(401);
      assertThat(got.get(1).reason()).isEqualTo("Unauthorized");
      assertThat(got.get(1).body()).isEqualTo("nope!");
    }
  }

  @Test
  void aServerRequestIsNotAnAnswer() {
    List<RtspReplies.Reply> got = new ArrayList<>();
    new RtspReplies(got::add).feed(Buffer.buffer("GET_PARAMETER rtsp://x/cam RTSP/1.0\r\nCSeq: 1\r\n\r\n"));
    assertThat(got).singleElement().extracting(RtspReplies.Reply::status).isEqualTo(-1);
  }

  @Test
  void oversizedOrBrokenRepliesAreRefused() {
    RtspReplies r = new RtspReplies(x -> { });
    assertThatThrownBy(() -> r.feed(Buffer.buffer("RTSP/1.0 200 OK\r\nContent-Length: 99999999\r\n\r\n")))
        .isInstanceOf(RtspReplies.BadReply.class).hasMessageContaining("Content-Length out of range");
    RtspReplies endless = new RtspReplies(x -> { });
    assertThatThrownBy(() -> endless.feed(Buffer.buffer("RTSP/1.0 200 OK\r\nX: " + "a".repeat(20_000))))
        .isInstanceOf(RtspReplies.BadReply.class).hasMessageContaining("exceed");
  }
}
