package org.safecity.gateway.store;

/** More appends are queued than {@code eventLog.maxPending}: refuse now rather than grow without bound. */
public final class EventLogFullException extends RuntimeException {
  public EventLogFullException(int pending) {
    super("event log has " + pending + " appends queued; refusing more until the store catches up");
  }
}
