package org.safecity.load.rtsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A simulated camera against a scripted server: the requests it sends and the interleaved bytes, exactly. */
class SimPublisherTest {

  private static ByteBuf ascii(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  private static String nextRequest(EmbeddedChannel ch) {
    ByteBuf b = ch.readOutbound();
    assertNotNull(b, "a request");
    try {
      return b.toString(StandardCharsets.UTF_8);
    } finally {
      b.release();
    }
  }

  /** Everything written since the last call, as one byte array. */
  private static byte[] drain(EmbeddedChannel ch) {
    ByteBuf all = Unpooled.buffer();
    for (Object o; (o = ch.readOutbound()) != null; ) {
      ByteBuf b = (ByteBuf) o;
      all.writeBytes(b);
      b.release();
    }
    return ByteBufUtil.getBytes(all);
  }

  @Test
  void announceSetupRecordThenPacedInterleavedRtp() {
    byte[] file = AnnexBTest.stream(AnnexBTest.SC4, AnnexBTest.SPS, AnnexBTest.SC4, AnnexBTest.PPS, AnnexBTest.SC3,
        H264PacketizerTest.nal(0x65, 30), AnnexBTest.SC3, AnnexBTest.P1, AnnexBTest.SC3, AnnexBTest.P2);
    Clip clip = Clip.of(file, 25, 12 + 20); // 3 frames: [SPS, PPS, FU-A, FU-A], [P1], [P2]
    SimCounters counters = new SimCounters();
    SimPublisher p = new SimPublisher("cam-0001", "rtsp://127.0.0.1:8554/cam-0001", "cam-0001", "pw", Duration.ZERO,
        counters, clip, "127.0.0.1", 42, Duration.ofMillis(20));
    p.track();
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline().addLast(new RtspClientDecoder(p), p);
    ch.pipeline().fireChannelActive();

    String announce = nextRequest(ch);
    assertTrue(announce.startsWith("ANNOUNCE rtsp://127.0.0.1:8554/cam-0001 RTSP/1.0\r\nCSeq: 1\r\n"), announce);
    assertTrue(announce.contains("Authorization: Basic Y2FtLTAwMDE6cHc=\r\n"), announce); // cam-0001:pw
    assertTrue(announce.contains("Content-Type: application/sdp\r\n"));
    assertTrue(announce.endsWith(clip.sdp("127.0.0.1", "cam-0001")));
    ch.writeInbound(ascii("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n"));

    String setup = nextRequest(ch);
    assertTrue(setup.startsWith("SETUP rtsp://127.0.0.1:8554/cam-0001/trackID=0 RTSP/1.0\r\nCSeq: 2\r\n"), setup);
    assertTrue(setup.contains("Transport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n"));
    ch.writeInbound(ascii("RTSP/1.0 200 OK\r\nCSeq: 2\r\nSession: abc123;timeout=60\r\n"
        + "Transport: RTP/AVP/TCP;unicast;interleaved=2-3;mode=record\r\n\r\n"));

    String record = nextRequest(ch);
    assertTrue(record.startsWith("RECORD rtsp://127.0.0.1:8554/cam-0001 RTSP/1.0\r\nCSeq: 3\r\n"), record);
    assertTrue(record.contains("Session: abc123\r\n"), record);
    assertEquals(RtspClient.State.SETTING_UP, p.state);
    // The server's first RTCP receiver report may come before the reply's bytes are even parsed: ignored.
    ch.writeInbound(ascii("$\u0003\u0000\u0002xy" + "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: abc123\r\n\r\n"));
    assertEquals(RtspClient.State.STREAMING, p.state);

    // Nothing before the first frame is due; then 4 frames in one go (3 of the clip, then the first again).
    p.tick(System.nanoTime() - 1_000_000_000L);
    assertEquals(0, drain(ch).length);
    long due = System.nanoTime() + 4 * 40_000_000L + 50_000_000L;
    p.tick(due);
    ByteBuf wire = Unpooled.wrappedBuffer(drain(ch));
    List<int[]> headers = new ArrayList<>();
    List<byte[]> payloads = new ArrayList<>();
    while (wire.isReadable()) {
      assertEquals('$', wire.readByte());
      assertEquals(2, wire.readUnsignedByte(), "the channel the server assigned");
      int len = wire.readUnsignedShort();
      ByteBuf pkt = wire.readSlice(len);
      assertEquals(0x80, pkt.getUnsignedByte(0));
      headers.add(new int[] {pkt.getUnsignedByte(1), pkt.getUnsignedShort(2), pkt.getInt(4), pkt.getInt(8)});
      payloads.add(ByteBufUtil.getBytes(pkt, 12, len - 12));
    }
    assertTrue(headers.size() >= 6, "at least one loop of the clip: " + headers.size());
    int[] auOf = {0, 0, 0, 0, 1, 2};
    for (int i = 0; i < headers.size(); i++) {
      int[] h = headers.get(i);
      int clipPacket = i % clip.packets();
      int frame = i / clip.packets() * clip.accessUnits() + auOf[clipPacket];
      assertEquals(clip.marker(clipPacket) ? 0x80 | 96 : 96, h[0], "marker and payload type, packet " + i);
      assertEquals((headers.get(0)[1] + i) & 0xffff, h[1], "sequence numbers follow each other");
      assertEquals(headers.get(0)[2] + frame * 3600, h[2], "90 kHz timestamp of frame " + frame);
      assertEquals((int) p.ssrc, h[3]);
      assertArrayEquals(ByteBufUtil.getBytes(clip.payload(clipPacket)), payloads.get(i), "payload " + i);
      assertEquals(due, p.sentNanos(h[1]), "send time kept for the readers");
    }
    assertEquals(headers.size(), p.sentPackets);
    assertArrayEquals(AnnexBTest.SPS, payloads.get(0));
    assertEquals(0x85, payloads.get(2)[1] & 0xff, "FU-A start of the IDR");
    assertEquals(0x45, payloads.get(3)[1] & 0xff, "FU-A end of the IDR");
    assertEquals(0, counters.setupFailures.get());
    ch.finishAndReleaseAll();
  }

  @Test
  void aRefusalFailsTheCameraWithTheServersReason() {
    Clip clip = Clip.of(AnnexBTest.stream(AnnexBTest.SC4, AnnexBTest.SPS, AnnexBTest.SC4, AnnexBTest.PPS,
        AnnexBTest.SC3, AnnexBTest.IDR_A), 25, 1400);
    SimCounters counters = new SimCounters();
    SimPublisher p = new SimPublisher("cam-0002", "rtsp://h/cam-0002", "cam-0002", "bad", Duration.ZERO, counters,
        clip, "h", 1, Duration.ofMillis(20));
    EmbeddedChannel ch = new EmbeddedChannel(new RtspClientDecoder(p), p); // registered and active: ANNOUNCE
    nextRequest(ch);
    // One byte at a time: the decoder must wait for the whole response and its body.
    byte[] reply = "RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nContent-Length: 5\r\n\r\nnope\n".getBytes(StandardCharsets.US_ASCII);
    for (byte b : reply) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    assertEquals(RtspClient.State.FAILED, p.state);
    assertEquals("ANNOUNCE -> 401 Unauthorized (nope)", p.failure());
    assertEquals(1, counters.setupFailures.get());
    assertEquals("[\"cam-0002: ANNOUNCE -> 401 Unauthorized (nope)\"]", counters.samples().encode());
    ch.finishAndReleaseAll();
  }
}
