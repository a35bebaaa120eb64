package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.safecity.gateway.recognition.WorkerAnnouncement.Interest;
import org.safecity.gateway.recognition.WorkerAnnouncement.Offer;

/** Credits, spreading, lost workers and joins, in plain Java: the transport only records what would be sent. */
class DispatcherTest {
  static final long DEADLINE = 2_000;

  record Sent(String address, Dispatcher.Job job, int attempt) {
  }

  final AtomicLong now = new AtomicLong(1_000_000);
  final List<Sent> sent = new ArrayList<>();
  final Map<String, List<Outcome>> outcomes = new HashMap<>();
  final Dispatcher d = new Dispatcher((address, job, attempt) -> sent.add(new Sent(address, job, attempt)), DEADLINE,
      now::get);

  static WorkerAnnouncement worker(String node, int credits, String... types) {
    List<Offer> offers = new ArrayList<>();
    for (String t : types) {
      offers.add(new Offer(t, "jobs." + t + "." + node, credits, Interest.ALL));
    }
    return new WorkerAnnouncement(node, "name-" + node, false, offers);
  }

  SampledFrame frame(String camera) {
    return new SampledFrame(camera, "south", "H264", 1, List.of(),
        List.of(new SampledFrame.Unit(1, 0, true, List.of(new byte[] {0x65}))), now.get());
  }

  /** Submits a frame of {@code camera}; its outcomes are collected under the camera's name. */
  void submit(String type, String camera) {
    d.submit(type, frame(camera), o -> outcomes.computeIfAbsent(camera, c -> new ArrayList<>()).add(o));
  }

  List<Outcome> of(String camera) {
    return outcomes.getOrDefault(camera, List.of());
  }

  Sent sentFor(String camera) {
    return sent.stream().filter(s -> s.job().frame.cameraId().equals(camera)).reduce((a, b) -> b).orElseThrow();
  }

  void reply(String camera, Outcome o) {
    Sent s = sentFor(camera);
    d.replied(s.job(), s.attempt(), o);
  }

  @Test
  void withoutWorkersAFrameIsNotDelivered() {
    submit("face", "c1");
    assertThat(of("c1")).containsExactly(Outcome.NO_WORKER);
    assertThat(sent).isEmpty();
  }

  @Test
  void aWorkerNeverHasMoreThanItsCreditsAndWaitingFramesGoOldestFirst() {
    d.announce(worker("w1", 2, "face"), c -> c);
    for (int i = 1; i <= 5; i++) {
      submit("face", "c" + i);
    }
    assertThat(sent).extracting(s -> s.job().frame.cameraId()).containsExactly("c1", "c2");
    assertThat(sent).extracting(Sent::address).containsOnly("jobs.face.w1");
    assertThat(d.figures("face")).isEqualTo(new Dispatcher.Figures(1, 2, 2, 3, 0, 0));
    reply("c2", Outcome.PROCESSED);
    assertThat(of("c2")).containsExactly(Outcome.PROCESSED);
    assertThat(sent).extracting(s -> s.job().frame.cameraId()).containsExactly("c1", "c2", "c3");
    reply("c1", Outcome.FAILED);
    assertThat(of("c1")).containsExactly(Outcome.FAILED);
    assertThat(sent).extracting(s -> s.job().frame.cameraId()).containsExactly("c1", "c2", "c3", "c4");
    assertThat(d.inFlight("face", "w1")).isEqualTo(2);
  }

  @Test
  void framesSpreadOverTheWorkersOfTheirTypeOnly() {
    d.announce(worker("w1", 2, "face"), c -> c);
    d.announce(worker("w2", 2, "face", "plate"), c -> c);
    for (int i = 1; i <= 4; i++) {
      submit("face", "c" + i);
    }
    submit("plate", "p1");
    assertThat(d.inFlight("face", "w1")).isEqualTo(2);
    assertThat(d.inFlight("face", "w2")).isEqualTo(2);
    assertThat(d.inFlight("plate", "w2")).isEqualTo(1);
    assertThat(sentFor("p1").address()).isEqualTo("jobs.plate.w2");
    assertThat(d.workers("face")).containsExactlyInAnyOrder("name-w1", "name-w2");
  }

  @Test
  void theEdgesShareAWorkersCredits() {
    d.announce(worker("w1", 5, "face"), c -> (c + 1) / 2); // two edges
    for (int i = 1; i <= 4; i++) {
      submit("face", "c" + i);
    }
    assertThat(d.inFlight("face", "w1")).isEqualTo(3);
    assertThat(d.figures("face").waiting()).isEqualTo(1);
  }

  @Test
  void aLostWorkersFramesGoOnceMoreToAnotherWithinTheirDeadlineElseCountAsLost() {
    d.announce(worker("w1", 1, "face"), c -> c);
    d.announce(worker("w2", 1, "face"), c -> c);
    submit("face", "c1");
    submit("face", "c2");
    Sent atW1 = sent.stream().filter(s -> s.address().equals("jobs.face.w1")).findFirst().orElseThrow();
    String retried = atW1.job().frame.cameraId();
    String other = retried.equals("c1") ? "c2" : "c1";
    submit("face", "c3"); // waits: both credits are taken

    assertThat(d.nodeLeft("w1")).containsExactly("face");
    // Its frame is older than the waiting one: it goes first, to w2, when w2 frees its credit.
    assertThat(of(retried)).isEmpty();
    assertThat(d.figures("face").retried()).isEqualTo(1);
    reply(other, Outcome.PROCESSED);
    Sent again = sentFor(retried);
    assertThat(again.address()).isEqualTo("jobs.face.w2");
    assertThat(again.attempt()).isEqualTo(2);
    // The lost worker's late answer changes nothing.
    d.replied(atW1.job(), atW1.attempt(), Outcome.PROCESSED);
    assertThat(of(retried)).isEmpty();

    // Lost a second time: counted, not sent a third time; what waits has nobody left.
    assertThat(d.nodeLeft("w2")).containsExactly("face");
    assertThat(of(retried)).containsExactly(Outcome.WORKER_LOST);
    assertThat(of("c3")).containsExactly(Outcome.NO_WORKER);
    assertThat(d.figures("face").lost()).isEqualTo(1);
    assertThat(d.figures("face").workers()).isZero();
  }

