package org.safecity.gateway.devices;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.safecity.gateway.mqtt.BoxDirectory;

/** The verifier's admission: running checks, waiting checks, and refusals beyond both. */
class CredentialVerifierTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Eight checks of a slow (cost 12) hash at once, submitted from an event loop like the edges do. */
  private List<Future<Boolean>> burst(CredentialVerifier v, String hash) throws Exception {
    v.init().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    var ctx = vertx.getOrCreateContext();
    var submitted = new java.util.concurrent.CompletableFuture<List<Future<Boolean>>>();
    ctx.runOnContext(x -> {
      List<Future<Boolean>> all = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        all.add(v.verify("person", i == 7 ? "right" : "wrong-" + i, hash));
      }
      submitted.complete(all);
    });
    List<Future<Boolean>> all = submitted.get(10, TimeUnit.SECONDS);
    Future.join(all).otherwiseEmpty().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    return all;
  }

  @Test
  void waitingChecksRunWhenARunningOneEndsAndOnlyThoseBeyondTheWaitAreRefused() throws Exception {
    String hash = Bcrypt.hash("right", 12);
    CredentialVerifier v = new CredentialVerifier(vertx, 4, 2, 4);
    List<Future<Boolean>> all = burst(v, hash);
    assertThat(all).filteredOn(Future::failed).hasSize(2)
        .allSatisfy(f -> assertThat(f.cause()).isInstanceOf(BoxDirectory.BusyException.class)
            .hasMessageContaining("4 more checks wait"));
    assertThat(all.subList(0, 6)).allSatisfy(f -> assertThat(f.result()).isFalse());
    assertThat(v.refused()).isEqualTo(2);
  }

  @Test
  void withoutAWaitEverythingBeyondTheRunningChecksIsRefusedAtOnce() throws Exception {
    String hash = Bcrypt.hash("right", 12);
    CredentialVerifier v = new CredentialVerifier(vertx, 4, 2);
    List<Future<Boolean>> all = burst(v, hash);
    assertThat(all).filteredOn(Future::failed).hasSize(6);
    assertThat(v.refused()).isEqualTo(6);
  }
}
