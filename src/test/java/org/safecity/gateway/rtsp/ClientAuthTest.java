package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientAuthTest {
  /** RFC 2617 section 3.5, the worked example. */
  static final String RFC_CHALLENGE = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
      + "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

  static ClientAuth mufasa() {
    return new ClientAuth("Mufasa", "Circle Of Life", () -> "0a4f113b");
  }

  static Map<String, String> params(String header) {
    assertThat(header).startsWith("Digest ");
    return RtspAuth.parseParams(header.substring(7));
  }

  @Test
  void digestWithQopAuthReproducesTheRfc2617WorkedExample() {
    ClientAuth a = mufasa();
    assertThat(a.challenged(List.of(RFC_CHALLENGE))).isEqualTo(ClientAuth.Outcome.RETRY);
    Map<String, String> p = params(a.authorization("GET", "/dir/index.html").orElseThrow());
    assertThat(p).containsEntry("username", "Mufasa").containsEntry("realm", "testrealm@host.com")
        .containsEntry("nonce", "dcd98b7102dd2f0e8b11d0f600bfb0c093").containsEntry("uri", "/dir/index.html")
        .containsEntry("qop", "auth").containsEntry("nc", "00000001").containsEntry("cnonce", "0a4f113b")
        .containsEntry("opaque", "5ccc069c403ebaf9f0171e9517f40e41")
        .containsEntry("response", "6629fae49393a05397450978507c4ef1");
  }

  @Test
  void theNonceCountGoesUpWithEveryRequest() {
    ClientAuth a = mufasa();
    a.challenged(List.of(RFC_CHALLENGE));
    a.authorization("OPTIONS", "rtsp://127.0.0.1:554/stream1");
    Map<String, String> p = params(a.authorization("DESCRIBE", "rtsp://127.0.0.1:554/stream1").orElseThrow());
    assertThat(p).containsEntry("nc", "00000002");
    // MD5(HA1:nonce:00000002:cnonce:auth:MD5("DESCRIBE:rtsp://127.0.0.1:554/stream1")), computed independently
    assertThat(p).containsEntry("response", "6224b75c0dfc588db35d552a5f97c58a");
  }

  @Test
  void digestWithoutQopIsTheRfc2069Form() {
    // RFC 2617's HA1 and HA2 for the example are 939e7578... and 39aff3a2...; without qop the response is
    // MD5(HA1:nonce:HA2).
    assertThat(RtspAuth.md5("Mufasa:testrealm@host.com:Circle Of Life")).isEqualTo("939e7578ed9e3c518a452acee763bce9");
    ClientAuth a = mufasa();
    a.challenged(List.of("Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\""));
    Map<String, String> p = params(a.authorization("GET", "/dir/index.html").orElseThrow());
    assertThat(p).containsEntry("response", "670fd8c2df070c60b045671b8b24ff02").doesNotContainKeys("qop", "nc", "cnonce",
        "opaque", "algorithm");
  }

  @Test
  void digestIsPreferredOverBasicWhicheverComesFirst() {
    ClientAuth a = mufasa();
    a.challenged(List.of("Basic realm=\"cam\"", RFC_CHALLENGE));
    assertThat(a.authorization("GET", "/").orElseThrow()).startsWith("Digest ");
  }

  @Test
  void basicWhenOnlyBasicIsOffered() {
    ClientAuth a = new ClientAuth("cam", "p@ss:word ü");
    assertThat(a.authorization("DESCRIBE", "rtsp://h/s")).isEmpty();
    assertThat(a.challenged(List.of("Basic realm=\"IP Camera\""))).isEqualTo(ClientAuth.Outcome.RETRY);
    String h = a.authorization("DESCRIBE", "rtsp://h/s").orElseThrow();
    assertThat(h).startsWith("Basic ");
    assertThat(new String(Base64.getDecoder().decode(h.substring(6)), StandardCharsets.UTF_8)).isEqualTo("cam:p@ss:word ü");
  }

  @Test
  void aSecond401MeansTheCredentialsAreWrongUnlessTheNonceWasStale() {
    ClientAuth a = mufasa();
    assertThat(a.challenged(List.of(RFC_CHALLENGE))).isEqualTo(ClientAuth.Outcome.RETRY);
    assertThat(a.challenged(List.of(RFC_CHALLENGE.replace("dcd98b", "000000")))).isEqualTo(ClientAuth.Outcome.REFUSED);
    assertThat(a.challenged(List.of(RFC_CHALLENGE + ", stale=true"))).isEqualTo(ClientAuth.Outcome.RETRY);

    ClientAuth b = new ClientAuth("u", "p");
    b.challenged(List.of("Basic realm=\"x\""));
    assertThat(b.challenged(List.of("Basic realm=\"x\""))).isEqualTo(ClientAuth.Outcome.REFUSED);
  }

  @Test
  void md5SessAndTheAlgorithmParameterAreEchoed() {
    ClientAuth a = mufasa();
    a.challenged(List.of("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess"));
    Map<String, String> p = params(a.authorization("DESCRIBE", "rtsp://h/s").orElseThrow());
    String ha1 = RtspAuth.md5(RtspAuth.md5("Mufasa:r:Circle Of Life") + ":n:0a4f113b");
    assertThat(p).containsEntry("algorithm", "MD5-sess")
        .containsEntry("response", RtspAuth.md5(ha1 + ":n:" + RtspAuth.md5("DESCRIBE:rtsp://h/s")));
  }

  @Test
  void nothingAnswerableWithoutCredentialsOrForUnknownSchemes() {
    assertThat(new ClientAuth(null, null).challenged(List.of(RFC_CHALLENGE))).isEqualTo(ClientAuth.Outcome.UNSUPPORTED);
    assertThat(mufasa().challenged(List.of("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256", "Bearer x")))
        .isEqualTo(ClientAuth.Outcome.UNSUPPORTED);
  }

  @Test
  void theCredentialsAreInNoStringForm() {
    ClientAuth a = new ClientAuth("cam", "hunter2");
    a.challenged(List.of("Basic realm=\"x\""));
    assertThat(a.toString()).doesNotContain("hunter2").doesNotContain("cam");
  }
}
