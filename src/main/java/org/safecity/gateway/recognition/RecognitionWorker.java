package org.safecity.gateway.recognition;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers of one type on this node: takes sampled frames at its own address
 * ({@code safecity.recognition.jobs.<type>.<node>}, which it announces to the edges),
 * decodes them with one {@link FrameDecoder} per camera and hands each picture to the type's {@link Recognizer},
 * all on the shared recognition pool (bounded, sized to the cores), never on the event loop. Replies with the
 * {@link Outcome}; a frame past its deadline when its turn comes is skipped ({@link Outcome#EXPIRED}).
 *
 * <p>The pool's queue needs no bound of its own: the samplers keep at most one frame per camera and type in
 * flight, so it holds at most cameras x types tasks.
 */
public final class RecognitionWorker extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RecognitionWorker.class);
  /** A camera's decoder unused this long is closed (its stream probably ended); a new one opens on demand. */
  static final long IDLE_MILLIS = 60_000;

  private final String type;
  private final String address;
  private final Recognizer recognizer;
  private final WorkerExecutor pool;
  private final long deadlineMillis;
  private final MeterRegistry metrics;
  private final LongSupplier clock;
  private final Timer recogniseTime;
  private final Map<String, CameraDecoder> decoders = new ConcurrentHashMap<>();
  private MessageConsumer<SampledFrame> consumer;
  private long sweepTimer = -1;

  /** One camera's decoder with its meters; used under its own lock. */
  private final class CameraDecoder {
    final FrameDecoder decoder;
    final Timer decodeTime;
    final Counter errors;
    final Counter units;
    long lastUsedMillis;
    boolean closed;
    boolean warned;

    CameraDecoder(String cameraId) {
      decoder = new FrameDecoder(cameraId);
      decodeTime = Timer.builder("gateway_recognition_decode_seconds").tags("camera", cameraId, "worker", type)
          .description("decoding a sampled frame to a BGR picture (count: pictures decoded)").register(metrics);
      errors = Counter.builder("gateway_recognition_decode_errors").tags("camera", cameraId, "worker", type)
          .description("sampled frames FFmpeg could not decode").register(metrics);
      units = Counter.builder("gateway_recognition_decoded_units").tags("camera", cameraId, "worker", type)
          .description("access units fed to the decoder (in fps mode a picture may need the units since its keyframe)")
          .register(metrics);
    }
  }

  /**
   * @param address where it takes frames
   * @param pool    the recognition pool (shared by every worker type)
   * @param clock   wall-clock milliseconds, for deadlines
   */
  public RecognitionWorker(String type, String address, Recognizer recognizer, WorkerExecutor pool, long deadlineMillis,
      MeterRegistry metrics, LongSupplier clock) {
    this.type = type;
    this.address = address;
    this.recognizer = recognizer;
    this.pool = pool;
    this.deadlineMillis = deadlineMillis;
    this.metrics = metrics;
    this.clock = clock;
    this.recogniseTime = Timer.builder("gateway_recognition_recognise_seconds").tags("worker", type)
        .description("a recognizer's time per decoded frame").register(metrics);
  }

  @Override
  public Future<?> start() {
    SampledFrameCodec.register(vertx);
    // FFmpeg's native libraries load (and unpack, the first time) here, off the event loop: a gateway whose
    // FFmpeg cannot load says so at start instead of failing every frame.
    return pool.executeBlocking(FfmpegRuntime::load, false).compose(version -> {
      consumer = vertx.eventBus().consumer(address, this::handle);
      sweepTimer = vertx.setPeriodic(IDLE_MILLIS / 2, id -> pool.executeBlocking(() -> {
        sweep();
        return null;
      }, false));
      LOG.info("recognition worker {} listening at {} (FFmpeg {})", type, address, version);
      return consumer.completion();
    });
  }

  @Override
  public Future<?> stop() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregistered.compose(v -> pool.executeBlocking(() -> {
      List<CameraDecoder> all = new ArrayList<>(decoders.values());
      decoders.clear();
      for (CameraDecoder d : all) {
        synchronized (d) {
          d.closed = true;
          d.decoder.close();
        }
      }
      return null;
    }, false));
  }

  private void handle(Message<SampledFrame> message) {
    SampledFrame f = message.body();
    if (expired(f)) {
      message.reply(Outcome.EXPIRED.wire());
      return;
    }
    pool.executeBlocking(() -> process(f), false).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("recognition {}: camera {}: {}", type, f.cameraId(), ar.cause().toString());
      }
      message.reply((ar.succeeded() ? ar.result() : Outcome.FAILED).wire());
    });
  }

  private boolean expired(SampledFrame f) {
    return clock.getAsLong() - f.arrivedAtMillis() > deadlineMillis;
  }

  /** On a recognition thread. */
  private Outcome process(SampledFrame f) throws Exception {
    if (expired(f)) {
      return Outcome.EXPIRED; // it waited in the pool's queue too long
    }
    DecodedFrame picture;
    while (true) {
      CameraDecoder d = decoders.computeIfAbsent(f.cameraId(), CameraDecoder::new);
      synchronized (d) {
        if (d.closed) {
          continue; // swept just now; take the new one
        }
        d.lastUsedMillis = clock.getAsLong();
        long fedBefore = d.decoder.unitsFed();
        long start = System.nanoTime();
        try {
          picture = d.decoder.decode(f);
          d.decodeTime.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (FrameDecoder.DecodeException e) {
          d.errors.increment();
          if (!d.warned) {
            d.warned = true;
            LOG.warn("recognition {}: {} (further decode errors of this camera are logged at debug)", type, e.getMessage());
          } else {
            LOG.debug("recognition {}: {}", type, e.getMessage());
          }
          return Outcome.FAILED;
        } finally {
          d.units.increment(d.decoder.unitsFed() - fedBefore);
        }
      }
      break;
    }
    long start = System.nanoTime();
    try {
      recognizer.recognise(picture);
    } finally {
      recogniseTime.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
    return Outcome.PROCESSED;
  }

  private void sweep() {
    long now = clock.getAsLong();
    for (var e : decoders.entrySet()) {
      CameraDecoder d = e.getValue();
      synchronized (d) {
        if (!d.closed && now - d.lastUsedMillis > IDLE_MILLIS) {
          d.closed = true;
          d.decoder.close();
          decoders.remove(e.getKey(), d);
        }
      }
    }
  }
}
