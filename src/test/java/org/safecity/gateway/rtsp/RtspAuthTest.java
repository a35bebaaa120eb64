package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Digest arithmetic against RFC 2617's worked example, and the header parsing around it. */
class RtspAuthTest {
  @Test
  void rfc2617Example() {
    String ha1 = RtspAuth.md5("Mufasa:testrealm@host.com:Circle Of Life");
    assertThat(ha1).isEqualTo("939e7578ed9e3c518a452acee763bce9");
    assertThat(RtspAuth.digestResponse(ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "GET", "/dir/index.html", "auth",
        "00000001", "0a4f113b")).isEqualTo("6629fae49393a05397450978507c4ef1");
  }

  @Test
  void parametersWithQuotedCommasAndEscapes() {
    Map<String, String> p = RtspAuth.parseParams(
        "username=\"cam-1\", realm=\"SafeCity\", nonce=\"18c.ab\", uri=\"rtsp://h:8554/cam-1\", "
            + "response=\"0123\", qop=auth, nc=00000001, cnonce=\"a,b\\\"c\"");
    assertThat(p).containsEntry("username", "cam-1").containsEntry("realm", "SafeCity")
        .containsEntry("uri", "rtsp://h:8554/cam-1").containsEntry("qop", "auth").containsEntry("nc", "00000001")
        .containsEntry("cnonce", "a,b\"c");
  }

  @Test
  void garbageParametersDoNotThrow() {
    assertThat(RtspAuth.parseParams("=,,=\"")).isNotNull();
    assertThat(RtspAuth.parseParams("")).isEmpty();
  }
}
