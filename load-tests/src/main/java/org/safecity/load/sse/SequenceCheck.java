package org.safecity.load.sse;

import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Did one subscriber get every event of its channel exactly once, in order? Compares what it received (keys in
 * arrival order, over all its connections) with what was committed to its channel (the ground truth: the
 * gateway's log, or what Nchan acknowledged to the publisher).
 *
 * <p>The subscriber owes every committed key after its start point {@code startAfter} up to the end of the
 * ground truth. For the gateway the start point is exact (the {@code position} notice at the stream's start).
 * For Nchan it is the publisher's last acknowledged key when the subscriber's response headers arrived; a message
 * acknowledged just before that may still reach it, so a first received key at or below the start point is
 * accepted as its start (and everything after it is owed).
 */
public final class SequenceCheck {

  /**
   * The outcome for one subscriber.
   *
   * @param owed         committed keys it should have received
   * @param received     keys it received (with repeats)
   * @param missing      owed keys never received (a gap)
   * @param duplicates   receipts of a key it had already received
   * @param outOfOrder   receipts of a key smaller than one received before (first receipt only)
   * @param unexpected   receipts of a key not committed to its channel, or before its start point
   * @param firstMissing the smallest missing key, or -1
   * @param firstDuplicate the first key received twice, or -1
   */
  public record Result(int owed, int received, int missing, int duplicates, int outOfOrder, int unexpected,
                       long firstMissing, long firstDuplicate) {
    public boolean clean() {
      return missing == 0 && duplicates == 0 && outOfOrder == 0 && unexpected == 0;
    }

    public JsonObject toJson() {
      return new JsonObject().put("owed", owed).put("received", received).put("missing", missing)
          .put("duplicates", duplicates).put("outOfOrder", outOfOrder).put("unexpected", unexpected)
          .put("firstMissing", firstMissing < 0 ? null : firstMissing)
          .put("firstDuplicate", firstDuplicate < 0 ? null : firstDuplicate);
    }
  }

  private SequenceCheck() {
  }

  /**
   * @param committed  the channel's committed keys, ascending, no repeats
   * @param startAfter the subscriber's start point: every committed key above it is owed
   * @param received   the keys it received, in arrival order ({@code count} of them)
   */
  public static Result check(long[] committed, long startAfter, long[] received, int count) {
    int start = firstAbove(committed, startAfter);
    if (count > 0) {
      int first = Arrays.binarySearch(committed, received[0]);
      if (first >= 0 && first < start) {
        start = first; // Nchan: a message acknowledged just before the subscription opened, delivered anyway
      }
    }
    BitSet seen = new BitSet(committed.length);
    int duplicates = 0;
    int outOfOrder = 0;
    int unexpected = 0;
    long firstDuplicate = -1;
    int highest = -1;
    for (int k = 0; k < count; k++) {
      int j = Arrays.binarySearch(committed, received[k]);
      if (j < 0 || j < start) {
        unexpected++;
        continue;
      }
      if (seen.get(j)) {
        duplicates++;
        if (firstDuplicate < 0) {
          firstDuplicate = received[k];
        }
        continue;
      }
      seen.set(j);
      if (j < highest) {
        outOfOrder++;
      }
      highest = Math.max(highest, j);
    }
    int owed = committed.length - start;
    int got = seen.cardinality();
    int missing = owed - got;
    long firstMissing = -1;
    if (missing > 0) {
      int j = seen.nextClearBit(start);
      firstMissing = j < committed.length ? committed[j] : -1;
    }
    return new Result(owed, count, missing, duplicates, outOfOrder, unexpected, firstMissing, firstDuplicate);
  }

  /** Index of the first key above {@code after} (committed.length when none). */
  static int firstAbove(long[] committed, long after) {
    int lo = 0;
    int hi = committed.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (committed[mid] <= after) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
