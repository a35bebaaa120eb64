package org.safecity.gateway.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An H.264 Annex-B byte stream (start codes {@code 00 00 01} / {@code 00 00 00 01}) split into NAL units and
 * grouped into access units, the way an encoder hands them to an RTP packetizer. Taken from the load tests' camera
 * simulator ({@code load-tests/}, its own project, which the gateway's jar does not depend on).
 */
final class AnnexB {

  /** One access unit: its NAL units in order, without start codes. */
  record AccessUnit(List<byte[]> nals) {
    public AccessUnit {
      nals = List.copyOf(nals);
    }

    /** Holds an IDR slice (type 5). */
    public boolean keyframe() {
      for (byte[] n : nals) {
        if (type(n) == 5) {
          return true;
        }
      }
      return false;
    }

    public int bytes() {
      int b = 0;
      for (byte[] n : nals) {
        b += n.length;
      }
      return b;
    }
  }

  private AnnexB() {
  }

  /** The NAL unit type (low 5 bits of the header byte). */
  static int type(byte[] nal) {
    return nal[0] & 0x1f;
  }

  /**
   * The NAL units of an Annex-B stream in order, start codes removed. Trailing zero bytes before the next start
   * code ({@code trailing_zero_8bits}, and the leading zero of a 4-byte start code) are not part of a NAL.
   * Bytes before the first start code are ignored; empty units are skipped.
   */
  static List<byte[]> nals(byte[] stream) {
    List<byte[]> out = new ArrayList<>();
    int n = stream.length;
    int start = -1; // first byte of the current NAL (after its start code)
    int i = 0;
    while (i + 2 < n) {
      if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1) {
        if (start >= 0) {
          add(out, stream, start, i);
        }
        i += 3;
        start = i;
      } else {
        i++;
      }
    }
    if (start >= 0) {
      add(out, stream, start, n);
    }
    return out;
  }

  private static void add(List<byte[]> out, byte[] s, int from, int to) {
    int end = to;
    while (end > from && s[end - 1] == 0) {
      end--;
    }
    if (end > from) {
      out.add(Arrays.copyOfRange(s, from, end));
    }
  }

  /**
   * Groups NAL units into access units (H.264 7.4.1.2.3): a new unit starts at an access unit delimiter (9),
   * at SPS/PPS/SEI (7, 8, 6) or types 14-18 that follow a slice, and at a slice (1, 5) whose
   * {@code first_mb_in_slice} is 0 when the current unit already holds a slice. Works for the streams encoders
   * write for RTSP (one slice or several slices per picture, no B-frame reordering needed here).
   */
  static List<AccessUnit> accessUnits(List<byte[]> nals) {
    List<AccessUnit> out = new ArrayList<>();
    List<byte[]> current = new ArrayList<>();
    boolean hasSlice = false;
    for (byte[] nal : nals) {
      int t = type(nal);
      boolean vcl = t == 1 || t == 5;
      boolean starts;
      if (t == 9) {
        starts = true;
      } else if (t == 6 || t == 7 || t == 8 || (t >= 14 && t <= 18)) {
        starts = hasSlice;
      } else if (vcl) {
        starts = hasSlice && firstMbIsZero(nal);
      } else {
        starts = false;
      }
      if (starts && !current.isEmpty()) {
        out.add(new AccessUnit(current));
        current = new ArrayList<>();
        hasSlice = false;
      }
      current.add(nal);
      hasSlice |= vcl;
    }
    if (!current.isEmpty()) {
      out.add(new AccessUnit(current));
    }
    return out;
  }

  /** {@code first_mb_in_slice} is ue(v) right after the header byte: 0 is coded as a single 1 bit. */
  static boolean firstMbIsZero(byte[] nal) {
    return nal.length > 1 && (nal[1] & 0x80) != 0;
  }

  /** The first NAL of {@code type} in the stream, or null. */
  static byte[] first(List<byte[]> nals, int type) {
    for (byte[] n : nals) {
      if (type(n) == type) {
        return n;
      }
    }
    return null;
  }
}
