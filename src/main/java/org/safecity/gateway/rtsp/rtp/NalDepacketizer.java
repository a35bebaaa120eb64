package org.safecity.gateway.rtsp.rtp;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What H.264 and H.265 depacketization share: sequencing, unit boundaries, fragment reassembly, the
 * memory bound and the counters. Subclasses only decode their payload format and call back
 * {@link #addNal}, {@link #startFragment}, {@link #continueFragment} or {@link #malformed}.
 */
abstract sealed class NalDepacketizer implements Depacketizer permits H264Depacketizer, H265Depacketizer {

  /**
   * Caps NAL units per access unit: maxUnitBytes alone would let aggregation packets of 1-byte NAL
   * units hold millions of arrays, whose object overhead dwarfs their bytes.
   */
  static final int MAX_NALS_PER_UNIT = 4096;

  private final int maxUnitBytes;
  private final SequenceTracker sequence = new SequenceTracker();

  private final List<byte[]> nals = new ArrayList<>();
  private int unitBytes; // completed NAL units plus the fragment so far
  private long unitTimestamp;
  private boolean unitOpen;
  private boolean unitBroken; // known incomplete: the rest of it is dropped unread

  private byte[] fragment; // FU being reassembled, null when none
  private int fragmentLength;
  private int fragmentType;

  private long discardedUnits;
  private long malformedPackets;
  private long latePackets;

  private byte[] vps;
  private byte[] sps;
  private byte[] pps;

  NalDepacketizer(int maxUnitBytes) {
    if (maxUnitBytes < 1) {
      throw new IllegalArgumentException("maxUnitBytes must be positive: " + maxUnitBytes);
    }
    this.maxUnitBytes = maxUnitBytes;
  }

  /** Decodes one non-empty payload of the unit being assembled, which is open and not broken. */
  abstract void payload(ByteBuf packet, int at, int length);

  /** Type of a whole NAL unit (header included), for parameter-set capture. */
  abstract int nalType(byte[] nal);

  /** Whether the unit's first slice opens its picture, so no leading slice went missing. */
  abstract boolean startsPicture(List<byte[]> unit);

  abstract boolean keyframe(List<byte[]> unit);

  /** Which parameter set a NAL type is: 'V', 'S', 'P', or 0 for none. */
  abstract char parameterSetKind(int nalType);

  @Override
  public final List<AccessUnit> push(RtpHeader header, ByteBuf packet) {
    int at = header.payloadOffset();
    int length = header.payloadLength();
    if (at > packet.writerIndex() - length) {
      throw new IllegalArgumentException("header was not parsed from this packet: payload " + at + "+" + length
          + " runs past the buffer's end at " + packet.writerIndex());
    }
    long timestamp = header.timestamp();
    switch (sequence.update(header.sequence())) {
      case LATE_OR_DUPLICATE -> {
        latePackets++;
        return List.of();
      }
      case GAP, RESTART -> {
        // The missing packets may hold the end of the open unit or the start of this packet's unit.
        if (unitOpen && unitTimestamp != timestamp) {
          breakUnit();
          resetUnit();
        }
        openUnit(timestamp);
        breakUnit();
      }
      case IN_ORDER -> { }
    }
    AccessUnit flushed = null;
    if (unitOpen && unitTimestamp != timestamp) {
      flushed = closeUnit();
    }
    openUnit(timestamp);
    if (!unitBroken && length > 0) {
      payload(packet, at, length);
    }
    AccessUnit marked = header.marker() ? closeUnit() : null;
    if (flushed == null) {
      return marked == null ? List.of() : List.of(marked);
    }
    return marked == null ? List.of(flushed) : List.of(flushed, marked);
  }

  /** Whether an aggregation packet may carry the NAL unit of {@code size} bytes at {@code at}. */
  abstract boolean aggregatable(ByteBuf packet, int at, int size);

  /**
   * An aggregation packet's units (H.264 STAP-A, H.265 AP: a 16-bit size before each). The sizes must fill the
   * payload exactly and every unit must be {@link #aggregatable}; all are checked before any is taken.
   */
  final void aggregation(ByteBuf packet, int at, int length) {
    if (fragmentInProgress() || !aggregationValid(packet, at, length)) {
      malformed();
      return;
    }
    int end = at + length;
    while (at < end) {
      int size = packet.getUnsignedShort(at);
      addNal(packet, at + 2, size);
      at += 2 + size;
    }
  }

  private boolean aggregationValid(ByteBuf packet, int at, int length) {
    int end = at + length;
    if (at == end) {
      return false;
    }
    while (at < end) {
      if (end - at < 2) {
        return false;
      }
      int size = packet.getUnsignedShort(at);
      at += 2;
      if (size == 0 || size > end - at || !aggregatable(packet, at, size)) {
        return false;
      }
      at += size;
    }
    return true;
  }

  /**
   * A fragmentation unit (H.264 FU-A, H.265 FU) whose FU header the format has read: its S and E bits are the
   * same in both. On a start, the NAL unit's header is rebuilt from {@code nalHeader}, the low
   * {@code nalHeaderBytes} bytes, big-endian (packed so a middle fragment allocates nothing).
   */
  final void fragmentUnit(int fuHeader, int type, boolean typeFragmentable, int nalHeader, int nalHeaderBytes,
      ByteBuf packet, int at, int length) {
    boolean start = (fuHeader & 0x80) != 0;
    boolean end = (fuHeader & 0x40) != 0;
    if ((start && end) || !typeFragmentable) {
      malformed(); // a whole NAL unit must not travel in one FU, and aggregates are never fragmented
      return;
    }
    if (start) {
      byte[] header = new byte[nalHeaderBytes];
      for (int i = 0; i < nalHeaderBytes; i++) {
        header[i] = (byte) (nalHeader >>> (8 * (nalHeaderBytes - 1 - i)));
      }
      startFragment(header, type, packet, at, length);
    } else {
      continueFragment(type, end, packet, at, length);
    }
  }

  /** Adds a whole NAL unit copied from the packet. */
  final void addNal(ByteBuf packet, int at, int length) {
    if (!reserve(length)) {
      return;
    }
    byte[] nal = new byte[length];
    packet.getBytes(at, nal);
    nals.add(nal);
    capture(nal);
  }

  /** Starts a fragmented NAL unit with its rebuilt header and the first fragment's bytes. */
  private void startFragment(byte[] nalHeader, int type, ByteBuf packet, int at, int length) {
    if (fragment != null) {
      malformed(); // the previous FU never ended
      return;
    }
    if (!reserve(nalHeader.length + length)) {
      return;
    }
    int budget = maxUnitBytes - unitBytes + nalHeader.length + length; // what completed NAL units leave
    fragment = new byte[Math.min(Math.max(256, 2 * (nalHeader.length + length)), budget)];
    System.arraycopy(nalHeader, 0, fragment, 0, nalHeader.length);
    packet.getBytes(at, fragment, nalHeader.length, length);
    fragmentLength = nalHeader.length + length;
    fragmentType = type;
  }

  /** Appends a middle or end fragment; an end completes the NAL unit. */
  private void continueFragment(int type, boolean end, ByteBuf packet, int at, int length) {
    if (fragment == null || type != fragmentType) {
      malformed(); // its start is missing, or it belongs to another NAL unit
      return;
    }
    if (!reserve(length)) {
      return;
    }
    int needed = fragmentLength + length;
    if (needed > fragment.length) {
      // Doubling amortizes the copies; the cap keeps the held bytes, spare capacity included, in bound.
      int budget = maxUnitBytes - (unitBytes - needed);
      byte[] grown = new byte[(int) Math.min(Math.max(needed, 2L * fragment.length), budget)];
      System.arraycopy(fragment, 0, grown, 0, fragmentLength);
      fragment = grown;
    }
    packet.getBytes(at, fragment, fragmentLength, length);
    fragmentLength = needed;
    if (end) {
      byte[] nal = fragmentLength == fragment.length ? fragment : Arrays.copyOf(fragment, fragmentLength);
      fragment = null;
      nals.add(nal);
      capture(nal);
    }
  }

  final boolean fragmentInProgress() {
    return fragment != null;
  }

  /** The packet breaks the payload format: count it and drop its unit. */
  final void malformed() {
    malformedPackets++;
    breakUnit();
  }

  /** Makes room for {@code bytes} more, or drops the unit when that would exceed the bounds. */
  private boolean reserve(int bytes) {
    if ((long) unitBytes + bytes > maxUnitBytes || nals.size() >= MAX_NALS_PER_UNIT) {
      breakUnit();
      return false;
    }
    unitBytes += bytes;
    return true;
  }

  private void capture(byte[] nal) {
    switch (parameterSetKind(nalType(nal))) {
      case 'V' -> vps = nal.clone();
      case 'S' -> sps = nal.clone();
      case 'P' -> pps = nal.clone();
      default -> { }
    }
  }

  private void openUnit(long timestamp) {
    if (!unitOpen) {
      unitOpen = true;
      unitTimestamp = timestamp;
    }
  }

  private void breakUnit() {
    if (!unitBroken) {
      discardedUnits++;
      unitBroken = true;
      dropContent();
    }
  }

  /** Ends the open unit; returns it if it is whole. */
  private AccessUnit closeUnit() {
    AccessUnit unit = null;
    if (!unitBroken) {
      if (fragment != null) {
        malformedPackets++; // the unit ended inside an FU: its end fragment never came
        discardedUnits++;
      } else if (!nals.isEmpty()) {
        if (startsPicture(nals)) {
          unit = new AccessUnit(unitTimestamp, nals, keyframe(nals));
        } else {
          discardedUnits++;
        }
      }
    }
    resetUnit();
    return unit;
  }

  private void resetUnit() {
    dropContent();
    unitOpen = false;
    unitBroken = false;
  }

  private void dropContent() {
    nals.clear();
    unitBytes = 0;
    fragment = null;
    fragmentLength = 0;
  }

  /** Bytes held for the unit being assembled, at most maxUnitBytes; for tests of the memory bound. */
  final int heldBytes() {
    return fragment == null ? unitBytes : unitBytes - fragmentLength + fragment.length;
  }

  @Override
  public final long discardedUnits() {
    return discardedUnits;
  }

  @Override
  public final long malformedPackets() {
    return malformedPackets;
  }

  @Override
  public final long latePackets() {
    return latePackets;
  }

  @Override
  public final Optional<byte[]> sps() {
    return copy(sps);
  }

  @Override
  public final Optional<byte[]> pps() {
    return copy(pps);
  }

  @Override
  public final Optional<byte[]> vps() {
    return copy(vps);
  }

  @Override
  public final void parameterSets(List<byte[]> nals) {
    for (byte[] nal : nals) {
      if (nal != null && nal.length > 0) {
        capture(nal);
      }
    }
  }

  private static Optional<byte[]> copy(byte[] nal) {
    return nal == null ? Optional.empty() : Optional.of(nal.clone());
  }
}
