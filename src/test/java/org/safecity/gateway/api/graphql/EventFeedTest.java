package org.safecity.gateway.api.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.bus.EventMessages;
import org.safecity.gateway.core.LoggedEvent;

/** The subscription publisher on a real (local) event bus: filter, order, demand, overflow and cancel. */
class EventFeedTest {
  final Vertx vertx = Vertx.vertx();
  final AtomicInteger active = new AtomicInteger();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** Records what it gets; requests only when told. */
  static final class Recorder implements Subscriber<Object> {
    final List<Object> items = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    volatile Subscription subscription;

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
    }

    @Override
    public void onNext(Object o) {
      items.add(o);
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onComplete() {
      throw new AssertionError("an event feed never completes");
    }
  }

  EventFeed southAlarms(int maxQueued) {
    return new EventFeed(vertx, e -> e.type().equals("alarm.raised") && "south".equals(e.region()), e -> e.id(), maxQueued,
        active);
  }

  void publish(long id, String type, String region) {
    vertx.eventBus().publish(Addresses.EVENTS, EventMessages.toJson(new LoggedEvent(id, type, "box-1", region,
        Instant.parse("2025-03-01T08:30:00Z"), Map.of("key", "k" + id))));
  }

  @Test
  void deliversItsEventsInOrderAsDemanded() throws Exception {
    Recorder r = new Recorder();
    southAlarms(100).subscribe(r);
    await(() -> active.get() == 1);
    r.subscription.request(2);
    publish(1, "alarm.raised", "south");
    publish(2, "alarm.raised", "east");
    publish(3, "alarm.cleared", "south");
    publish(4, "alarm.raised", "south");
    publish(5, "alarm.raised", "south");
    publish(6, "alarm.raised", "south");
    await(() -> r.items.size() == 2);
    Thread.sleep(100);
    assertThat(r.items).as("no more than requested").containsExactly(1L, 4L);
    r.subscription.request(Long.MAX_VALUE);
    await(() -> r.items.size() == 4);
    publish(7, "alarm.raised", "south");
    await(() -> r.items.size() == 5);
    assertThat(r.items).containsExactly(1L, 4L, 5L, 6L, 7L);
    assertThat(r.error.get()).isNull();
  }

  @Test
  void aSubscriberTooFarBehindIsEndedWithAnErrorAndReleased() throws Exception {
    Recorder r = new Recorder();
    southAlarms(3).subscribe(r);
    await(() -> active.get() == 1);
    for (long id = 1; id <= 4; id++) {
      publish(id, "alarm.raised", "south");
    }
    await(() -> r.error.get() != null);
    assertThat(r.error.get()).isInstanceOf(EventFeed.TooSlow.class);
    assertThat(r.error.get().toString()).isEqualTo("subscription ended: more than 3 events waited for this client; "
        + "catch up from the event log after event 4 and subscribe again");
    assertThat(active.get()).isZero();
    r.subscription.request(10);
    Thread.sleep(100);
    assertThat(r.items).as("nothing after the error").isEmpty();
  }

  @Test
  void cancelStopsDeliveryAndUnregisters() throws Exception {
    Recorder r = new Recorder();
    southAlarms(100).subscribe(r);
    await(() -> active.get() == 1);
    r.subscription.request(10);
    publish(1, "alarm.raised", "south");
    await(() -> r.items.size() == 1);
    r.subscription.cancel();
    await(() -> active.get() == 0);
    publish(2, "alarm.raised", "south");
    Thread.sleep(100);
    assertThat(r.items).containsExactly(1L);
  }

  @Test
  void aNonPositiveRequestIsAnError() throws Exception {
    Recorder r = new Recorder();
    southAlarms(100).subscribe(r);
    await(() -> active.get() == 1);
    r.subscription.request(0);
    await(() -> r.error.get() != null);
    assertThat(r.error.get()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("§3.9");
    await(() -> active.get() == 0);
  }

  static void await(BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + 5_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition not met within 5 s");
      }
      Thread.sleep(5);
    }
  }
}