  @Test
  void aLostFramePastItsDeadlineIsNotSentAgain() {
    d.announce(worker("w1", 1, "face"), c -> c);
    d.announce(worker("w2", 1, "face"), c -> c);
    submit("face", "c1");
    String at = sentFor("c1").address();
    now.addAndGet(DEADLINE + 1);
    d.nodeLeft(at.substring(at.lastIndexOf('.') + 1));
    assertThat(of("c1")).containsExactly(Outcome.WORKER_LOST);
    assertThat(sent).hasSize(1);
  }

  @Test
  void theOnlyWorkerLostCountsItsFramesAsLostAndANewOneResumes() {
    d.announce(worker("w1", 2, "plate"), c -> c);
    submit("plate", "c1");
    submit("plate", "c2");
    d.nodeLeft("w1");
    assertThat(of("c1")).containsExactly(Outcome.WORKER_LOST);
    assertThat(of("c2")).containsExactly(Outcome.WORKER_LOST);
    submit("plate", "c3");
    assertThat(of("c3")).containsExactly(Outcome.NO_WORKER);
    // The type stays known with its last interest, so frames for it are counted as not delivered.
    assertThat(d.interests()).containsEntry("plate", Interest.ALL);

    d.announce(worker("w9", 2, "plate"), c -> c);
    submit("plate", "c4");
    assertThat(sentFor("c4").address()).isEqualTo("jobs.plate.w9");
    reply("c4", Outcome.PROCESSED);
    assertThat(of("c4")).containsExactly(Outcome.PROCESSED);
  }

  @Test
  void aWorkerThatFallsSilentIsLost() {
    d.announce(worker("w1", 1, "face"), c -> c);
    submit("face", "c1");
    now.addAndGet(1_000);
    assertThat(d.expire(now.get() - 5_000)).isEmpty();
    now.addAndGet(5_000);
    assertThat(d.expire(now.get() - 5_000)).containsExactly("name-w1/face");
    assertThat(of("c1")).containsExactly(Outcome.WORKER_LOST);
  }

  @Test
  void aLeavingWorkerGetsNothingNewButItsAnswersStillCount() {
    d.announce(worker("w1", 2, "face"), c -> c);
    submit("face", "c1");
    WorkerAnnouncement w = worker("w1", 2, "face");
    d.announce(new WorkerAnnouncement(w.node(), w.name(), true, w.offers()), c -> c);
    submit("face", "c2");
    assertThat(sent).hasSize(1);
    reply("c1", Outcome.PROCESSED);
    assertThat(of("c1")).containsExactly(Outcome.PROCESSED);
    d.nodeLeft("w1");
    assertThat(of("c2")).containsExactly(Outcome.NO_WORKER);
  }

  @Test
  void waitingFramesPastTheirDeadlineAreDroppedWhenTheirTurnComes() {
    d.announce(worker("w1", 1, "face"), c -> c);
    submit("face", "c1");
    submit("face", "c2");
    now.addAndGet(DEADLINE + 1);
    submit("face", "c3");
    reply("c1", Outcome.PROCESSED);
    assertThat(of("c2")).containsExactly(Outcome.EXPIRED);
    assertThat(sentFor("c3").address()).isEqualTo("jobs.face.w1");
  }

  @Test
  void nobodyListeningAtTheAddressIsTriedOnceMore() {
    d.announce(worker("w1", 1, "face"), c -> c);
    submit("face", "c1");
    reply("c1", Outcome.NO_WORKER);
    assertThat(of("c1")).isEmpty();
    assertThat(sentFor("c1").attempt()).isEqualTo(2);
    reply("c1", Outcome.NO_WORKER);
    assertThat(of("c1")).containsExactly(Outcome.NO_WORKER);
    assertThat(d.figures("face").workers()).as("its announcements decide whether it runs the type").isEqualTo(1);
  }

  @Test
  void interestsAreTheWidestOfTheLiveWorkersAndATypeNoLongerOfferedIsRemoved() {
    d.announce(new WorkerAnnouncement("w1", "one", false,
        List.of(new Offer("plate", "a1", 1, Interest.ENFORCEMENT), new Offer("face", "f1", 1, Interest.NONE))), c -> c);
    assertThat(d.interests()).containsEntry("plate", Interest.ENFORCEMENT).containsEntry("face", Interest.NONE);
    d.announce(new WorkerAnnouncement("w2", "two", false, List.of(new Offer("plate", "a2", 1, Interest.ALL))), c -> c);
    assertThat(d.interests()).containsEntry("plate", Interest.ALL);
    submit("face", "c1");
    d.announce(new WorkerAnnouncement("w1", "one", false, List.of(new Offer("plate", "a1", 1, Interest.ENFORCEMENT))),
        c -> c);
    assertThat(of("c1")).containsExactly(Outcome.WORKER_LOST);
    assertThat(d.figures("face").workers()).isZero();
  }
}
