package org.safecity.gateway.rtsp;

import io.netty.buffer.ByteBuf;

/** Where a camera's packets go: one reader session, over its RTSP connection or UDP. */
public interface Reader {
  /**
   * Queues one RTP packet of {@code track} without taking ownership of it; false when the reader is too far
   * behind to take it (then it skips to the next keyframe).
   */
  boolean sendRtp(int track, ByteBuf packet);

  /** Queues one RTCP packet (a sender report) without taking ownership of it. */
  void sendRtcp(int track, ByteBuf packet);

  /** The stream ended (its publisher left): end the session. */
  void streamEnded(String reason);

  /** For logs. */
  String describe();
}
