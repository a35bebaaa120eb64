package org.safecity.gateway.recognition;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.safecity.gateway.config.GatewayConfig.RecognitionConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognition on this node: the sampler fan-out the RTSP edge feeds, the bounded recognition pool, and the
 * worker types deployed on it.
 */
public final class Recognition {
  private static final Logger LOG = LoggerFactory.getLogger(Recognition.class);

  private final Vertx vertx;
  private final RecognitionConfig config;
  private final MeterRegistry metrics;
  private final RecognitionFanOut fanOut;
  private final WorkerExecutor pool;
  private final int threads;
  private final List<String> deployments = new ArrayList<>();

  /** @param regionOf a camera's region, "" when unknown */
  public Recognition(Vertx vertx, RecognitionConfig config, MeterRegistry metrics, Function<String, String> regionOf) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.fanOut = new RecognitionFanOut(vertx, policy(config), metrics, regionOf, System::currentTimeMillis);
    this.threads = config.threads() > 0 ? config.threads() : Runtime.getRuntime().availableProcessors();
    this.pool = vertx.createSharedWorkerExecutor("safecity-recognition", threads);
  }

  static SamplerPolicy policy(RecognitionConfig c) {
    return new SamplerPolicy(SampleMode.parse(c.sampleMode()), c.maxFps(), c.deadline().toMillis(), c.maxGopBytes());
  }

  /** What the RTSP edge hands whole frames to. */
  public RecognitionFanOut fanOut() {
    return fanOut;
  }

  /** Threads of the recognition pool (decode and inference). */
  public int threads() {
    return threads;
  }

  /**
   * Deploys a worker type on this node: frames are decoded and handed to {@code recognizer}; the samplers send to
   * it once it listens.
   */
  public Future<Void> addWorker(String type, Recognizer recognizer) {
    RecognitionWorker worker = new RecognitionWorker(type, recognizer, pool, config.deadline().toMillis(), metrics,
        System::currentTimeMillis);
    return vertx.deployVerticle(worker).<Void>map(id -> {
      synchronized (deployments) {
        deployments.add(id);
      }
      fanOut.addWorkerType(type);
      return null;
    }).onFailure(e -> LOG.error("recognition worker {} is off: {}", type, e.getMessage()));
  }

  /** Stops the workers (their decoders close) and the pool. */
  public Future<Void> stop() {
    List<Future<Void>> undeploys = new ArrayList<>();
    synchronized (deployments) {
      deployments.forEach(id -> undeploys.add(vertx.undeploy(id)));
      deployments.clear();
    }
    return Future.join(undeploys).transform(ar -> pool.close()).mapEmpty();
  }
}
