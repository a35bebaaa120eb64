package org.safecity.gateway.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.bus.EventMessages;
import org.safecity.gateway.core.LoggedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's feed of the committed event log: every event, whoever committed it (this node or another), published
 * on {@link Addresses#EVENTS} <em>on this node only</em>, once, in id order. SSE streams, GraphQL subscriptions and
 * the projections on this node all read that feed.
 *
 * <p>PostgreSQL is the source, not the cluster bus: every commit of the log also notifies channel {@value #CHANNEL}
 * with its newest id (delivered when the transaction commits), and each node reads the ids it has not seen from the
 * log. Events this node committed itself are fed straight from the commit, without a read, when they are next in
 * line. So a node learns of a commit even when the committing node died before it could tell anyone, a resumed
 * stream and a live one see the same ids in the same order on every node, and nothing depends on the cluster's
 * health. A LISTEN connection that drops is reconnected and followed by a catch-up read; a periodic check of the
 * newest id covers a notification lost in between.
 */
public final class EventTail {
  private static final Logger LOG = LoggerFactory.getLogger(EventTail.class);
  /** The NOTIFY channel every commit of the log signals (payload: the newest committed id). */
  public static final String CHANNEL = "safecity_events";
  static final int READ_PAGE = 500;
  private static final long CHECK_MS = 2000;
  /** Local commits held while older ids are read; past this they are dropped and read back from the log. */
  private static final int MAX_AHEAD = 10_000;

  private final Vertx vertx;
  private final Context context;
  private final EventLog log;
  private final PgSubscriber subscriber;
  private final DeliveryOptions localOnly = new DeliveryOptions().setLocalOnly(true);
  private final TreeMap<Long, LoggedEvent> ahead = new TreeMap<>();
  private final Counter read;
  /** Every id up to this one has been published here, once. */
  private long last = -1;
  /** The newest id known to be committed. */
  private long known;
  private boolean reading;
  private long timer = -1;
  private boolean stopped;

  public EventTail(Vertx vertx, EventLog log, PgConnectOptions listen, MeterRegistry metrics) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.log = log;
    this.subscriber = PgSubscriber.subscriber(vertx, listen).reconnectPolicy(retries -> Math.min(5000L, 200L * (retries + 1)));
    this.read = Counter.builder("gateway_event_tail_read").description(
        "committed events this node read back from the log (committed by another node, or out of line)").register(metrics);
    log.onCommit(this::committed);
  }

  /** Subscribes, learns where the log ends, starts the periodic check. */
  public Future<Void> start() {
    return Future.<Void>future(p -> context.runOnContext(v -> {
      subscriber.channel(CHANNEL)
          .handler(payload -> notified(payload))
          // Also after every reconnect: whatever committed while the connection was down is read now.
          .subscribeHandler(v2 -> catchUp());
      subscriber.connect()
          .compose(x -> log.lastId())
          .onSuccess(id -> {
            if (last < 0) {
              last = id;
              known = Math.max(known, id);
            }
            drainAhead();
            timer = vertx.setPeriodic(CHECK_MS, t -> check());
          })
          .<Void>mapEmpty().onComplete(p);
    }));
  }

  public Future<Void> stop() {
    return Future.<Void>future(p -> context.runOnContext(v -> {
      stopped = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      subscriber.close().onComplete(p);
    }));
  }

  /** Id of the newest event published on this node. */
  public long last() {
    return last;
  }

  /** From the log's commit (any thread): this node's own events, published at once when they are next in line. */
  private void committed(List<LoggedEvent> events) {
    context.runOnContext(v -> {
      for (LoggedEvent e : events) {
        known = Math.max(known, e.id());
        if (last >= 0 && e.id() == last + 1 && ahead.isEmpty()) {
          publish(e);
        } else if (last < 0 || e.id() > last) {
          if (ahead.size() < MAX_AHEAD) {
            ahead.put(e.id(), e);
          }
        }
      }
      drainAhead();
    });
  }

  private void notified(String payload) {
    try {
      known = Math.max(known, Long.parseLong(payload.trim()));
    } catch (NumberFormatException e) {
      LOG.debug("ignoring notification {} on {}", payload, CHANNEL);
      return;
    }
    drainAhead();
  }

  private void check() {
    if (reading || stopped) {
      return;
    }
    log.lastId().onSuccess(id -> {
      if (id > known) {
        known = id;
      }
      drainAhead();
    }).onFailure(e -> LOG.debug("event tail cannot ask the log for its newest id: {}", e.getMessage()));
  }

  private void catchUp() {
    if (last >= 0) {
      known = Math.max(known, last + 1); // read at least once: something may have committed meanwhile
      drainAhead();
    }
  }

  private void drainAhead() {
    if (last < 0) {
      return;
    }
    while (!ahead.isEmpty()) {
      Map.Entry<Long, LoggedEvent> first = ahead.firstEntry();
      if (first.getKey() <= last) {
        ahead.pollFirstEntry();
      } else if (first.getKey() == last + 1) {
        ahead.pollFirstEntry();
        publish(first.getValue());
      } else {
        break;
      }
    }
    if (known > last || !ahead.isEmpty()) {
      readMore();
    }
  }

  /** Reads the ids after {@code last} from the log, one read at a time, until level with what is known. */
  private void readMore() {
    if (reading || stopped) {
      return;
    }
    reading = true;
    long from = last;
    log.read(from, READ_PAGE).onComplete(ar -> {
      reading = false;
      if (ar.failed()) {
        LOG.warn("event tail cannot read the log after id {}: {} (retrying)", from, ar.cause().getMessage());
        vertx.setTimer(1000, t -> drainAhead());
        return;
      }
      int n = 0;
      for (LoggedEvent e : ar.result()) {
        if (e.id() == last + 1) {
          publish(e);
          n++;
        }
      }
      read.increment(n);
      if (ar.result().size() < READ_PAGE && known > last) {
        known = last; // the log has nothing more yet: what was announced is all read
      }
      if (n == 0 && !ahead.isEmpty()) {
        vertx.setTimer(200, t -> drainAhead()); // not visible yet: try again shortly rather than spin
      } else {
        drainAhead();
      }
    });
  }

  private void publish(LoggedEvent e) {
    last = e.id();
    vertx.eventBus().publish(Addresses.EVENTS, EventMessages.toJson(e), localOnly);
  }
}
