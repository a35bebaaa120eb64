package org.safecity.gateway.recognition;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.safecity.gateway.core.Enforcement;
import org.safecity.gateway.core.GeoPoint;

/**
 * A frame picked for recognition: everything a worker on any node needs to decode it, nothing that points
 * back into this JVM. Sent on the event bus ({@link SampledFrameCodec}: by reference on this node, as bytes
 * on a clustered bus).
 *
 * <p>{@code units} start at a keyframe and end at the frame to recognise (the target); in keyframes mode that
 * is the keyframe alone. Units carry NAL units without start codes; {@link #annexB} writes the byte stream a
 * decoder reads. Byte arrays are never changed after the frame is built.
 *
 * @param cameraId        the camera
 * @param region          its region ("" when the registry does not know it)
 * @param codec           "H264" or "H265"
 * @param streamEpoch     identifies the camera's stream (one source's session); sequence numbers count within it
 * @param parameterSets   the stream's VPS/SPS/PPS when the frame was taken, NAL headers included
 * @param units           from a keyframe to the target, consecutive sequence numbers
 * @param arrivedAtMillis wall-clock time the target arrived at the gateway; its deadline runs from here
 * @param location        where the camera is installed (the place of a hit or an e-challan)
 * @param enforcement     the traffic rule it enforces, if it is an enforcement point
 */
public record SampledFrame(String cameraId, String region, String codec, long streamEpoch, List<byte[]> parameterSets,
                           List<Unit> units, long arrivedAtMillis, Optional<GeoPoint> location,
                           Optional<Enforcement> enforcement) {

  /**
   * What a worker needs to know of the camera, taken from the edge's device registry when the frame is sampled.
   * The frame carries it so that a worker JVM needs no registry of its own: the edge that receives the stream is
   * the one that knows the camera (from the devices file it watches), and a worker then never judges a frame by an
   * older copy of the camera than the edge routed it by.
   *
   * @param region      "" when the registry does not know the camera
   */
  public record Place(String region, Optional<GeoPoint> location, Optional<Enforcement> enforcement) {
    public static final Place UNKNOWN = new Place("", Optional.empty(), Optional.empty());

    public Place {
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(location, "location");
      Objects.requireNonNull(enforcement, "enforcement");
    }
  }

  /** A frame of a camera with no known location and no enforcement rule. */
  public SampledFrame(String cameraId, String region, String codec, long streamEpoch, List<byte[]> parameterSets,
      List<Unit> units, long arrivedAtMillis) {
    this(cameraId, region, codec, streamEpoch, parameterSets, units, arrivedAtMillis, Optional.empty(), Optional.empty());
  }

  private static final byte[] START_CODE = {0, 0, 0, 1};

  /**
   * One access unit.
   *
   * @param seq          the unit's number in its stream, counting every whole unit the camera sent
   * @param rtpTimestamp its RTP timestamp (unsigned 32-bit)
   * @param keyframe     a decoder can start here
   * @param nalUnits     its NAL units, without start codes
   */
  public record Unit(long seq, long rtpTimestamp, boolean keyframe, List<byte[]> nalUnits) {
    public Unit {
      nalUnits = List.copyOf(nalUnits);
    }

    /** Payload bytes, start codes not counted. */
    public int size() {
      int n = 0;
      for (byte[] nal : nalUnits) {
        n += nal.length;
      }
      return n;
    }
  }

  public SampledFrame {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(enforcement, "enforcement");
    parameterSets = List.copyOf(parameterSets);
    units = List.copyOf(units);
    if (units.isEmpty()) {
      throw new IllegalArgumentException("a sampled frame needs at least one unit");
    }
    if (!units.get(0).keyframe()) {
      throw new IllegalArgumentException("a sampled frame's units must start at a keyframe");
    }
    for (int i = 1; i < units.size(); i++) {
      if (units.get(i).seq() != units.get(i - 1).seq() + 1) {
        throw new IllegalArgumentException("a sampled frame's units must be consecutive");
      }
    }
  }

  /** The frame to recognise: the last unit. */
  public Unit target() {
    return units.get(units.size() - 1);
  }

  /** Payload bytes of every unit and parameter set. */
  public int bytes() {
    int n = 0;
    for (byte[] p : parameterSets) {
      n += p.length;
    }
    for (Unit u : units) {
      n += u.size();
    }
    return n;
  }

  /** NAL units as an Annex-B byte stream: each behind a four-byte start code. */
  public static byte[] annexB(List<byte[]> nals) {
    int n = 0;
    for (byte[] nal : nals) {
      n += START_CODE.length + nal.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] nal : nals) {
      System.arraycopy(START_CODE, 0, out, at, START_CODE.length);
      at += START_CODE.length;
      System.arraycopy(nal, 0, out, at, nal.length);
      at += nal.length;
    }
    return out;
  }

  /**
   * Splits an Annex-B byte stream into NAL units. Emulation prevention keeps {@code 00 00 01} out of NAL
   * payloads, so every such sequence is a start code; zero bytes before one belong to it.
   *
   * @throws IllegalArgumentException when the bytes do not start with a start code
   */
  public static List<byte[]> splitAnnexB(byte[] stream) {
    List<byte[]> nals = new ArrayList<>();
    int start = startCodeEnd(stream, 0);
    if (start < 0) {
      if (stream.length == 0) {
        return nals;
      }
      throw new IllegalArgumentException("not an Annex-B byte stream: no start code at the beginning");
    }
    while (start < stream.length) {
      int next = start;
      int end = stream.length;
      int nextStart = -1;
      while (next + 2 < stream.length) {
        if (stream[next] == 0 && stream[next + 1] == 0 && stream[next + 2] == 1) {
          end = next;
          nextStart = next + 3;
          break;
        }
        next++;
      }
      while (end > start && stream[end - 1] == 0 && nextStart >= 0) {
        end--; // leading zeros of the next start code (a four-byte one, or zero_byte padding)
      }
      if (end > start) {
        byte[] nal = new byte[end - start];
        System.arraycopy(stream, start, nal, 0, nal.length);
        nals.add(nal);
      }
      if (nextStart < 0) {
        break;
      }
      start = nextStart;
    }
    return nals;
  }

  /** Index after the start code at {@code at} (zeros then a one), or -1 when there is none there. */
  private static int startCodeEnd(byte[] b, int at) {
    int i = at;
    while (i < b.length && b[i] == 0) {
      i++;
    }
    return i - at >= 2 && i < b.length && b[i] == 1 ? i + 1 : -1;
  }
}
