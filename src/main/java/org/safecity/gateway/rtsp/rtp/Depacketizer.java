package org.safecity.gateway.rtsp.rtp;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.Optional;

/**
 * Reassembles a stream's RTP packets into access units. One instance per RTP stream (one SSRC),
 * not thread-safe.
 *
 * <p>An access unit ends at a packet with the marker bit, or when a packet with another RTP timestamp
 * arrives. A unit any of whose packets may be missing is discarded whole, never emitted: after a
 * sequence gap the unit being assembled and the unit of the packet after the gap are both dropped,
 * and assembly resumes at the next unit boundary. The first packet ever pushed is taken to start a
 * unit (an RTSP PLAY starts there), but a unit whose first slice is not the first slice of its
 * picture is dropped anyway.
 */
public interface Depacketizer {

  /**
   * Feeds one packet, in arrival order.
   *
   * @param header parsed from {@code packet} by {@link RtpHeader#parse}; its payload range must lie
   *               inside the buffer
   * @return the access units this packet completed, in order: usually none or one, two when a
   *         timestamp change closes one and this packet's marker the next
   * @throws IllegalArgumentException if the header's payload range is not inside {@code packet} (a
   *                                  caller bug: no payload bytes make it throw)
   */
  List<AccessUnit> push(RtpHeader header, ByteBuf packet);

  /** Units dropped because packets were missing, the payload was malformed or the unit was too big. */
  long discardedUnits();

  /** Packets whose payload breaks the payload format (bad NAL header, bad aggregation, broken FU). */
  long malformedPackets();

  /** Packets that came after a later one (reordered) or twice; they are ignored. */
  long latePackets();

  /** The newest sequence parameter set, in-band or seeded; a copy. */
  Optional<byte[]> sps();

  /** The newest picture parameter set, in-band or seeded; a copy. */
  Optional<byte[]> pps();

  /** The newest video parameter set; always empty for H.264. */
  Optional<byte[]> vps();

  /**
   * Seeds parameter sets from the SDP ({@code sprop-parameter-sets}, or {@code sprop-vps/sps/pps}),
   * decoded from base64, NAL headers included. NAL units of other types are ignored; in-band ones
   * seen later replace these.
   */
  void parameterSets(List<byte[]> nals);
}
