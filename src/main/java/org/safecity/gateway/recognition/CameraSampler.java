package org.safecity.gateway.recognition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import org.safecity.gateway.rtsp.rtp.AccessUnit;

/**
 * Picks one camera stream's frames for recognition and keeps the hand-off bounded. Plain Java, not
 * thread-safe: one stream's frames and its workers' answers all arrive on the stream's context.
 *
 * <p>Per worker type at most one frame is in flight and at most one waits here; a newer frame replaces the one
 * waiting (latest wins, the replaced one counted {@link Drop#SUPERSEDED}), and a waiting frame older than the
 * deadline when its turn comes is dropped ({@link Drop#EXPIRED}). So a slow worker costs two frames of
 * memory per camera, never a queue, and the stream itself never waits: {@link #offer} only decides and
 * returns what to send now.
 */
public final class CameraSampler {

  /** A frame to send to a worker type now. */
  public record Dispatch(String workerType, SampledFrame frame) {
  }

  private static final class Slot {
    final Tally tally;
    boolean busy;
    SampledFrame waiting;

    Slot(Tally tally) {
      this.tally = tally;
    }
  }

  private final String cameraId;
  private final Supplier<SampledFrame.Place> place;
  private final String codec;
  private final long streamEpoch;
  private final SamplerPolicy policy;
  private final Supplier<List<byte[]>> parameterSets;
  private final Supplier<List<String>> workerTypes;
  private final Function<String, Tally> tallies;
  private final LongAdder sampled;
  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private final List<SampledFrame.Unit> gop = new ArrayList<>();
  private long gopBytes;
  private boolean gopValid; // gop holds every unit since a keyframe
  private boolean gopOverflowed; // a keyframe was seen, but its GOP outgrew maxGopBytes
  private long seq;
  private double nextDueMillis = Double.NEGATIVE_INFINITY;
  private boolean closed;

  /**
   * @param place         the camera's region, location and rule as the registry has them, asked when a frame is taken
   * @param parameterSets the stream's current parameter sets, asked only when a frame is taken
   * @param workerTypes   the worker types now listening (may change between frames)
   * @param tallies       the figures of this camera per worker type
   * @param sampled       this camera's count of frames taken
   */
  public CameraSampler(String cameraId, Supplier<SampledFrame.Place> place, String codec, long streamEpoch, SamplerPolicy policy,
      Supplier<List<byte[]>> parameterSets, Supplier<List<String>> workerTypes, Function<String, Tally> tallies,
      LongAdder sampled) {
    this.cameraId = cameraId;
    this.place = place;
    this.codec = codec;
    this.streamEpoch = streamEpoch;
    this.policy = policy;
    this.parameterSets = parameterSets;
    this.workerTypes = workerTypes;
    this.tallies = tallies;
    this.sampled = sampled;
  }

  /**
   * A whole access unit arrived at {@code nowMillis}.
   *
   * @return what to send now (usually nothing; one dispatch per idle worker type when a frame is taken)
   */
  public List<Dispatch> offer(AccessUnit au, long nowMillis) {
    if (closed) {
      return List.of();
    }
    seq++;
    List<String> types = workerTypes.get();
    if (types.isEmpty()) {
      // Nobody to recognise for: nothing kept, nothing copied. A worker type that appears later starts at the
      // next keyframe.
      resetGop(false);
      return List.of();
    }
    boolean fps = policy.mode() == SampleMode.FPS;
    SampledFrame.Unit unit = new SampledFrame.Unit(seq, au.rtpTimestamp(), au.keyframe(), au.nalUnits());
    if (fps) {
      keep(unit);
    }
    boolean candidate = fps ? gopValid || gopOverflowed : au.keyframe();
    if (!candidate || nowMillis < nextDueMillis) {
      return List.of();
    }
    if (fps && !gopValid) {
      for (String type : types) {
        slot(type).tally.dropped.get(Drop.GOP_TOO_LONG).increment();
      }
      return List.of();
    }
    double interval = policy.intervalMillis();
    // Keeps the average at maxFps although arrivals jitter, without a burst after a quiet spell.
    nextDueMillis = Math.max(nextDueMillis + interval, nowMillis + interval / 2);
    SampledFrame.Place at = place.get();
    SampledFrame frame = new SampledFrame(cameraId, at.region(), codec, streamEpoch, parameterSets.get(),
        fps ? List.copyOf(gop) : List.of(unit), nowMillis, at.location(), at.enforcement());
    sampled.increment();
    List<Dispatch> out = new ArrayList<>(types.size());
    for (String type : types) {
      Slot s = slot(type);
      if (!s.busy) {
        s.busy = true;
        s.tally.sent.increment();
        s.tally.held.incrementAndGet();
        out.add(new Dispatch(type, frame));
      } else {
        if (s.waiting != null) {
          s.tally.dropped.get(Drop.SUPERSEDED).increment();
        } else {
          s.tally.held.incrementAndGet();
        }
        s.waiting = frame;
      }
    }
    return out;
  }

  /** Fps mode: the units since the last keyframe, as long as they fit the policy's bytes. */
  private void keep(SampledFrame.Unit unit) {
    if (unit.keyframe()) {
      resetGop(true);
    }
    if (!gopValid) {
      return;
    }
    gop.add(unit);
    gopBytes += unit.size();
    if (gopBytes > policy.maxGopBytes()) {
      resetGop(false);
      gopOverflowed = true; // until the next keyframe
    }
  }

  private void resetGop(boolean valid) {
    if (!gop.isEmpty()) {
      gop.clear();
    }
    gopBytes = 0;
    gopValid = valid;
    gopOverflowed = false;
  }

  /**
   * The worker type's frame came back (or could not be delivered) at {@code nowMillis}.
   *
   * @return the waiting frame to send to that type now, if one is waiting and still within its deadline
   */
  public Optional<SampledFrame> completed(String workerType, Outcome outcome, long nowMillis) {
    Slot s = slots.get(workerType);
    if (s == null || !s.busy) {
      throw new IllegalStateException("camera " + cameraId + ": no frame in flight to " + workerType);
    }
    switch (outcome) {
      case PROCESSED -> s.tally.processed.increment();
      case FAILED -> s.tally.failed.increment();
      default -> s.tally.dropped.get(outcome.drop().orElseThrow()).increment();
    }
    s.busy = false;
    s.tally.held.decrementAndGet();
    SampledFrame next = s.waiting;
    if (next == null) {
      return Optional.empty();
    }
    s.waiting = null;
    if (nowMillis - next.arrivedAtMillis() > policy.deadlineMillis()) {
      s.tally.held.decrementAndGet();
      s.tally.dropped.get(Drop.EXPIRED).increment();
      return Optional.empty();
    }
    s.busy = true;
    s.tally.sent.increment();
    return Optional.of(next);
  }

  /** The stream ended: waiting frames are dropped; frames in flight still come back through {@link #completed}. */
  public void close() {
    closed = true;
    for (Slot s : slots.values()) {
      if (s.waiting != null) {
        s.waiting = null;
        s.tally.held.decrementAndGet();
        s.tally.dropped.get(Drop.ENDED).increment();
      }
    }
    gop.clear();
  }

  private Slot slot(String type) {
    return slots.computeIfAbsent(type, t -> new Slot(tallies.apply(t)));
  }
}
