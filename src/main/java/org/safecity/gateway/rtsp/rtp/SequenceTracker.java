package org.safecity.gateway.rtsp.rtp;

/**
 * Receive statistics of one RTP source as RFC 3550 appendix A.1, A.3 and A.8 keep them: extended
 * sequence numbers, packets expected and received, loss, and interarrival jitter. Not thread-safe.
 *
 * <p>As in the RFC, late and duplicate packets count as received, so {@link #lost()} may go negative.
 * Unlike the RFC's probation, one packet far out of line restarts the statistics at once: a camera
 * that reboots picks a random sequence number, and waiting for a confirming packet gains little here.
 */
public final class SequenceTracker {

  /** What one packet's sequence number says about the stream. */
  public enum Result {
    /** The next one expected. */
    IN_ORDER,
    /** Ahead by 2..{@value SequenceTracker#MAX_DROPOUT}: the packets between are missing (so far). */
    GAP,
    /** The newest again, or up to {@value SequenceTracker#MAX_MISORDER} behind it. */
    LATE_OR_DUPLICATE,
    /** Too far ahead or behind to be the same sequence: statistics restarted at this packet. */
    RESTART
  }

  static final int MAX_DROPOUT = 3000;
  static final int MAX_MISORDER = 100;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private boolean started;
  private long base; // extended sequence number of the first packet expected
  private long extendedMax; // base - 1 until a packet arrives
  private long received;
  private long expectedPrior;
  private long receivedPrior;

  private boolean transitKnown;
  private int transit; // arrival minus RTP timestamp, in RTP units, modulo 2^32
  private long jitter16; // jitter scaled by 16, as RFC 3550 A.8 keeps it to stay in integers

  /**
   * Starts over expecting {@code firstSeq} next, e.g. the {@code seq} of an RTSP {@code RTP-Info}
   * header. Without a reset the first {@link #update} starts the statistics at its packet.
   */
  public void reset(int firstSeq) {
    checkSequence(firstSeq);
    started = true;
    base = firstSeq;
    extendedMax = firstSeq - 1L;
    received = 0;
    expectedPrior = 0;
    receivedPrior = 0;
    transitKnown = false;
    jitter16 = 0;
  }

  /** Accounts one received packet. */
  public Result update(int seq) {
    checkSequence(seq);
    if (!started) {
      reset(seq);
    }
    // Low 16 bits of the difference: how far ahead of the newest, modulo 2^16.
    int ahead = (seq - (int) extendedMax) & 0xFFFF;
    if (ahead == 0) {
      received++;
      return Result.LATE_OR_DUPLICATE;
    }
    if (ahead <= MAX_DROPOUT) {
      received++;
      extendedMax += ahead; // crossing 65535 -> 0 lands in the next cycle by itself
      return ahead == 1 ? Result.IN_ORDER : Result.GAP;
    }
    if (0x10000 - ahead <= MAX_MISORDER) {
      received++;
      return Result.LATE_OR_DUPLICATE;
    }
    reset(seq);
    received = 1;
    extendedMax = seq;
    return Result.RESTART;
  }

  /** Packets received since the (re)start, late and duplicate ones included. */
  public long received() {
    return received;
  }

  /** Packets expected since the (re)start: extended highest minus first, plus one. */
  public long expected() {
    return extendedMax - base + 1;
  }

  /** Cumulative packets lost; negative when duplicates outnumber losses. */
  public long lost() {
    return expected() - received;
  }

  /**
   * Highest sequence number received, extended with the count of wraparounds in the upper bits; as
   * RTCP reports it modulo 2^32. Before the first packet, the expected first one minus one.
   */
  public long extendedHighest() {
    return extendedMax;
  }

  /**
   * Fraction of the packets expected since the previous call that were lost, in 1/256 (RFC 3550
   * A.3), 0 when duplicates made up for them. Starts the next interval: call it once per report.
   */
  public int fractionLostSinceLastReport() {
    long expected = expected();
    long expectedInterval = expected - expectedPrior;
    long receivedInterval = received - receivedPrior;
    expectedPrior = expected;
    receivedPrior = received;
    long lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval <= 0 || lostInterval <= 0) {
      return 0;
    }
    // All lost would give 256, which does not fit the report's 8 bits.
    return (int) Math.min(255, (lostInterval << 8) / expectedInterval);
  }

  /**
   * Accounts one packet's arrival for interarrival jitter (RFC 3550 section 6.4.1): the mean
   * deviation of the difference in transit time between consecutive packets, smoothed by 1/16.
   *
   * @param rtpTimestamp the packet's RTP timestamp
   * @param arrivalNanos arrival on a monotonic clock, e.g. {@link System#nanoTime()}
   * @param clockRate    RTP clock of the payload format, e.g. 90000 for video
   */
  public void arrival(long rtpTimestamp, long arrivalNanos, int clockRate) {
    if (clockRate <= 0) {
      throw new IllegalArgumentException("clock rate must be positive: " + clockRate);
    }
    // Everything is modulo 2^32 (RTP timestamps wrap), so long overflow in the product is harmless.
    long arrival = Math.floorDiv(arrivalNanos, NANOS_PER_SECOND) * clockRate
        + Math.floorMod(arrivalNanos, NANOS_PER_SECOND) * clockRate / NANOS_PER_SECOND;
    int now = (int) (arrival - rtpTimestamp);
    if (transitKnown) {
      long d = Math.abs((long) (now - transit));
      jitter16 += d - ((jitter16 + 8) >> 4);
    }
    transit = now;
    transitKnown = true;
  }

  /** Interarrival jitter in RTP timestamp units, as RTCP reports it. */
  public long jitter() {
    return jitter16 >> 4;
  }

  private static void checkSequence(int seq) {
    if (seq < 0 || seq > 0xFFFF) {
      throw new IllegalArgumentException("sequence number " + seq + " outside 0..65535");
    }
  }
}
