package org.safecity.gateway.recognition;

import io.vertx.core.Vertx;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.cluster.ClusterMembership;

/**
 * Tells the edges which recognition workers this node runs: every {@link RecognitionFanOut#ANNOUNCE_EVERY}, at
 * once when something changes (a type starts, a list empties or fills) and when a node joins (a new edge need not
 * wait a period), and once more with {@code leaving} when it stops. Periodic rather than only on change: a message
 * published while an edge was starting is not lost for good, and an edge that hears nothing for a while takes the
 * worker as lost even when its JVM still holds the cluster connection.
 */
final class WorkerAnnouncer {
  private final Vertx vertx;
  private final ClusterMembership membership;
  private final Supplier<List<WorkerAnnouncement.Offer>> offers;
  private final Optional<Consumer<WorkerAnnouncement>> local;
  private volatile boolean leaving;
  private volatile boolean announced;
  private long timer = -1;

  /**
   * @param offers what runs here now
   * @param local  this node's own fan-out when it also takes streams (told directly, so it knows at once)
   */
  WorkerAnnouncer(Vertx vertx, ClusterMembership membership, Supplier<List<WorkerAnnouncement.Offer>> offers,
      Optional<Consumer<WorkerAnnouncement>> local) {
    this.vertx = vertx;
    this.membership = membership;
    this.offers = offers;
    this.local = local;
  }

  void start() {
    timer = vertx.setPeriodic(RecognitionFanOut.ANNOUNCE_EVERY.toMillis(), id -> announce());
    membership.onChange(c -> {
      if (c.joined()) {
        announce();
      }
    });
  }

  /** Announces now; any thread. */
  void announce() {
    List<WorkerAnnouncement.Offer> now = offers.get();
    if (now.isEmpty() && !announced) {
      return; // nothing ran here: nothing to say (not even goodbye)
    }
    announced = true;
    WorkerAnnouncement a = new WorkerAnnouncement(membership.self().id(), membership.self().name(), leaving, now);
    local.ifPresent(l -> l.accept(a));
    if (membership.clustered()) {
      vertx.eventBus().publish(Addresses.RECOGNITION_WORKERS, a.toJson());
    }
  }

  /** The last word: no new jobs for this node, the ones in flight still come back. */
  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    leaving = true;
    announce();
  }
}
