package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.safecity.gateway.core.Enforcement;
import org.safecity.gateway.core.GeoPoint;

/** The message contract on a clustered bus: bytes out, the same frame back, damage refused. */
class SampledFrameCodecTest {
  final SampledFrameCodec codec = new SampledFrameCodec();

  static SampledFrame frame() {
    byte[] idr = {0x65, (byte) 0x88, 0x00, 0x00, 0x03, 0x01, 0x7f, 0x00, 0x10};
    byte[] sei = {0x06, 0x05, 0x01, (byte) 0x80};
    byte[] p = {0x41, (byte) 0x9a, 0x22, 0x00, 0x00, 0x03, 0x00, 0x05};
    return new SampledFrame("cam-7", "Süd", "H264", -5_000_000_000L,
        List.of(new byte[] {0x67, 0x42, 0x00, 0x1e}, new byte[] {0x68, (byte) 0xce, 0x38, (byte) 0x80}),
        List.of(new SampledFrame.Unit(10, 4_294_967_000L, true, List.of(sei, idr)),
            new SampledFrame.Unit(11, 3_000, false, List.of(p))), 1_700_000_000_123L,
        Optional.of(new GeoPoint(24.8601, 67.0102)), Optional.of(Enforcement.fromWire("red-light@22:00-06:00")));
  }

  /** The same frame of a camera the registry gave no place or rule. */
  static SampledFrame bare() {
    SampledFrame f = frame();
    return new SampledFrame(f.cameraId(), "", f.codec(), f.streamEpoch(), f.parameterSets(), f.units(),
        f.arrivedAtMillis());
  }

  static void assertSame(SampledFrame got, SampledFrame want) {
    assertThat(got.cameraId()).isEqualTo(want.cameraId());
    assertThat(got.region()).isEqualTo(want.region());
    assertThat(got.codec()).isEqualTo(want.codec());
    assertThat(got.streamEpoch()).isEqualTo(want.streamEpoch());
    assertThat(got.arrivedAtMillis()).isEqualTo(want.arrivedAtMillis());
    assertThat(got.location()).isEqualTo(want.location());
    assertThat(got.enforcement()).isEqualTo(want.enforcement());
    assertThat(got.parameterSets()).containsExactlyElementsOf(want.parameterSets());
    assertThat(got.units()).hasSameSizeAs(want.units());
    for (int i = 0; i < want.units().size(); i++) {
      SampledFrame.Unit g = got.units().get(i);
      SampledFrame.Unit w = want.units().get(i);
      assertThat(g.seq()).isEqualTo(w.seq());
      assertThat(g.rtpTimestamp()).isEqualTo(w.rtpTimestamp());
      assertThat(g.keyframe()).isEqualTo(w.keyframe());
      assertThat(g.nalUnits()).containsExactlyElementsOf(w.nalUnits());
    }
  }

  @Test
  void aFrameSurvivesTheWireBehindOtherBytes() {
    Buffer b = Buffer.buffer().appendString("header"); // the bus writes its own fields first
    codec.encodeToWire(b, frame());
    b.appendString("trailer");
    assertSame(codec.decodeFromWire(6, b), frame());
    Buffer plain = Buffer.buffer();
    codec.encodeToWire(plain, bare());
    SampledFrame got = codec.decodeFromWire(0, plain);
    assertSame(got, bare());
    assertThat(got.location()).isEmpty();
    assertThat(got.enforcement()).isEmpty();
  }

  @Test
  void onThisNodeTheFrameIsNotCopied() {
    SampledFrame f = frame();
    assertThat(codec.transform(f)).isSameAs(f);
  }

  @Test
  void annexBRoundTripsNalUnits() {
    List<byte[]> nals = frame().units().get(0).nalUnits();
    byte[] stream = SampledFrame.annexB(nals);
    assertThat(stream).startsWith(0, 0, 0, 1, 0x06);
    assertThat(SampledFrame.splitAnnexB(stream)).containsExactlyElementsOf(nals);
    // Three-byte start codes and zero padding between units read the same.
    byte[] mixed = {0, 0, 1, 0x67, 0x42, 0, 0, 0, 0, 1, 0x68, (byte) 0xce, 0, 0, 1, 0x65, 0x11};
    assertThat(SampledFrame.splitAnnexB(mixed)).containsExactly(new byte[] {0x67, 0x42}, new byte[] {0x68, (byte) 0xce},
        new byte[] {0x65, 0x11});
    assertThatThrownBy(() -> SampledFrame.splitAnnexB(new byte[] {0x65, 0, 0, 1, 0x41}))
        .hasMessageContaining("no start code");
  }

  @Test
  void damagedMessagesAreRefused() {
    Buffer good = Buffer.buffer();
    codec.encodeToWire(good, frame());
    // Cut anywhere: never a half-read frame.
    for (int cut = 0; cut < good.length(); cut += 7) {
      Buffer truncated = good.getBuffer(0, cut);
      assertThatThrownBy(() -> codec.decodeFromWire(0, truncated)).isInstanceOf(RuntimeException.class);
    }
    Buffer version = good.copy();
    version.setByte(4, (byte) 9);
    assertThatThrownBy(() -> codec.decodeFromWire(0, version)).hasMessageContaining("unknown version 9");
    Buffer count = good.copy();
    count.setInt(5, -1); // the camera id's length
    assertThatThrownBy(() -> codec.decodeFromWire(0, count)).hasMessageContaining("out of range");
    // A rule no enforcement camera may name is refused, not passed on to the recognizer.
    Buffer wrongRule = Buffer.buffer();
    SampledFrame f = frame();
    codec.encodeToWire(wrongRule, new SampledFrame(f.cameraId(), f.region(), f.codec(), f.streamEpoch(),
        f.parameterSets(), f.units(), f.arrivedAtMillis(), f.location(), Optional.of(new Enforcement("bus-lane",
        Optional.empty()))));
    String wire = wrongRule.toString(java.nio.charset.StandardCharsets.ISO_8859_1).replace("bus-lane", "bus-lone");
    Buffer bad = Buffer.buffer(wire.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> codec.decodeFromWire(0, bad)).hasMessageContaining("unknown rule \"bus-lone\"");
  }

  @Test
  void aFrameMustStartAtAKeyframeWithConsecutiveUnits() {
    var key = new SampledFrame.Unit(1, 0, true, List.of(new byte[] {0x65}));
    var p3 = new SampledFrame.Unit(3, 0, false, List.of(new byte[] {0x41}));
    assertThatThrownBy(() -> new SampledFrame("c", "", "H264", 0, List.of(), List.of(p3), 0))
        .hasMessageContaining("start at a keyframe");
    assertThatThrownBy(() -> new SampledFrame("c", "", "H264", 0, List.of(), List.of(key, p3), 0))
        .hasMessageContaining("consecutive");
    assertThatThrownBy(() -> new SampledFrame("c", "", "H264", 0, List.of(), List.of(), 0))
        .hasMessageContaining("at least one");
  }
}
