package org.safecity.gateway.store;

/** The database could not commit: the caller must not acknowledge, and the sender should retry. */
public final class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
