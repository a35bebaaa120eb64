package org.safecity.gateway.recognition;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.core.Sampling;
import org.safecity.gateway.rtsp.FrameSink;
import org.safecity.gateway.rtsp.rtp.AccessUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RTSP edge's {@link FrameSink}: one {@link CameraSampler} per camera stream, whose frames go by event-bus
 * request to {@code safecity.recognition.jobs.<type>} for every worker type listening. The worker's reply (or
 * the bus's failure) frees the slot; all of it happens on the stream's context, so ingest never waits and the
 * sampler needs no lock.
 */
public final class RecognitionFanOut implements FrameSink {
  private static final Logger LOG = LoggerFactory.getLogger(RecognitionFanOut.class);
  /** A frame in flight longer than this counts as lost ({@link Drop#TIMEOUT}) and its slot is freed. */
  static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final SamplerPolicy policy;
  private final MeterRegistry metrics;
  private final Function<String, String> regionOf;
  private final Function<String, Optional<Sampling>> samplingOf;
  private final LongSupplier clock;
  private volatile BiPredicate<String, String> route = (camera, type) -> true;
  private final CopyOnWriteArrayList<String> workerTypes = new CopyOnWriteArrayList<>();
  private volatile List<String> types = List.of();
  private final ConcurrentHashMap<String, LongAdder> sampled = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Tally>> tallies = new ConcurrentHashMap<>();
  private final DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(REPLY_TIMEOUT.toMillis())
      .setCodecName(SampledFrameCodec.NAME);

  /**
   * @param policy     the global sampling
   * @param regionOf   a camera's region ("" when unknown)
   * @param samplingOf a camera's own sampling from the devices file, read when its stream opens
   * @param clock      wall-clock milliseconds
   */
  public RecognitionFanOut(Vertx vertx, SamplerPolicy policy, MeterRegistry metrics, Function<String, String> regionOf,
      Function<String, Optional<Sampling>> samplingOf, LongSupplier clock) {
    this.vertx = vertx;
    this.policy = policy;
    this.metrics = metrics;
    this.regionOf = regionOf;
    this.samplingOf = samplingOf;
    this.clock = clock;
    SampledFrameCodec.register(vertx);
  }

  /** Frames go to this worker type from now on (its workers listen on {@link Addresses#recognitionJobs}). */
  public void addWorkerType(String type) {
    if (workerTypes.addIfAbsent(type)) {
      types = List.copyOf(workerTypes);
      LOG.info("recognition: frames now go to worker type {} ({} sampling, at most {} a second, deadline {} ms)",
          type, policy.mode().name().toLowerCase(java.util.Locale.ROOT), policy.maxFps(), policy.deadlineMillis());
    }
  }

  public void removeWorkerType(String type) {
    if (workerTypes.remove(type)) {
      types = List.copyOf(workerTypes);
    }
  }

  public List<String> workerTypes() {
    return types;
  }

  /**
   * Which worker types a camera's frames go to, of those listening: asked (on the stream's context) for every
   * frame, so it must be cheap. Lets a worker type take only the cameras it has something to do for.
   */
  public void route(BiPredicate<String, String> cameraAndType) {
    this.route = cameraAndType;
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
    CameraSampler sampler = new CameraSampler(cameraId, regionOf.apply(cameraId), codec,
        ThreadLocalRandom.current().nextLong(), own.get(), parameterSets, () -> routed(cameraId),
        t -> tally(cameraId, t), taken);
    return new StreamReceiver(sampler);
  }

  /** The listening worker types this camera's frames go to now. */
  private List<String> routed(String cameraId) {
    List<String> all = types;
    BiPredicate<String, String> r = route;
    int wanted = 0;
    for (String t : all) {
      if (r.test(cameraId, t)) {
        wanted++;
      }
    }
    if (wanted == all.size()) {
      return all; // the usual case: no copy
    }
    List<String> out = new java.util.ArrayList<>(wanted);
    for (String t : all) {
      if (r.test(cameraId, t)) {
        out.add(t);
      }
    }
    return out;
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

  /** One stream's sampler and its sends; every method runs on the stream's context. */
  private final class StreamReceiver implements Receiver {
    private final CameraSampler sampler;

    StreamReceiver(CameraSampler sampler) {
      this.sampler = sampler;
    }

    @Override
    public void accessUnit(AccessUnit unit) {
      List<CameraSampler.Dispatch> out = sampler.offer(unit, clock.getAsLong());
      for (CameraSampler.Dispatch d : out) {
        send(d.workerType(), d.frame());
      }
    }

    private void send(String type, SampledFrame frame) {
      vertx.eventBus().<String>request(Addresses.recognitionJobs(type), frame, delivery).onComplete(ar -> {
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
        sampler.completed(type, outcome, clock.getAsLong()).ifPresent(next -> send(type, next));
      });
    }

    private Outcome parse(String body) {
      try {
        return Outcome.fromWire(body);
      } catch (RuntimeException e) {
        return Outcome.FAILED;
      }
    }

    @Override
    public void closed() {
      sampler.close();
    }
  }
}
