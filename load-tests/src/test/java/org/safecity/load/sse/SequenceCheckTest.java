package org.safecity.load.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SequenceCheckTest {

  /** A region's alarm ids in the gateway's log: not consecutive (other regions' events sit between). */
  private static final long[] LOG = {3, 7, 12, 13, 20, 31, 40};

  private static SequenceCheck.Result check(long startAfter, long... received) {
    return SequenceCheck.check(LOG, startAfter, received, received.length);
  }

  @Test
  void everythingAfterTheStartExactlyOnceIsClean() {
    SequenceCheck.Result r = check(7, 12, 13, 20, 31, 40);
    assertTrue(r.clean());
    assertEquals(5, r.owed());
    assertEquals(5, r.received());
    // start point between two ids
    assertTrue(check(10, 12, 13, 20, 31, 40).clean());
    // nothing owed, nothing received
    assertTrue(check(40).clean());
  }

  @Test
  void aGapIsMissingAndNamed() {
    SequenceCheck.Result r = check(7, 12, 13, 31, 40);
    assertFalse(r.clean());
    assertEquals(1, r.missing());
    assertEquals(20, r.firstMissing());
    // the tail never arrived
    SequenceCheck.Result tail = check(7, 12, 13, 20);
    assertEquals(2, tail.missing());
    assertEquals(31, tail.firstMissing());
    // nothing at all
    assertEquals(7, check(0).missing());
  }

  @Test
  void aResumeThatReplaysTooMuchIsADuplicate() {
    // cut after 20, resumed with Last-Event-ID 13: 20 comes twice
    SequenceCheck.Result r = check(7, 12, 13, 20, 20, 31, 40);
    assertEquals(1, r.duplicates());
    assertEquals(20, r.firstDuplicate());
    assertEquals(0, r.missing());
    assertFalse(r.clean());
  }

  @Test
  void orderAndStrangersCount() {
    SequenceCheck.Result swapped = check(7, 12, 20, 13, 31, 40);
    assertEquals(1, swapped.outOfOrder());
    assertEquals(0, swapped.missing());
    SequenceCheck.Result stranger = check(7, 12, 13, 14, 20, 31, 40);
    assertEquals(1, stranger.unexpected(), "14 is another region's event");
    SequenceCheck.Result before = check(12, 13, 7, 20, 31, 40);
    assertEquals(1, before.unexpected(), "7 was before the start and not the first received");
  }

  @Test
  void aFirstKeyAtOrBeforeTheStartPointIsAcceptedAsTheStart() {
    // Nchan: the publisher's last acknowledged key was 20 when the headers came, but 20 itself still arrived
    SequenceCheck.Result r = check(20, 20, 31, 40);
    assertTrue(r.clean());
    assertEquals(3, r.owed());
    // ... and then everything after it is owed
    assertEquals(1, check(20, 13, 31, 40).missing());
  }
}
