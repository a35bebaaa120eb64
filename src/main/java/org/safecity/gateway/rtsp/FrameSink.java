package org.safecity.gateway.rtsp;

import java.util.List;
import java.util.function.Supplier;
import org.safecity.gateway.rtsp.rtp.AccessUnit;

/**
 * Where whole video frames go besides the readers (recognition's sampler). Declared here so the edge depends
 * only on this; {@link StreamHub} holds at most one. Everything is called on the stream's context, between
 * packets: an implementation must not block and should do little more than pick and hand off.
 */
public interface FrameSink {

  /**
   * A camera's new stream (a new source) starts.
   *
   * @param codec         "H264" or "H265"
   * @param parameterSets the stream's current VPS/SPS/PPS (NAL headers included, no start codes), fresh copies
   *                      at each call; call it only for frames that are taken
   * @return the receiver of this stream's frames, or null to receive none (then the stream does nothing more)
   */
  Receiver open(String cameraId, String codec, Supplier<List<byte[]>> parameterSets);

  /** One stream's frames, on the stream's context. */
  interface Receiver {
    /** A whole access unit (never one with a missing packet), in decoding order. */
    void accessUnit(AccessUnit unit);

    /** The stream ended; no more units follow. */
    void closed();
  }
}
