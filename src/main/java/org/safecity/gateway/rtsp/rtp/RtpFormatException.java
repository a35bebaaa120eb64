package org.safecity.gateway.rtsp.rtp;

/** An RTP packet whose header cannot be trusted; the message says which field is wrong and how. */
public final class RtpFormatException extends Exception {
  public RtpFormatException(String message) {
    super(message);
  }
}
