package org.safecity.load.rtsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

class H264PacketizerTest {

  static byte[] nal(int header, int payloadBytes) {
    byte[] n = new byte[payloadBytes + 1];
    n[0] = (byte) header;
    for (int i = 1; i < n.length; i++) {
      n[i] = (byte) i;
    }
    return n;
  }

  @Test
  void aNalThatFitsGoesAsItIs() {
    byte[] n = nal(0x41, 4);
    List<byte[]> p = H264Packetizer.payloads(n, 5);
    assertEquals(1, p.size());
    assertSame(n, p.get(0));
  }

  @Test
  void fuAFragmentsByteForByte() {
    // IDR (F=0, NRI=3, type 5) of 1 + 10 bytes, at most 5 payload bytes: 2 header bytes + 3 NAL bytes each.
    byte[] n = nal(0x65, 10);
    List<byte[]> p = H264Packetizer.payloads(n, 5);
    assertEquals(4, p.size());
    assertArrayEquals(new byte[] {0x7c, (byte) 0x85, 1, 2, 3}, p.get(0), "indicator F|NRI|28, header S|type");
    assertArrayEquals(new byte[] {0x7c, 0x05, 4, 5, 6}, p.get(1));
    assertArrayEquals(new byte[] {0x7c, 0x05, 7, 8, 9}, p.get(2));
    assertArrayEquals(new byte[] {0x7c, 0x45, 10}, p.get(3), "header E|type on the last fragment");
    assertArrayEquals(n, H264Packetizer.reassemble(p));
    // The NRI of a non-reference slice (0x01: NRI 0) is kept in the indicator.
    assertArrayEquals(new byte[] {0x1c, (byte) 0x81, 1, 2, 3}, H264Packetizer.payloads(nal(0x01, 10), 5).get(0));
    // One byte more than fits: exactly two fragments.
    assertEquals(2, H264Packetizer.payloads(nal(0x41, 5), 5).size());
    assertThrows(IllegalArgumentException.class, () -> H264Packetizer.payloads(n, 2));
  }

  @Test
  void markerOnlyOnTheLastPacketOfAnAccessUnit() {
    AnnexB.AccessUnit au = new AnnexB.AccessUnit(List.of(AnnexBTest.SPS, AnnexBTest.PPS, nal(0x65, 10)));
    List<H264Packetizer.Payload> p = H264Packetizer.accessUnit(au, 8);
    assertEquals(2 + 2, p.size()); // SPS (7), PPS (4), IDR in two FU-A fragments of 6 + 4 NAL bytes
    for (int i = 0; i < p.size(); i++) {
      assertEquals(i == p.size() - 1, p.get(i).marker(), "packet " + i);
    }
    assertArrayEquals(AnnexBTest.SPS, p.get(0).bytes());
  }

  @Test
  void rtpHeaderBytes() {
    byte[] h = H264Packetizer.header(true, 96, 0xabcd, 0x12345678L, 0xdeadbeefL);
    assertEquals("80e0abcd12345678deadbeef", ByteBufUtil.hexDump(h));
    ByteBuf b = Unpooled.buffer();
    H264Packetizer.writeHeader(b, false, 96, 0x1ffff, 0x1_0000_0005L, 7);
    assertEquals("8060ffff0000000500000007", ByteBufUtil.hexDump(b), "sequence and timestamp wrap");
    assertEquals("4d401e", H264Packetizer.profileLevelId(AnnexBTest.SPS));
  }

  @Test
  void clipStartsAtAKeyframeAndKeepsPacketOrder() {
    byte[] file = AnnexBTest.stream(AnnexBTest.SC4, AnnexBTest.SPS, AnnexBTest.SC4, AnnexBTest.PPS, AnnexBTest.SC3,
        nal(0x65, 30), AnnexBTest.SC3, AnnexBTest.P1, AnnexBTest.SC3, AnnexBTest.P2);
    Clip c = Clip.of(file, 25, 12 + 20);
    assertEquals(3, c.accessUnits());
    assertEquals(4, c.firstPacket(1), "SPS, PPS, IDR in two fragments");
    assertEquals(6, c.packets());
    assertTrue(c.keyframe(0));
    assertFalse(c.keyframe(1));
    assertArrayEquals(new int[] {0}, c.keyframeAccessUnits());
    assertTrue(c.marker(3));
    assertFalse(c.marker(2));
    ByteBuf p = c.payload(2);
    assertEquals(20, p.readableBytes());
    assertEquals(0x7c, p.getUnsignedByte(0));
    assertEquals(0x85, p.getUnsignedByte(1));
    p.release(); // Netty releases what it writes: the shared bytes must survive that
    assertEquals(0x85, c.payload(2).getUnsignedByte(1));
    String sdp = c.sdp("127.0.0.1", "cam-0001");
    assertTrue(sdp.contains("a=fmtp:96 packetization-mode=1;profile-level-id=4d401e;sprop-parameter-sets="), sdp);
    assertTrue(sdp.contains("a=control:trackID=0"));
    assertThrows(IllegalArgumentException.class, () -> Clip.of(AnnexBTest.stream(AnnexBTest.SC3, AnnexBTest.P1), 25,
        1400), "a file that does not start with an IDR cannot be looped");
  }

  @Test
  void controlUrlOfADescribeAnswer() {
    String base = "rtsp://127.0.0.1:8554/cam-0001/";
    assertEquals(base + "trackID=0", SimReader.controlUrl(base, "v=0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\n"
        + "a=control:trackID=0\r\n"));
    assertEquals("rtsp://h/x/stream=1", SimReader.controlUrl("rtsp://h/x", "v=0\nm=audio 0 RTP/AVP 0\n"
        + "a=control:stream=0\nm=video 0 RTP/AVP 96\na=control:stream=1\n"));
    assertEquals("rtsp://other/abs", SimReader.controlUrl(base, "m=video 0 RTP/AVP 96\r\na=control:rtsp://other/abs\r\n"));
    assertEquals("rtsp://h/x", SimReader.controlUrl("rtsp://h/x", "m=video 0 RTP/AVP 96\r\n"));
  }

  @Test
  void credentialsAreStablePerCamera() {
    assertEquals(Credentials.publishSecret("s", "cam-0001"), Credentials.publishSecret("s", "cam-0001"));
    assertFalse(Credentials.publishSecret("s", "cam-0001").equals(Credentials.publishSecret("s", "cam-0002")));
    assertEquals(20, Credentials.readSecret("s").length());
    assertNotNull(CameraSimArgs.cameraId("cam-", 7));
    assertEquals("cam-0007", CameraSimArgs.cameraId("cam-", 7));
    assertEquals("cam-12345", CameraSimArgs.cameraId("cam-", 12345));
    assertNull(new RtspClientDecoder.Response(200, "OK", java.util.Map.of(), "").header("session"));
  }
}
