package org.safecity.gateway.mqtt;

import io.vertx.core.Future;
import java.util.Optional;
import org.safecity.gateway.core.Box;

/** What the MQTT edge needs to know about boxes: who they are and whether a secret is theirs. */
public interface BoxDirectory {
  /**
   * Completes with the box when {@code secret} is this box's secret, empty when the id is unknown or the
   * secret is wrong; fails with {@link BusyException} when it cannot check now. Never blocks the calling event
   * loop (slow hashing runs on workers).
   */
  Future<Optional<Box>> authenticate(String boxId, String secret);

  /**
   * Authentication could not be attempted now (every verifier is busy): the edge answers "server busy", which
   * devices retry, rather than "not authorized", which many stop retrying on.
   */
  final class BusyException extends RuntimeException {
    public BusyException(String message) {
      super(message, null, false, false);
    }
  }

  /** The registered box, if any. */
  Optional<Box> box(String boxId);
}
