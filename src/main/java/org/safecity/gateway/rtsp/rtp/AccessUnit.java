package org.safecity.gateway.rtsp.rtp;

import java.util.List;

/**
 * One complete coded picture with the NAL units sent alongside it (parameter sets, SEI), in sending
 * order.
 *
 * @param rtpTimestamp RTP timestamp shared by all its packets, unsigned 32-bit
 * @param nalUnits     NAL units without start codes, each beginning with its NAL unit header
 * @param keyframe     holds an H.264 IDR slice (type 5) or an H.265 IRAP picture (types 16..21): a
 *                     decoder can start here
 */
public record AccessUnit(long rtpTimestamp, List<byte[]> nalUnits, boolean keyframe) {

  public AccessUnit {
    nalUnits = List.copyOf(nalUnits);
  }

  /** Bytes of all NAL units together, without start codes. */
  public int size() {
    int size = 0;
    for (byte[] nal : nalUnits) {
      size += nal.length;
    }
    return size;
  }
}
