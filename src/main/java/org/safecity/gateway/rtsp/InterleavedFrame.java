package org.safecity.gateway.rtsp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/** One {@code $}-framed RTP or RTCP packet on an RTSP connection (RFC 2326 10.12); the receiver releases it. */
public final class InterleavedFrame extends DefaultByteBufHolder {
  private final int channel;

  public InterleavedFrame(int channel, ByteBuf packet) {
    super(packet);
    this.channel = channel;
  }

  public int channel() {
    return channel;
  }

  @Override
  public String toString() {
    return "InterleavedFrame[channel=" + channel + ", bytes=" + content().readableBytes() + "]";
  }
}
