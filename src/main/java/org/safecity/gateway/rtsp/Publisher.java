package org.safecity.gateway.rtsp;

import io.netty.buffer.ByteBuf;

/** The source of a camera's stream: a camera's RECORD session, or the gateway's own pull client. */
public interface Publisher {
  /** Sends one RTCP packet (a receiver report) to the source, without taking ownership of it. */
  void sendRtcp(int track, ByteBuf packet);

  /** Another source replaced this one, or the gateway is stopping: end the session. */
  void replaced(String reason);

  /** For logs: a pushing camera's address, or the pull URL without credentials. */
  String describe();
}
