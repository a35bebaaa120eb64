package org.safecity.gateway.rtsp.rtp;

import java.util.Arrays;

/**
 * Reads the bit fields of a NAL unit's payload (H.264/H.265 section 7.2): fixed-width u(n) and
 * Exp-Golomb ue(v)/se(v). Reading past the end, or an Exp-Golomb code too long for 32 bits, throws
 * {@link Malformed}, which the parser turns into "no result".
 */
final class RbspReader {

  /** Cheap to throw: no stack trace, since it is the expected outcome of bad input. */
  static final class Malformed extends RuntimeException {
    Malformed() {
      super(null, null, false, false);
    }
  }

  private final byte[] rbsp;
  private long bit;

  private RbspReader(byte[] rbsp) {
    this.rbsp = rbsp;
  }

  /**
   * A reader over the NAL unit's payload after its {@code headerBytes}-byte header, with the
   * emulation-prevention bytes removed (every 0x03 that follows two zero bytes).
   */
  static RbspReader of(byte[] nal, int headerBytes) {
    byte[] out = new byte[Math.max(0, nal.length - headerBytes)];
    int n = 0;
    int zeros = 0;
    for (int i = headerBytes; i < nal.length; i++) {
      int b = nal[i] & 0xFF;
      if (zeros >= 2 && b == 3) {
        zeros = 0;
        continue;
      }
      zeros = b == 0 ? zeros + 1 : 0;
      out[n++] = (byte) b;
    }
    return new RbspReader(Arrays.copyOf(out, n));
  }

  /** u(n) for n in 0..32. */
  long bits(int n) {
    if (bit + n > 8L * rbsp.length) {
      throw new Malformed();
    }
    long value = 0;
    for (int i = 0; i < n; i++, bit++) {
      value = (value << 1) | ((rbsp[(int) (bit >>> 3)] >>> (7 - (bit & 7))) & 1);
    }
    return value;
  }

  boolean flag() {
    return bits(1) == 1;
  }

  void skip(int n) {
    if (bit + n > 8L * rbsp.length) {
      throw new Malformed();
    }
    bit += n;
  }

  /** ue(v), 0..2^32-2. */
  long ue() {
    int zeros = 0;
    while (!flag()) {
      if (++zeros > 31) {
        throw new Malformed();
      }
    }
    return (1L << zeros) - 1 + bits(zeros);
  }

  /** ue(v) that the syntax bounds to {@code max}; anything above is a malformed SPS. */
  int ue(int max) {
    long value = ue();
    if (value > max) {
      throw new Malformed();
    }
    return (int) value;
  }

  /** se(v). */
  long se() {
    long k = ue();
    return (k & 1) == 1 ? (k + 1) / 2 : -(k / 2);
  }
}
