package org.safecity.gateway.recognition;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.safecity.gateway.core.Enforcement;
import org.safecity.gateway.core.GeoPoint;

/**
 * {@link SampledFrame} on the event bus. On this node the frame travels by reference (it is immutable); to
 * another node as bytes: a version, the text fields, the camera's location (a flag, then latitude and longitude)
 * and enforcement rule (its wire text, empty for none), then parameter sets and units, each unit as one Annex-B
 * byte stream with its sequence number, RTP timestamp and keyframe flag. Lengths are checked while reading,
 * so a damaged message is refused, not half-read.
 */
public final class SampledFrameCodec implements MessageCodec<SampledFrame, SampledFrame> {
  /** Version 2 added location and enforcement; a node of another version refuses the message by name. */
  public static final String NAME = "safecity.sampled-frame.v2";
  static final byte VERSION = 2;
  /** Largest message read from another node; far above any sane GOP. */
  static final int MAX_WIRE_BYTES = 256 * 1024 * 1024;

  /** Registers the codec on this Vert.x once (the fan-out and the workers both need it). */
  public static synchronized void register(io.vertx.core.Vertx vertx) {
    try {
      vertx.eventBus().registerCodec(new SampledFrameCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another part of this node did it first
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, SampledFrame f) {
    int lengthAt = buffer.length();
    buffer.appendInt(0); // patched below: the message's length after this field
    buffer.appendByte(VERSION);
    text(buffer, f.cameraId());
    text(buffer, f.region());
    text(buffer, f.codec());
    buffer.appendLong(f.streamEpoch());
    buffer.appendLong(f.arrivedAtMillis());
    buffer.appendByte((byte) (f.location().isPresent() ? 1 : 0));
    f.location().ifPresent(p -> buffer.appendDouble(p.lat()).appendDouble(p.lon()));
    text(buffer, f.enforcement().map(Enforcement::wire).orElse(""));
    buffer.appendInt(f.parameterSets().size());
    for (byte[] p : f.parameterSets()) {
      buffer.appendInt(p.length).appendBytes(p);
    }
    buffer.appendInt(f.units().size());
    for (SampledFrame.Unit u : f.units()) {
      buffer.appendLong(u.seq()).appendLong(u.rtpTimestamp()).appendByte((byte) (u.keyframe() ? 1 : 0));
      byte[] annexB = SampledFrame.annexB(u.nalUnits());
      buffer.appendInt(annexB.length).appendBytes(annexB);
    }
    buffer.setInt(lengthAt, buffer.length() - lengthAt - 4);
  }

  @Override
  public SampledFrame decodeFromWire(int pos, Buffer buffer) {
    Reader r = new Reader(buffer, pos);
    int length = r.length("message", MAX_WIRE_BYTES);
    r.end = r.at + length;
    if (r.end > buffer.length()) {
      throw new IllegalArgumentException("sampled frame: message of " + length + " bytes runs past the buffer");
    }
    byte version = buffer.getByte(r.at++);
    if (version != VERSION) {
      throw new IllegalArgumentException("sampled frame: unknown version " + version);
    }
    String camera = r.text();
    String region = r.text();
    String codec = r.text();
    long epoch = r.longValue();
    long arrivedAt = r.longValue();
    Optional<GeoPoint> location = Optional.empty();
    Optional<Enforcement> enforcement;
    try {
      if (r.byteValue() != 0) {
        location = Optional.of(new GeoPoint(r.doubleValue(), r.doubleValue()));
      }
      String rule = r.text();
      enforcement = rule.isEmpty() ? Optional.empty() : Optional.of(Enforcement.fromWire(rule));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("sampled frame: " + e.getMessage(), e);
    }
    int nParams = r.length("parameter sets", 16);
    List<byte[]> params = new ArrayList<>(nParams);
    for (int i = 0; i < nParams; i++) {
      params.add(r.bytes());
    }
    int nUnits = r.length("units", 100_000);
    List<SampledFrame.Unit> units = new ArrayList<>(nUnits);
    for (int i = 0; i < nUnits; i++) {
      long seq = r.longValue();
      long rtp = r.longValue();
      boolean key = r.byteValue() != 0;
      units.add(new SampledFrame.Unit(seq, rtp, key, SampledFrame.splitAnnexB(r.bytes())));
    }
    if (r.at != r.end) {
      throw new IllegalArgumentException("sampled frame: " + (r.end - r.at) + " bytes left over");
    }
    return new SampledFrame(camera, region, codec, epoch, params, units, arrivedAt, location, enforcement);
  }

  @Override
  public SampledFrame transform(SampledFrame f) {
    return f; // immutable: no copy on this node
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  private static void text(Buffer b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    b.appendInt(bytes.length).appendBytes(bytes);
  }

  /** Bounds-checked reading. */
  private static final class Reader {
    final Buffer buffer;
    int at;
    int end;

    Reader(Buffer buffer, int at) {
      this.buffer = buffer;
      this.at = at;
      this.end = buffer.length();
    }

    void need(int n) {
      if (n < 0 || at + n > end) {
        throw new IllegalArgumentException("sampled frame: truncated at byte " + at);
      }
    }

    int length(String what, int max) {
      need(4);
      int n = buffer.getInt(at);
      at += 4;
      if (n < 0 || n > max) {
        throw new IllegalArgumentException("sampled frame: " + what + " count " + n + " out of range");
      }
      return n;
    }

    long longValue() {
      need(8);
      long v = buffer.getLong(at);
      at += 8;
      return v;
    }

    double doubleValue() {
      return Double.longBitsToDouble(longValue());
    }

    byte byteValue() {
      need(1);
      return buffer.getByte(at++);
    }

    byte[] bytes() {
      int n = length("byte", MAX_WIRE_BYTES);
      need(n);
      byte[] out = buffer.getBytes(at, at + n);
      at += n;
      return out;
    }

    String text() {
      return new String(bytes(), StandardCharsets.UTF_8);
    }
  }
}
