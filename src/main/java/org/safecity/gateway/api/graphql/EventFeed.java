package org.safecity.gateway.api.graphql;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.bus.EventMessages;
import org.safecity.gateway.core.LoggedEvent;

/**
 * Committed events as a Reactive Streams publisher, one event-bus consumer per subscription: the events a
 * subscription wants ({@code filter}, which applies the subscriber's rights), mapped to what the schema returns.
 * Everything happens on the subscriber's context, so the subscription's state needs no locks. Delivery follows the
 * subscriber's demand; a subscriber that falls {@code maxQueued} events behind is ended with an error instead of
 * growing memory or silently losing events (it can resume from the event log, whose ids the events carry).
 */
final class EventFeed implements Publisher<Object> {
  /** Ends a subscription that fell too far behind; its text is what the client is told. */
  static final class TooSlow extends RuntimeException {
    TooSlow(String message) {
      super(message, null, false, false);
    }

    @Override
    public String toString() {
      return getMessage();
    }
  }

  private final Vertx vertx;
  private final Predicate<LoggedEvent> filter;
  private final Function<LoggedEvent, Object> map;
  private final int maxQueued;
  private final AtomicInteger active;

  /**
   * @param active counts subscriptions whose consumer is registered (the {@code gateway_graphql_subscriptions} gauge)
   */
  EventFeed(Vertx vertx, Predicate<LoggedEvent> filter, Function<LoggedEvent, Object> map, int maxQueued,
      AtomicInteger active) {
    this.vertx = vertx;
    this.filter = filter;
    this.map = map;
    this.maxQueued = maxQueued;
    this.active = active;
  }

  @Override
  public void subscribe(Subscriber<? super Object> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber"); // Reactive Streams §1.9
    new Feed(vertx.getOrCreateContext(), subscriber).start();
  }

  private final class Feed implements Subscription {
    private final Context context;
    private final Subscriber<? super Object> subscriber;
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private MessageConsumer<JsonObject> consumer;
    private long demand;
    private boolean done;
    private boolean draining;
    private boolean counted;

    Feed(Context context, Subscriber<? super Object> subscriber) {
      this.context = context;
      this.subscriber = subscriber;
    }

    void start() {
      onContext(() -> {
        subscriber.onSubscribe(this);
        if (done) {
          return; // cancelled at once
        }
        consumer = vertx.eventBus().consumer(Addresses.EVENTS, this::onEvent);
        consumer.completion().onSuccess(v -> {
          if (!done) {
            counted = true;
            active.incrementAndGet();
          }
        });
      });
    }

    private void onEvent(Message<JsonObject> message) {
      if (done) {
        return;
      }
      LoggedEvent e = EventMessages.fromJson(message.body());
      if (!filter.test(e)) {
        return;
      }
      if (queue.size() >= maxQueued) {
        fail(new TooSlow("subscription ended: more than " + maxQueued + " events waited for this client; "
            + "catch up from the event log after event " + e.id() + " and subscribe again"));
        return;
      }
      queue.add(map.apply(e));
      drain();
    }

    private void drain() {
      if (draining) {
        return; // onNext called request(): the loop below goes on
      }
      draining = true;
      try {
        while (!done && demand > 0 && !queue.isEmpty()) {
          demand--;
          subscriber.onNext(queue.poll());
        }
      } finally {
        draining = false;
      }
    }

    @Override
    public void request(long n) {
      onContext(() -> {
        if (done) {
          return;
        }
        if (n <= 0) {
          fail(new IllegalArgumentException("Reactive Streams §3.9: request(" + n + ") must be positive"));
          return;
        }
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        drain();
      });
    }

    @Override
    public void cancel() {
      onContext(this::stop);
    }

    private void fail(Throwable t) {
      stop();
      subscriber.onError(t);
    }

    private void stop() {
      if (done) {
        return;
      }
      done = true;
      queue.clear();
      if (consumer != null) {
        consumer.unregister();
      }
      if (counted) {
        active.decrementAndGet();
      }
    }

    private void onContext(Runnable r) {
      if (Vertx.currentContext() == context) {
        r.run();
      } else {
        context.runOnContext(v -> r.run());
      }
    }
  }
}
