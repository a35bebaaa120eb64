package org.safecity.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class (autodetection): fails the class if any event loop was blocked while it
 * ran in this JVM. Gateways started as separate processes are checked by {@link GatewayProcess}.
 */
public final class NoBlockedThreads implements BeforeAllCallback, AfterAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    BlockedThreadAppender.SEEN.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    assertThat(BlockedThreadAppender.SEEN).as("Vert.x blocked-thread warnings during " + context.getDisplayName())
        .isEmpty();
  }
}
