package org.safecity.gateway.rtsp.rtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.safecity.gateway.rtsp.rtp.Packetizer.Codec;
import org.safecity.gateway.rtsp.rtp.Packetizer.Packet;

/**
 * Randomized, with fixed seeds so a failure replays. Two properties:
 *
 * <ul>
 *   <li>Delivery faults only (loss, reordering, duplication; packet bytes intact): every unit
 *       emitted is one that was sent, byte for byte, and a unit whose packets all arrived in order
 *       right after its predecessor's last packet is emitted.
 *   <li>Arbitrary byte damage: nothing throws and the memory bound holds.
 * </ul>
 */
class DepacketizerFuzzTest {

  private static final int MAX_UNIT_BYTES = 48 * 1024; // some generated units (up to ~90 KB) exceed it

  @Test
  void cleanStreamsComeOutWhole() {
    for (int seed = 0; seed < 40; seed++) {
      Random random = new Random(seed);
      Codec codec = Codec.values()[seed % 2];
      List<AccessUnit> sent = Packetizer.stream(codec, random, 30, random.nextLong() & 0xFFFF_FFFFL);
      List<Packet> packets = Packetizer.packetize(codec, sent, 200 + random.nextInt(1300), random.nextInt(65_536));
      Depacketizer d = Packetizer.depacketizer(codec, 1 << 20);
      List<AccessUnit> received = new ArrayList<>();
      for (Packet p : packets) {
        received.addAll(Rtp.push(d, Rtp.packet(p.seq(), p.timestamp(), p.marker(), p.payload())));
      }
      assertThat(received).as("seed %d", seed).hasSameSizeAs(sent);
      for (int i = 0; i < sent.size(); i++) {
        assertSame(received.get(i), sent.get(i), "seed " + seed);
      }
      assertThat(d.discardedUnits() + d.malformedPackets() + d.latePackets()).isZero();
      assertThat(d.sps()).isPresent();
    }
  }

  @Test
  void lossReorderingAndDuplicatesNeverEmitACorruptUnit() {
    long emittedTotal = 0;
    long discardedTotal = 0;
    long mustTotal = 0;
    for (int seed = 0; seed < 300; seed++) {
      Random random = new Random(seed);
      Codec codec = Codec.values()[seed % 2];
      List<AccessUnit> sent = Packetizer.stream(codec, random, 40, random.nextLong() & 0xFFFF_FFFFL);
      List<Packet> packets = Packetizer.packetize(codec, sent, 200 + random.nextInt(1300), random.nextInt(65_536));
      List<Integer> order = deliveryOrder(packets.size(), random);

      Depacketizer d = Packetizer.depacketizer(codec, MAX_UNIT_BYTES);
      Map<Long, AccessUnit> sentByTimestamp = new HashMap<>();
      sent.forEach(u -> sentByTimestamp.put(u.rtpTimestamp(), u));
      Set<Long> emitted = new HashSet<>();
      for (int index : order) {
        Packet p = packets.get(index);
        for (AccessUnit unit : Rtp.push(d, Rtp.packet(p.seq(), p.timestamp(), p.marker(), p.payload()))) {
          AccessUnit original = sentByTimestamp.get(unit.rtpTimestamp());
          assertThat(original).as("seed %d: unit at %d was never sent", seed, unit.rtpTimestamp()).isNotNull();
          assertSame(unit, original, "seed " + seed);
          assertThat(emitted.add(unit.rtpTimestamp())).as("seed %d: emitted twice", seed).isTrue();
          assertThat(unit.size()).isLessThanOrEqualTo(MAX_UNIT_BYTES);
        }
        assertThat(((NalDepacketizer) d).heldBytes()).isLessThanOrEqualTo(MAX_UNIT_BYTES);
      }
      List<Integer> must = unitsThatMustArrive(sent, packets, order);
      mustTotal += must.size();
      for (int u : must) {
        assertThat(emitted).as("seed %d: unit %d arrived whole but was not emitted", seed, u)
            .contains(sent.get(u).rtpTimestamp());
      }
      emittedTotal += emitted.size();
      discardedTotal += d.discardedUnits();
    }
    // The faults are frequent enough to matter and rare enough to leave most units intact.
    assertThat(discardedTotal).isGreaterThan(1000);
    assertThat(mustTotal).isGreaterThan(2 * discardedTotal);
  }

  @Test
  void damagedBytesNeverThrowAndStayInBound() {
    int rejectedHeaders = 0;
    long malformed = 0;
    for (int seed = 0; seed < 300; seed++) {
      Random random = new Random(1_000_000 + seed);
      Codec codec = Codec.values()[seed % 2];
      int max = seed % 3 == 0 ? 2048 : MAX_UNIT_BYTES;
      List<AccessUnit> sent = Packetizer.stream(codec, random, 30, random.nextLong() & 0xFFFF_FFFFL);
      List<Packet> packets = Packetizer.packetize(codec, sent, 100 + random.nextInt(1400), random.nextInt(65_536));
      Depacketizer d = Packetizer.depacketizer(codec, max);
      double damage = 0.02 + random.nextDouble() * 0.3;
      for (Packet p : packets) {
        ByteBuf buf = Rtp.packet(p.seq(), p.timestamp(), p.marker(), p.payload());
        byte[] bytes = Arrays.copyOf(buf.array(), buf.writerIndex());
        if (random.nextDouble() < damage) {
          bytes = damage(bytes, random);
        }
        if (random.nextInt(50) == 0) {
          bytes = new byte[random.nextInt(40)];
          random.nextBytes(bytes);
        }
        ByteBuf packet = Unpooled.wrappedBuffer(bytes);
        RtpHeader header;
        try {
          header = RtpHeader.parse(packet);
        } catch (RtpFormatException e) {
          rejectedHeaders++;
          continue;
        }
        try {
          for (AccessUnit unit : d.push(header, packet)) {
            assertThat(unit.size()).isLessThanOrEqualTo(max);
            assertThat(unit.nalUnits()).isNotEmpty().allSatisfy(nal -> assertThat(nal).isNotEmpty());
          }
        } catch (RuntimeException e) {
          fail("seed " + seed + ": push threw on " + Rtp.hex(bytes), e);
        }
        assertThat(((NalDepacketizer) d).heldBytes()).isLessThanOrEqualTo(max);
        assertThat(packet.readerIndex()).isZero();
      }
      malformed += d.malformedPackets();
    }
    // The damage reaches both the header checks and the payload parsers.
    assertThat(rejectedHeaders).isGreaterThan(100);
    assertThat(malformed).isGreaterThan(100);
  }

