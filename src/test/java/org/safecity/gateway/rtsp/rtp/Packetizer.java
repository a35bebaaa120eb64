package org.safecity.gateway.rtsp.rtp;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The tests' reference sender: makes plausible access units and splits them into RTP payloads the
 * way cameras do (aggregation for runs of small NAL units, fragmentation for large ones, single NAL
 * unit packets otherwise, marker on each unit's last packet).
 */
final class Packetizer {

  enum Codec { H264, H265 }

  record Packet(int seq, long timestamp, boolean marker, byte[] payload) {
  }

  private Packetizer() {
  }

  static Depacketizer depacketizer(Codec codec, int maxUnitBytes) {
    return codec == Codec.H264 ? new H264Depacketizer(maxUnitBytes) : new H265Depacketizer(maxUnitBytes);
  }

  /** {@code count} units 3000 ticks apart, a keyframe with parameter sets every tenth. */
  static List<AccessUnit> stream(Codec codec, Random random, int count, long firstTimestamp) {
    List<AccessUnit> units = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      boolean key = i % 10 == 0;
      List<byte[]> nals = new ArrayList<>();
      if (key) {
        if (codec == Codec.H265) {
          nals.add(nal(codec, H265Depacketizer.VPS, random, 10 + random.nextInt(20), false));
        }
        nals.add(nal(codec, codec == Codec.H264 ? H264Depacketizer.SPS : H265Depacketizer.SPS, random,
            8 + random.nextInt(40), false));
        nals.add(nal(codec, codec == Codec.H264 ? H264Depacketizer.PPS : H265Depacketizer.PPS, random,
            4 + random.nextInt(8), false));
      }
      if (random.nextInt(4) == 0) {
        nals.add(nal(codec, codec == Codec.H264 ? H264Depacketizer.SEI : 39, random, 5 + random.nextInt(30), false));
      }
      int slices = 1 + random.nextInt(3);
      for (int s = 0; s < slices; s++) {
        int type = codec == Codec.H264 ? (key ? H264Depacketizer.IDR : 1) : (key ? 19 : 1);
        nals.add(nal(codec, type, random, sliceSize(random), s == 0));
      }
      units.add(new AccessUnit((firstTimestamp + 3000L * i) & 0xFFFF_FFFFL, nals, key));
    }
    return units;
  }

  private static int sliceSize(Random random) {
    int kind = random.nextInt(10);
    return kind < 2 ? 3 + random.nextInt(30) : kind < 7 ? 30 + random.nextInt(1500) : 1500 + random.nextInt(30_000);
  }

  /** A NAL unit of the given type; a slice's first payload bit says whether it opens the picture. */
  private static byte[] nal(Codec codec, int type, Random random, int size, boolean firstSlice) {
    int header = codec == Codec.H264 ? 1 : 2;
    byte[] nal = new byte[header + size];
    random.nextBytes(nal);
    if (codec == Codec.H264) {
      nal[0] = (byte) (0x60 | type);
    } else {
      nal[0] = (byte) (type << 1);
      nal[1] = 0x01;
    }
    nal[header] = (byte) (firstSlice ? nal[header] | 0x80 : nal[header] & 0x7F);
    return nal;
  }

  static List<Packet> packetize(Codec codec, List<AccessUnit> units, int mtu, int firstSeq) {
    List<Packet> packets = new ArrayList<>();
    int[] seq = {firstSeq};
    for (AccessUnit unit : units) {
      List<byte[]> payloads = new ArrayList<>();
      List<byte[]> nals = unit.nalUnits();
      int i = 0;
      while (i < nals.size()) {
        byte[] nal = nals.get(i);
        if (nal.length > mtu) {
          payloads.addAll(fragments(codec, nal, mtu));
          i++;
          continue;
        }
        int header = codec == Codec.H264 ? 1 : 2;
        int j = i;
        int size = header;
        while (j < nals.size() && size + 2 + nals.get(j).length <= mtu) {
          size += 2 + nals.get(j).length;
          j++;
        }
        if (j - i >= 2) {
          payloads.add(aggregate(codec, nals.subList(i, j)));
          i = j;
        } else {
          payloads.add(nal);
          i++;
        }
      }
      for (int p = 0; p < payloads.size(); p++) {
        packets.add(new Packet(seq[0], unit.rtpTimestamp(), p == payloads.size() - 1, payloads.get(p)));
        seq[0] = (seq[0] + 1) & 0xFFFF;
      }
    }
    return packets;
  }

  private static byte[] aggregate(Codec codec, List<byte[]> nals) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (codec == Codec.H264) {
      int nri = 0;
      for (byte[] nal : nals) {
        nri = Math.max(nri, nal[0] & 0x60);
      }
      out.write(nri | H264Depacketizer.STAP_A);
    } else {
      out.write(H265Depacketizer.AP << 1);
      out.write(0x01);
    }
    for (byte[] nal : nals) {
      out.write(nal.length >>> 8);
      out.write(nal.length & 0xFF);
      out.writeBytes(nal);
    }
    return out.toByteArray();
  }

  private static List<byte[]> fragments(Codec codec, byte[] nal, int mtu) {
    int header = codec == Codec.H264 ? 1 : 2;
    int fuHeaderAt = header; // the FU header follows the payload header
    int chunk = mtu - header - 1;
    List<byte[]> out = new ArrayList<>();
    for (int at = header; at < nal.length; at += chunk) {
      int length = Math.min(chunk, nal.length - at);
      byte[] payload = new byte[header + 1 + length];
      if (codec == Codec.H264) {
        payload[0] = (byte) ((nal[0] & 0xE0) | H264Depacketizer.FU_A);
        payload[1] = (byte) (nal[0] & 0x1F);
      } else {
        payload[0] = (byte) ((nal[0] & 0x81) | (H265Depacketizer.FU << 1));
        payload[1] = nal[1];
        payload[2] = (byte) ((nal[0] >>> 1) & 0x3F);
      }
      if (at == header) {
        payload[fuHeaderAt] |= (byte) 0x80;
      }
      if (at + length == nal.length) {
        payload[fuHeaderAt] |= 0x40;
      }
      System.arraycopy(nal, at, payload, header + 1, length);
      out.add(payload);
    }
    return out;
  }
}
