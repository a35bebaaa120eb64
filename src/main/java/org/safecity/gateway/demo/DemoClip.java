package org.safecity.gateway.demo;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A pre-encoded H.264 clip, packetized once for RTP and shared read-only by every demo camera (the load tests'
 * {@code Clip}, on Vert.x buffers). A camera loops it, writing one access unit per frame period.
 *
 * <p>The shipped clip ({@value #RESOURCE}, 205 KB) was made once with Debian's ffmpeg and committed:
 * <pre>
 * ffmpeg -f lavfi -i testsrc2=size=640x360:rate=25 -t 8 -an -c:v libx264 -preset veryslow -profile:v main \
 *   -pix_fmt yuv420p -bf 0 -g 50 -keyint_min 50 -sc_threshold 0 -b:v 200k -maxrate 200k -bufsize 200k \
 *   -f h264 testsrc2-640x360-25fps.h264
 * </pre>
 * 8 s at 25 fps, Main profile, no B-frames (a camera sends in decode order with rising timestamps), a keyframe
 * every 2 s with SPS/PPS before it, about 200 kbit/s. Shipping the bytes, rather than encoding at start with the
 * FFmpeg in the jar, keeps the demo pure Java: the jar's FFmpeg natives are linux-x86_64 only, and encoding would
 * cost every start CPU time that a small machine needs for the gateway itself.
 *
 * <p>The hotlisted-plate scene's clip ({@value #HOTLISTED_CAR}, 34 KB) was made the same way: a car with the plate
 * {@value #HOTLISTED_PLATE} (DejaVu Sans Bold, letters about 28 pixels high, as the plate tests draw them) drives in
 * from the left, waits at a red light from 1.5 s to 4.8 s and runs it; a keyframe every second, so every sampled
 * frame from 1 s to 5 s shows the whole plate:
 * <pre>
 * ffmpeg -f lavfi -i "color=c=0x5a5e62:s=640x360:r=25:d=6,drawbox=x=0:y=0:w=640:h=70:color=0x9a9a92:t=fill,\
 * drawbox=x=0:y=326:w=640:h=6:color=0xd0d0c8:t=fill,drawbox=x=600:y=70:w=10:h=290:color=0xe8e8e0:t=fill,\
 * drawbox=x=606:y=6:w=24:h=58:color=black:t=fill,drawbox=x=610:y=10:w=16:h=14:color=red:t=fill" \
 *   -f lavfi -i "color=c=0x28408c:s=340x190:r=25:d=6,drawbox=x=40:y=12:w=260:h=60:color=0x9fb4c8:t=fill,\
 * drawbox=x=14:y=92:w=44:h=20:color=0xf0e6a0:t=fill,drawbox=x=282:y=92:w=44:h=20:color=0xf0e6a0:t=fill,\
 * drawbox=x=50:y=112:w=240:h=50:color=white:t=fill,drawbox=x=50:y=112:w=240:h=50:color=black:t=3,\
 * drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf:text=LEA-1234:fontsize=38:\
 * fontcolor=black:x=50+(240-tw)/2:y=112+(50-th)/2,drawbox=x=0:y=170:w=60:h=20:color=black:t=fill,\
 * drawbox=x=280:y=170:w=60:h=20:color=black:t=fill" \
 *   -filter_complex "[0][1]overlay=x='if(lt(t,1.5),-340+490*t/1.5,if(lt(t,4.8),150,150+(t-4.8)*500))':y=120" \
 *   -an -c:v libx264 -preset veryslow -profile:v main -pix_fmt yuv420p -bf 0 -g 25 -keyint_min 25 \
 *   -sc_threshold 0 -b:v 250k -maxrate 250k -bufsize 250k -f h264 hotlisted-car-640x360-25fps.h264
 * </pre>
 * (inside double quotes the shell drops a backslash-newline, so each filter chain is one line).
 */
public final class DemoClip {

  /** The classpath resource every camera loops. */
  public static final String RESOURCE = "/demo/testsrc2-640x360-25fps.h264";
  /** The clip of the hotlisted-plate scene: one car passing, played once from its start. */
  public static final String HOTLISTED_CAR = "/demo/hotlisted-car-640x360-25fps.h264";
  /** The plate the {@link #HOTLISTED_CAR} carries (format {@code AAA-9999}, one of the default plate formats). */
  public static final String HOTLISTED_PLATE = "LEA-1234";
  /** RTP packets of at most this many bytes (header included): fits an Ethernet MTU with room to spare. */
  static final int MTU = 1400;

  private final byte[][] payloads;
  private final boolean[] marker;
  private final int[] auFirstPacket;
  private final boolean[] keyframe;
  private final byte[] sps;
  private final byte[] pps;
  private final int fps;

  private DemoClip(List<H264Packetizer.Payload> packets, int[] auFirstPacket, boolean[] keyframe, byte[] sps,
                   byte[] pps, int fps) {
    payloads = new byte[packets.size()][];
    marker = new boolean[packets.size()];
    for (int i = 0; i < packets.size(); i++) {
      payloads[i] = packets.get(i).bytes();
      marker[i] = packets.get(i).marker();
    }
    this.auFirstPacket = auFirstPacket;
    this.keyframe = keyframe;
    this.sps = sps;
    this.pps = pps;
    this.fps = fps;
  }

  /** The shipped clip every camera loops. */
  public static DemoClip shipped() {
    return resource(RESOURCE);
  }

  /** The hotlisted car's clip. */
  public static DemoClip hotlistedCar() {
    return resource(HOTLISTED_CAR);
  }

  private static DemoClip resource(String name) {
    try (InputStream in = DemoClip.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the demo clip " + name + " is missing from the jar");
      }
      return of(in.readAllBytes(), 25);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Packetizes an Annex-B stream that starts with an IDR access unit and carries SPS and PPS. */
  static DemoClip of(byte[] annexB, int fps) {
    List<byte[]> nals = AnnexB.nals(annexB);
    List<AnnexB.AccessUnit> aus = AnnexB.accessUnits(nals);
    if (aus.isEmpty()) {
      throw new IllegalArgumentException("no H.264 access units (expected an Annex-B stream)");
    }
    if (!aus.get(0).keyframe()) {
      throw new IllegalArgumentException("the clip must start with an IDR access unit (it is looped)");
    }
    byte[] sps = AnnexB.first(nals, 7);
    byte[] pps = AnnexB.first(nals, 8);
    if (sps == null || pps == null) {
      throw new IllegalArgumentException("the clip has no SPS/PPS");
    }
    int maxPayload = MTU - H264Packetizer.RTP_HEADER;
    List<H264Packetizer.Payload> packets = new ArrayList<>();
    int[] first = new int[aus.size() + 1];
    boolean[] key = new boolean[aus.size()];
    for (int i = 0; i < aus.size(); i++) {
      first[i] = packets.size();
      key[i] = aus.get(i).keyframe();
      packets.addAll(H264Packetizer.accessUnit(aus.get(i), maxPayload));
    }
    first[aus.size()] = packets.size();
    return new DemoClip(packets, first, key, sps, pps, fps);
  }

  public int accessUnits() {
    return keyframe.length;
  }

  public boolean keyframe(int au) {
    return keyframe[au];
  }

  /** RTP packets of access unit {@code au}. */
  int packets(int au) {
    return auFirstPacket[au + 1] - auFirstPacket[au];
  }

  public int fps() {
    return fps;
  }

  /** How long one pass of the clip lasts. */
  public Duration duration() {
    return Duration.ofMillis(accessUnits() * 1000L / fps);
  }

  /**
   * Appends access unit {@code au} to {@code out} as TCP-interleaved RTP packets ({@code $}, channel, length,
   * header, payload), sequence numbers from {@code seq}; returns how many packets it wrote.
   */
  int writeInterleaved(Buffer out, int au, int channel, int seq, long timestamp, long ssrc) {
    int from = auFirstPacket[au];
    int to = auFirstPacket[au + 1];
    for (int i = from; i < to; i++) {
      byte[] p = payloads[i];
      out.appendByte((byte) '$').appendByte((byte) channel).appendUnsignedShort(H264Packetizer.RTP_HEADER + p.length);
      out.appendByte((byte) 0x80).appendByte((byte) ((marker[i] ? 0x80 : 0) | 96))
          .appendUnsignedShort((seq + i - from) & 0xffff)
          .appendUnsignedInt(timestamp & 0xffffffffL)
          .appendUnsignedInt(ssrc & 0xffffffffL)
          .appendBytes(p);
    }
    return to - from;
  }

  /** The SDP a publisher ANNOUNCEs: one H.264 track, control {@code trackID=0}, payload type 96. */
  String sdp(String host, String name) {
    Base64.Encoder b64 = Base64.getEncoder();
    return "v=0\r\n"
        + "o=- 0 0 IN IP4 " + host + "\r\n"
        + "s=" + name + "\r\n"
        + "c=IN IP4 " + host + "\r\n"
        + "t=0 0\r\n"
        + "m=video 0 RTP/AVP 96\r\n"
        + "a=rtpmap:96 H264/90000\r\n"
        + "a=fmtp:96 packetization-mode=1;profile-level-id=" + H264Packetizer.profileLevelId(sps)
        + ";sprop-parameter-sets=" + b64.encodeToString(sps) + "," + b64.encodeToString(pps) + "\r\n"
        + "a=control:trackID=0\r\n";
  }
}