  /** Byte damage of one kind: flipped bits, overwritten bytes, truncation, insertion. */
  private static byte[] damage(byte[] bytes, Random random) {
    switch (random.nextInt(5)) {
      case 0 -> {
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
          int at = random.nextInt(bytes.length);
          bytes[at] ^= (byte) (1 << random.nextInt(8));
        }
        return bytes;
      }
      case 1 -> {
        // Aim at the payload headers (NAL, FU, aggregation sizes), where the parsing happens.
        int at = Math.min(bytes.length - 1, 12 + random.nextInt(6));
        bytes[at] = (byte) random.nextInt(256);
        return bytes;
      }
      case 2 -> {
        return Arrays.copyOf(bytes, random.nextInt(bytes.length));
      }
      case 3 -> {
        int at = random.nextInt(bytes.length + 1);
        byte[] inserted = new byte[1 + random.nextInt(8)];
        random.nextBytes(inserted);
        byte[] out = new byte[bytes.length + inserted.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(inserted, 0, out, at, inserted.length);
        System.arraycopy(bytes, at, out, at + inserted.length, bytes.length - at);
        return out;
      }
      default -> {
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        return bytes;
      }
    }
  }

  /**
   * Indexes of packets in the order they arrive: each one after the first may be lost, delivered
   * twice, or swapped with one up to 8 places later. The first stays first: a depacketizer takes the
   * first packet it ever sees as the start of a unit.
   */
  private static List<Integer> deliveryOrder(int count, Random random) {
    boolean clean = random.nextInt(10) == 0;
    double loss = clean ? 0 : random.nextDouble() * 0.03;
    double duplication = clean ? 0 : random.nextDouble() * 0.02;
    double reordering = clean ? 0 : random.nextDouble() * 0.02;
    List<Integer> order = new ArrayList<>();
    order.add(0);
    for (int i = 1; i < count; i++) {
      if (random.nextDouble() >= loss) {
        order.add(i);
        if (random.nextDouble() < duplication) {
          order.add(i);
        }
      }
    }
    for (int i = 1; i < order.size(); i++) {
      if (random.nextDouble() < reordering) {
        int j = Math.min(order.size() - 1, i + 1 + random.nextInt(8));
        order.set(i, order.set(j, order.get(i)));
      }
    }
    return order;
  }

  /**
   * Units that must come out: within the bound, and whose packets arrived consecutively and in order
   * right after the previous unit's last packet, itself not late. Nothing about them is uncertain to
   * a receiver.
   */
  private static List<Integer> unitsThatMustArrive(List<AccessUnit> sent, List<Packet> packets, List<Integer> order) {
    List<Integer> must = new ArrayList<>();
    int[] firstPosition = new int[packets.size()];
    Arrays.fill(firstPosition, -1);
    for (int pos = order.size() - 1; pos >= 0; pos--) {
      firstPosition[order.get(pos)] = pos;
    }
    int first = 0;
    for (int u = 0; u < sent.size(); u++) {
      int last = first;
      while (!packets.get(last).marker()) {
        last++;
      }
      if (sent.get(u).size() <= MAX_UNIT_BYTES && arrivedWhole(order, firstPosition, first, last)) {
        must.add(u);
      }
      first = last + 1;
    }
    return must;
  }

  private static boolean arrivedWhole(List<Integer> order, int[] firstPosition, int first, int last) {
    int at = firstPosition[first];
    if (at < 0 || (first == 0 ? at != 0 : at == 0 || order.get(at - 1) != first - 1)) {
      return false;
    }
    for (int pos = 0; pos < at - 1; pos++) {
      if (order.get(pos) >= first - 1) {
        return false; // the predecessor came late, or part of this unit came early
      }
    }
    for (int k = 0; k <= last - first; k++) {
      if (at + k >= order.size() || order.get(at + k) != first + k) {
        return false;
      }
    }
    return true;
  }

  private static void assertSame(AccessUnit actual, AccessUnit expected, String context) {
    assertThat(actual.rtpTimestamp()).as(context).isEqualTo(expected.rtpTimestamp());
    assertThat(actual.keyframe()).as(context).isEqualTo(expected.keyframe());
    assertThat(actual.nalUnits()).as(context).hasSameSizeAs(expected.nalUnits());
    for (int i = 0; i < expected.nalUnits().size(); i++) {
      assertThat(actual.nalUnits().get(i)).as(context + ", NAL unit " + i).isEqualTo(expected.nalUnits().get(i));
    }
  }
}
