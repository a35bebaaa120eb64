package org.safecity.gateway.recognition;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.cluster.ClusterMembership;
import org.safecity.gateway.core.Sampling;
import org.safecity.gateway.recognition.WorkerAnnouncement.Interest;
import org.safecity.gateway.rtsp.FrameSink;
import org.safecity.gateway.rtsp.rtp.AccessUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RTSP edge's {@link FrameSink}: one {@link CameraSampler} per camera stream, whose frames go to the live
 * recognition workers of each type through this node's {@link Dispatcher} (bounded jobs in flight per worker, lost
 * workers' jobs retried once or counted). Workers are learnt from their announcements on
 * {@code safecity.recognition.workers} (on any node of the cluster, or this one's own), and lost when their node
 * leaves the cluster or they fall silent. A stream's sampler and its completions all run on the stream's context,
 * so ingest never waits and the sampler needs no lock.
 */
public final class RecognitionFanOut implements FrameSink {
  private static final Logger LOG = LoggerFactory.getLogger(RecognitionFanOut.class);
  /** A frame in flight longer than this counts as lost ({@link Drop#TIMEOUT}) and its credit is freed. */
  static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);
  /** Workers announce themselves this often. */
  public static final Duration ANNOUNCE_EVERY = Duration.ofSeconds(1);
  /**
   * A worker not heard from for this long is lost, though its node is still a member: it stopped recognising (or
   * hangs) while its JVM keeps the cluster connection.
   */
  static final Duration SILENT_AFTER = Duration.ofSeconds(5);

  private final Vertx vertx;
  private final SamplerPolicy policy;
  private final MeterRegistry metrics;
  private final Function<String, SampledFrame.Place> placeOf;
  private final Function<String, Optional<Sampling>> samplingOf;
  private final LongSupplier clock;
  private final ClusterMembership membership;
  private final Dispatcher dispatcher;
  private final ConcurrentHashMap<String, LongAdder> sampled = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Tally>> tallies = new ConcurrentHashMap<>();
  private final Set<String> typesWithMeters = ConcurrentHashMap.newKeySet();
  private final DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(REPLY_TIMEOUT.toMillis())
      .setCodecName(SampledFrameCodec.NAME);
  private volatile Routing routing = new Routing(Map.of());
  private MessageConsumer<JsonObject> announcements;
  private long sweepTimer = -1;

  /** Which types a camera's frames go to, derived once per change of the workers' interests. */
  private static final class Routing {
    final Map<String, Interest> from;
    final List<String> every; // types that want every camera
    final List<String> enforcement; // every + types that want enforcement cameras: all types that want any camera

    Routing(Map<String, Interest> interests) {
      this.from = interests;
      List<String> all = new ArrayList<>();
      List<String> enf = new ArrayList<>();
      for (Map.Entry<String, Interest> e : new TreeMap<>(interests).entrySet()) {
        switch (e.getValue()) {
          case ALL -> {
            all.add(e.getKey());
            enf.add(e.getKey());
          }
          case ENFORCEMENT -> enf.add(e.getKey());
          case NONE -> {
          }
        }
      }
      this.every = List.copyOf(all);
      this.enforcement = List.copyOf(enf);
    }
  }

  /**
   * @param policy     the global sampling
   * @param placeOf    a camera's region, location and enforcement rule ({@link SampledFrame.Place#UNKNOWN} when
   *                   the registry does not know it)
   * @param samplingOf a camera's own sampling from the devices file, read when its stream opens
   * @param membership the cluster (a node leaving ends its workers)
   * @param clock      wall-clock milliseconds
   */
  public RecognitionFanOut(Vertx vertx, SamplerPolicy policy, MeterRegistry metrics,
      Function<String, SampledFrame.Place> placeOf, Function<String, Optional<Sampling>> samplingOf,
      ClusterMembership membership, LongSupplier clock) {
    this.vertx = vertx;
    this.policy = policy;
    this.metrics = metrics;
    this.placeOf = placeOf;
    this.samplingOf = samplingOf;
    this.membership = membership;
    this.clock = clock;
    this.dispatcher = new Dispatcher(this::send, policy.deadlineMillis(), clock);
    SampledFrameCodec.register(vertx);
  }

  /**
   * Starts following the workers: their announcements on the bus, the cluster's departures (a node that leaves
   * takes its workers' jobs with it) and a sweep for workers that fell silent. Called on nodes that take streams.
   */
  public Future<Void> listen() {
    membership.onChange(change -> {
      if (!change.joined()) {
        List<String> lost = dispatcher.nodeLeft(change.node().id());
        if (!lost.isEmpty()) {
          LOG.warn("recognition: worker {} left the cluster; its frames in flight for {} are sent again or lost",
              change.node().name(), lost);
        }
      }
    });
    announcements = vertx.eventBus().consumer(Addresses.RECOGNITION_WORKERS, m -> {
      try {
        announced(WorkerAnnouncement.fromJson(m.body()));
      } catch (RuntimeException e) {
        LOG.warn("recognition: ignored a worker announcement: {}", e.getMessage());
      }
    });
    sweepTimer = vertx.setPeriodic(ANNOUNCE_EVERY.toMillis(), id -> {
      List<String> silent = dispatcher.expire(clock.getAsLong() - SILENT_AFTER.toMillis());
      if (!silent.isEmpty()) {
        LOG.warn("recognition: workers {} silent for {} s: taken as lost", silent, SILENT_AFTER.toSeconds());
      }
    });
    return announcements.completion();
  }

  /** Stops following the workers. */
  public Future<Void> stop() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    return announcements == null ? Future.succeededFuture() : announcements.unregister();
  }

  /** A worker node's announcement, from the bus or straight from this node's own workers. Any thread. */
  public void announced(WorkerAnnouncement a) {
    if (membership.clustered() && membership.member(a.node()).isEmpty()) {
      return; // its node has left (the message was on its way) or is not a member yet: it cannot be sent work
    }
    for (WorkerAnnouncement.Offer o : a.offers()) {
      if (typesWithMeters.add(o.type())) {
        registerType(o.type());
        LOG.info("recognition: worker type {} announced by {} ({} sampling, at most {} a second, deadline {} ms)",
            o.type(), a.name(), policy.mode().name().toLowerCase(java.util.Locale.ROOT), policy.maxFps(),
            policy.deadlineMillis());
      }
    }
    List<String> added = dispatcher.announce(a, this::share);
    if (!added.isEmpty()) {
      LOG.info("recognition: worker {} takes frames for {}", a.name(), added);
    }
  }

  /**
   * This edge's share of a worker's credits: every edge sends to every worker, so each takes its part of what the
   * worker said it takes at once (rounded up: a worker may get a few more than it offered, never none).
   */
  private int share(int credits) {
    long edges = membership.members().stream().filter(n -> n.role().runsEdges()).count();
    return (int) Math.max(1, (credits + Math.max(1, edges) - 1) / Math.max(1, edges));
  }

  /** The worker types frames go to now (some camera's, at least). */
  public List<String> workerTypes() {
    return routing().enforcement;
  }

  /** The live workers of a type, by node name. */
  public List<String> workers(String type) {
    return dispatcher.workers(type);
  }

  private Routing routing() {
    Map<String, Interest> now = dispatcher.interests();
    Routing r = routing;
    if (r.from != now) {
      r = new Routing(now);
      routing = r;
    }
    return r;
  }

  /** The policy for a camera: the global one, or its own sampling (keyframes still capped at the global rate). */
  static Optional<SamplerPolicy> policyFor(SamplerPolicy global, Optional<Sampling> own) {
    if (own.isEmpty()) {
      return Optional.of(global);
    }
    return switch (own.get().mode()) {
      case OFF -> Optional.empty();
      case KEYFRAMES -> Optional.of(new SamplerPolicy(SampleMode.KEYFRAMES, global.maxFps(), global.deadlineMillis(),
          global.maxGopBytes()));
      case FPS -> Optional.of(new SamplerPolicy(SampleMode.FPS, own.get().fps(), global.deadlineMillis(),
          global.maxGopBytes()));
    };
  }

  /** One camera's figures for one worker type (created empty when not seen yet). */
  public Tally tally(String cameraId, String type) {
    return tallies.computeIfAbsent(cameraId, id -> new ConcurrentHashMap<>()).computeIfAbsent(type,
        t -> register(cameraId, t, new Tally()));
  }

  /** Frames of the camera taken by its sampler, all worker types together. */
  public long sampled(String cameraId) {
    LongAdder n = sampled.get(cameraId);
    return n == null ? 0 : n.sum();
  }

  @Override
  public Receiver open(String cameraId, String codec, Supplier<List<byte[]>> parameterSets) {
    LongAdder taken = sampled.computeIfAbsent(cameraId, id -> {
      LongAdder n = new LongAdder();
      FunctionCounter.builder("gateway_recognition_frames_sampled", n, LongAdder::sum).tags("camera", id)
          .description("frames the camera's sampler took for recognition").register(metrics);
      return n;
    });
    Optional<SamplerPolicy> own = policyFor(policy, samplingOf.apply(cameraId));
    if (own.isEmpty()) {
      LOG.info("recognition: camera {} is not sampled (sample: off in the devices file)", cameraId);
      return new Receiver() {
        @Override
        public void accessUnit(AccessUnit unit) {
        }

        @Override
        public void closed() {
        }
      };
    }
    CameraSampler sampler = new CameraSampler(cameraId, () -> placeOf.apply(cameraId), codec,
        ThreadLocalRandom.current().nextLong(), own.get(), parameterSets, () -> routed(cameraId),
        t -> tally(cameraId, t), taken);
    return new StreamReceiver(sampler);
  }

  /** The worker types this camera's frames go to now. */
  private List<String> routed(String cameraId) {
    Routing r = routing();
    if (r.enforcement.size() == r.every.size()) {
      return r.every; // the usual case: no lookup
    }
    return placeOf.apply(cameraId).enforcement().isPresent() ? r.enforcement : r.every;
  }

  /** Per worker type: live workers, their credits, jobs in flight and waiting, retried and lost. */
  private void registerType(String type) {
    Tags tags = Tags.of("worker", type);
    Gauge.builder("gateway_recognition_workers", () -> dispatcher.figures(type).workers()).tags(tags)
        .description("live recognition workers of the type this edge sends to").register(metrics);
    Gauge.builder("gateway_recognition_credits", () -> dispatcher.figures(type).credits()).tags(tags)
        .description("jobs this edge may have in flight to the type's workers (its share of their credits)").register(metrics);
    Gauge.builder("gateway_recognition_jobs_in_flight", () -> dispatcher.figures(type).inFlight()).tags(tags)
        .description("frames at the type's workers now").register(metrics);
    Gauge.builder("gateway_recognition_jobs_waiting", () -> dispatcher.figures(type).waiting()).tags(tags)
        .description("frames waiting here for a free credit").register(metrics);
    FunctionCounter.builder("gateway_recognition_jobs_retried", dispatcher, d -> d.figures(type).retried()).tags(tags)
        .description("frames sent once more because their worker was lost or did not listen").register(metrics);
  }

  private Tally register(String cameraId, String type, Tally t) {
    Tags tags = Tags.of("camera", cameraId, "worker", type);
    FunctionCounter.builder("gateway_recognition_frames_sent", t, Tally::sent).tags(tags)
        .description("sampled frames sent to a worker").register(metrics);
    FunctionCounter.builder("gateway_recognition_frames_processed", t, Tally::processed).tags(tags)
        .description("frames a worker decoded and recognised").register(metrics);
    FunctionCounter.builder("gateway_recognition_frames_failed", t, Tally::failed).tags(tags)
        .description("frames a worker could not decode or recognise").register(metrics);
    for (Drop d : Drop.values()) {
      FunctionCounter.builder("gateway_recognition_frames_dropped", t, x -> x.dropped(d)).tags(tags.and("reason", d.tag()))
          .description("sampled frames not recognised, by reason (latest wins, deadline, no worker, ...)").register(metrics);
    }
    Gauge.builder("gateway_recognition_frames_held", t, Tally::held).tags(tags)
        .description("frames in flight to the worker or waiting for it (at most two per stream)").register(metrics);
    return t;
  }

  /** The dispatcher's transport: a request to the worker's own address; any thread. */
  private void send(String address, Dispatcher.Job job, int attempt) {
    vertx.eventBus().<String>request(address, job.frame, delivery).onComplete(ar -> {
      Outcome outcome;
      if (ar.succeeded()) {
        outcome = parse(ar.result().body());
      } else if (ar.cause() instanceof ReplyException re) {
        outcome = switch (re.failureType()) {
          case NO_HANDLERS -> Outcome.NO_WORKER;
          case TIMEOUT -> Outcome.TIMEOUT;
          default -> Outcome.FAILED;
        };
      } else {
        outcome = Outcome.FAILED;
      }
      dispatcher.replied(job, attempt, outcome);
    });
  }

  private static Outcome parse(String body) {
    try {
      return Outcome.fromWire(body);
    } catch (RuntimeException e) {
      return Outcome.FAILED;
    }
  }

  /** One stream's sampler and its sends; every method runs on the stream's context. */
  private final class StreamReceiver implements Receiver {
    private final CameraSampler sampler;

    private final Context context;

    StreamReceiver(CameraSampler sampler) {
      this.sampler = sampler;
      this.context = vertx.getOrCreateContext();
    }

    @Override
    public void accessUnit(AccessUnit unit) {
      List<CameraSampler.Dispatch> out = sampler.offer(unit, clock.getAsLong());
      for (CameraSampler.Dispatch d : out) {
        send(d.workerType(), d.frame());
      }
    }

    private void send(String type, SampledFrame frame) {
      dispatcher.submit(type, frame, outcome -> context.runOnContext(v -> sampler.completed(type, outcome,
          clock.getAsLong()).ifPresent(next -> send(type, next))));
    }

    @Override
    public void closed() {
      sampler.close();
    }
  }
}
