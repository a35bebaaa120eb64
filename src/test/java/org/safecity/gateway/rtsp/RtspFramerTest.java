package org.safecity.gateway.rtsp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.rtsp.RtspDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The splitter in front of Netty's RTSP decoder, driven byte by byte through {@link EmbeddedChannel}. */
class RtspFramerTest {
  static EmbeddedChannel framerOnly() {
    return new EmbeddedChannel(new RtspFramer(512, 1024));
  }

  static EmbeddedChannel pipeline() {
    return new EmbeddedChannel(new RtspFramer(512, 1024), new RtspDecoder(512, 512, 1024), new HttpObjectAggregator(1024));
  }

  static ByteBuf bytes(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }

  @Test
  void interleavedPacketsBetweenRequestsAreSplitExactly() {
    EmbeddedChannel ch = pipeline();
    ByteBuf in = Unpooled.buffer();
    in.writeBytes(new byte[] {'$', 0, 0, 3, 7, 8, 9});
    in.writeBytes(bytes("OPTIONS rtsp://h/cam RTSP/1.0\r\nCSeq: 1\r\n\r\n"));
    in.writeBytes(new byte[] {'$', 1, 0, 0});
    in.writeBytes(bytes("ANNOUNCE rtsp://h/cam RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 4\r\n\r\nv=0\n"));
    ch.writeInbound(in);
    InterleavedFrame f0 = ch.readInbound();
    assertThat(f0.channel()).isZero();
    assertThat(ByteBufUtilHex.hex(f0.content())).isEqualTo("070809");
    f0.release();
    FullHttpRequest options = ch.readInbound();
    assertThat(options.method().name()).isEqualTo("OPTIONS");
    assertThat(options.headers().get("CSeq")).isEqualTo("1");
    options.release();
    InterleavedFrame f1 = ch.readInbound();
    assertThat(f1.channel()).isOne();
    assertThat(f1.content().readableBytes()).isZero();
    f1.release();
    FullHttpRequest announce = ch.readInbound();
    assertThat(announce.content().toString(StandardCharsets.US_ASCII)).isEqualTo("v=0\n");
    announce.release();
    assertThat((Object) ch.readInbound()).isNull();
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void aMessageArrivingOneByteAtATimeIsAssembledOnce() {
    EmbeddedChannel ch = pipeline();
    byte[] all = ("SETUP rtsp://h/cam/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast\r\n\r\n"
        + "$").getBytes(StandardCharsets.ISO_8859_1);
    byte[] packet = {2, 0, 2, 0x55, 0x66};
    for (byte b : all) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    for (byte b : packet) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    FullHttpRequest setup = ch.readInbound();
    assertThat(setup.uri()).isEqualTo("rtsp://h/cam/trackID=0");
    setup.release();
    InterleavedFrame f = ch.readInbound();
    assertThat(f.channel()).isEqualTo(2);
    assertThat(ByteBufUtilHex.hex(f.content())).isEqualTo("5566");
    f.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void bareLineFeedsAndStrayBlankLinesAreAccepted() {
    EmbeddedChannel ch = framerOnly();
    ch.writeInbound(bytes("\r\n\r\nOPTIONS * RTSP/1.0\nCSeq: 9\n\n"));
    ByteBuf msg = ch.readInbound();
    assertThat(msg.toString(StandardCharsets.US_ASCII)).isEqualTo("OPTIONS * RTSP/1.0\nCSeq: 9\n\n");
    msg.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void garbageHugeHeadersAndBadLengthsBecomeOneErrorAndNothingMore() {
    assertThat(firstError("\u0001\u0002binary")).isEqualTo(new FramingError(400,
        "expected an RTSP request line or a $-framed packet, got byte 0x1"));
    assertThat(firstError("OPTIONS * RTSP/1.0\r\nX: " + "a".repeat(600)).status()).isEqualTo(431);
    assertThat(firstError("ANNOUNCE * RTSP/1.0\r\nContent-Length: -1\r\n\r\n").status()).isEqualTo(400);
    assertThat(firstError("ANNOUNCE * RTSP/1.0\r\nContent-Length: 1e3\r\n\r\n").status()).isEqualTo(400);
    assertThat(firstError("ANNOUNCE * RTSP/1.0\r\ncontent-length: 2\r\nContent-Length: 3\r\n\r\n"))
        .isEqualTo(new FramingError(400, "conflicting Content-Length headers"));
    assertThat(firstError("ANNOUNCE * RTSP/1.0\r\nContent-Length: 1025\r\n\r\n"))
        .isEqualTo(new FramingError(413, "body of 1025 bytes exceeds 1024"));
  }

  private static FramingError firstError(String input) {
    EmbeddedChannel ch = framerOnly();
    ch.writeInbound(bytes(input));
    Object first = ch.readInbound();
    // after an error the rest of the connection is discarded, even a valid request
    ch.writeInbound(bytes("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n"));
    assertThat((Object) ch.readInbound()).isNull();
    ch.finishAndReleaseAll();
    assertThat(first).isInstanceOf(FramingError.class);
    return (FramingError) first;
  }

  @Test
  void aResponseIsFramedForThePullClientToo() {
    EmbeddedChannel ch = pipeline();
    ch.writeInbound(bytes("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 2\r\n\r\nokRTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n\r\n"));
    FullHttpResponse ok = ch.readInbound();
    assertThat(ok.status().code()).isEqualTo(200);
    assertThat(ok.content().toString(StandardCharsets.US_ASCII)).isEqualTo("ok");
    ok.release();
    FullHttpResponse denied = ch.readInbound();
    assertThat(denied.status().code()).isEqualTo(401);
    denied.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void randomMutationsNeverThrowNorHoldMoreThanTheLimits() {
    Random random = new Random(42);
    byte[] valid = ("DESCRIBE rtsp://h/cam RTSP/1.0\r\nCSeq: 4\r\nContent-Length: 3\r\n\r\nabc")
        .getBytes(StandardCharsets.ISO_8859_1);
    for (int round = 0; round < 2000; round++) {
      byte[] b = valid.clone();
      for (int k = random.nextInt(4); k >= 0; k--) {
        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
      }
      EmbeddedChannel ch = pipeline();
      ch.writeInbound(Unpooled.wrappedBuffer(b));
      Object o;
      while ((o = ch.readInbound()) != null) {
        assertThat(o).isInstanceOfAny(FullHttpRequest.class, FullHttpResponse.class, InterleavedFrame.class,
            FramingError.class);
        io.netty.util.ReferenceCountUtil.release(o);
      }
      ch.finishAndReleaseAll();
    }
  }

  /** Hex of a buffer's readable bytes without moving its index. */
  static final class ByteBufUtilHex {
    static String hex(ByteBuf b) {
      return io.netty.buffer.ByteBufUtil.hexDump(b);
    }
  }
}
