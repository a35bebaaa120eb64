package org.safecity.gateway.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.safecity.gateway.core.LoggedEvent;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.store.EventLog;

/** Reads the event log the way a client pages it, to wait for what a test expects to be committed. */
public final class EventWatch {
  private final EventLog log;

  public EventWatch(EventLog log) {
    this.log = log;
  }

  public List<LoggedEvent> all() throws Exception {
    List<LoggedEvent> out = new ArrayList<>();
    long after = 0;
    while (true) {
      List<LoggedEvent> page = Blocking.await(log.read(after, 1000), Duration.ofSeconds(10), "read");
      if (page.isEmpty()) {
        return out;
      }
      out.addAll(page);
      after = page.get(page.size() - 1).id();
    }
  }

  public long lastId() throws Exception {
    return Blocking.await(log.lastId(), Duration.ofSeconds(10), "lastId");
  }

  /** Waits until an event after {@code after} matches; returns it. */
  public LoggedEvent await(long after, Duration timeout, String what, Predicate<LoggedEvent> p) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      for (LoggedEvent e : all()) {
        if (e.id() > after && p.test(e)) {
          return e;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no event (" + what + ") within " + timeout + "; log: " + all());
  }

  public static Predicate<LoggedEvent> alarm(String kind, String box) {
    return e -> e.type().equals("alarm.raised") && box.equals(e.source()) && kind.equals(e.body().get("kind"));
  }
}
