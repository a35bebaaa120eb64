package org.safecity.load;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A few boxes inside the benchmark's own JVM, for probes that need to act at a known instant (open a
 * door, move, kill the socket) and time what follows. Same code as the simulator: one {@link Shard}.
 */
final class InProcessFleet implements AutoCloseable {

  private final Vertx vertx;
  private final Shard shard;
  final SimStats stats = new SimStats();
  private final Map<String, BoxConnection> byId = new HashMap<>();

  private InProcessFleet(SimulatorArgs args) throws Exception {
    BoxSimulator.quietVertxLogs(false);
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    List<SimBox> boxes = BoxSimulator.makeBoxes(args, 1).get(0);
    shard = new Shard(args, stats, boxes, 0, 1, line -> { });
    BoxSimulator.await(vertx.deployVerticle(shard), 30);
    for (BoxConnection b : shard.boxes()) {
      byId.put(b.box.id, b);
    }
  }

  /**
   * Connects {@code count} idle boxes from {@code firstIndex}; waits until all are up or the timeout.
   * {@code simArgs} carries host, port, prefix, region and secrets exactly as for a simulator process.
   */
  static InProcessFleet connect(List<String> simArgs, long timeoutMillis) throws Exception {
    InProcessFleet f = new InProcessFleet(SimulatorArgs.parse(simArgs.toArray(new String[0])));
    BoxSimulator.await(f.shard.connectAll(), 10);
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (f.stats.connected.get() < f.byId.size() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    return f;
  }

  int connected() {
    return stats.connected.get();
  }

  List<String> ids() {
    return byId.keySet().stream().sorted().toList();
  }

  /** Runs {@code action} on the box's event loop and returns its result. */
  <T> T on(String boxId, Function<BoxConnection, T> action) throws Exception {
    BoxConnection b = byId.get(boxId);
    if (b == null) {
      throw new IllegalArgumentException("no such box here: " + boxId);
    }
    Object[] out = new Object[1];
    BoxSimulator.await(shard.onContext(() -> out[0] = action.apply(b)), 10);
    @SuppressWarnings("unchecked")
    T t = (T) out[0];
    return t;
  }

  @Override
  public void close() {
    try {
      BoxSimulator.await(shard.disconnectAll(), 10);
    } catch (Exception e) {
      // closing anyway
    }
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null)
        .join();
  }

}
