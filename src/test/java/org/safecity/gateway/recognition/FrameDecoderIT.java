package org.safecity.gateway.recognition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safecity.gateway.testing.Cli;

/**
 * The decoder against the ffmpeg CLI: Debian's ffmpeg encodes a test pattern whose hue turns from frame to frame (so frames are told apart) and
 * decodes it to BGR as the reference; the same bitstream, cut into access units as the RTSP edge would hand them
 * over, goes through {@link FrameDecoder} as keyframes alone and as fps-mode chains. Each picture must be the
 * reference picture of its own frame number, and a chain must cost only the units not decoded before.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FrameDecoderIT {
  static final int W = 320;
  static final int H = 240;
  static final int FRAMES = 30;
  static final int GOP = 10;
  @TempDir
  static Path dir;
  static Stream h264;
  static Stream h265;

  /** A bitstream cut into access units, with its parameter sets and the reference pictures. */
  record Stream(String codec, List<SampledFrame.Unit> units, List<byte[]> parameterSets, byte[] reference) {
    byte[] picture(int index) {
      byte[] p = new byte[W * H * 3];
      System.arraycopy(reference, index * p.length, p, 0, p.length);
      return p;
    }

    /** A sampled frame of units {@code from..to} (indexes, inclusive). */
    SampledFrame frame(long epoch, int from, int to) {
      return new SampledFrame("cam-x", "south", codec, epoch, parameterSets, units.subList(from, to + 1), 0);
    }
  }

  @BeforeAll
  static void encode() throws Exception {
    h264 = encode("libx264", "H264", List.of("-x264-params", "aud=1", "-tune", "zerolatency", "-bf", "0"), "h264");
    h265 = encode("libx265", "H265", List.of("-x265-params", "aud=1:bframes=0:log-level=error"), "hevc");
  }

  static Stream encode(String encoder, String codec, List<String> options, String format) throws Exception {
    Path es = dir.resolve(codec + ".es");
    List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
        "testsrc=size=" + W + "x" + H + ":rate=25,hue=H=6*t", "-frames:v", String.valueOf(FRAMES), "-c:v", encoder, "-preset",
        "ultrafast", "-g", String.valueOf(GOP), "-keyint_min", String.valueOf(GOP), "-pix_fmt", "yuv420p", "-threads", "1"));
    cmd.addAll(options);
    cmd.addAll(List.of("-f", format, es.toString()));
    Cli.Result enc = Cli.run(Duration.ofSeconds(60), null, cmd.toArray(String[]::new));
    assertThat(enc.exit()).as(enc.output()).isZero();
    Path ref = dir.resolve(codec + ".bgr");
    Cli.Result dec = Cli.run(Duration.ofSeconds(60), null, "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", format,
        "-i", es.toString(), "-f", "rawvideo", "-pix_fmt", "bgr24", "-sws_flags", "bilinear+accurate_rnd", ref.toString());
    assertThat(dec.exit()).as(dec.output()).isZero();
    boolean hevc = codec.equals("H265");
    List<SampledFrame.Unit> units = new ArrayList<>();
    List<byte[]> params = new ArrayList<>();
    List<byte[]> current = new ArrayList<>();
    boolean key = false;
    for (byte[] nal : SampledFrame.splitAnnexB(Files.readAllBytes(es))) {
      int type = hevc ? (nal[0] >> 1) & 0x3f : nal[0] & 0x1f;
      boolean aud = hevc ? type == 35 : type == 9;
      if (aud && !current.isEmpty()) {
        units.add(new SampledFrame.Unit(units.size() + 1, units.size() * 3600L, key, current));
        current = new ArrayList<>();
        key = false;
      }
      boolean parameterSet = hevc ? type >= 32 && type <= 34 : type == 7 || type == 8;
      if (parameterSet) {
        if (params.stream().noneMatch(p -> java.util.Arrays.equals(p, nal))) {
          params.add(nal);
        }
        continue; // sent beside the units, as the sampler does
      }
      key |= hevc ? type >= 16 && type <= 21 : type == 5;
      current.add(nal);
    }
    units.add(new SampledFrame.Unit(units.size() + 1, units.size() * 3600L, key, current));
    assertThat(units).hasSize(FRAMES);
    byte[] reference = Files.readAllBytes(ref);
    assertThat(reference).hasSize(FRAMES * W * H * 3);
    return new Stream(codec, units, params, reference);
  }

  /**
   * The picture is the reference's frame {@code index}: the same within conversion rounding (colour edges may
   * round differently between FFmpeg versions' scalers), and clearly not the frame before.
   */
  static void assertPicture(DecodedFrame got, Stream s, int index) {
    assertThat(got.width()).isEqualTo(W);
    assertThat(got.height()).isEqualTo(H);
    assertThat(got.seq()).isEqualTo(index + 1);
    double[] same = difference(s.picture(index), got.bgr());
    assertThat(same[0]).as("mean difference to reference frame " + index).isLessThan(0.5);
    assertThat(same[1]).as("share of bytes off by more than 16 from reference frame " + index).isLessThan(0.003);
    if (index > 0) {
      double[] other = difference(s.picture(index - 1), got.bgr());
      assertThat(other[0]).as("mean difference to frame " + (index - 1)).isGreaterThan(3 * same[0] + 1.0);
      assertThat(other[1]).as("share of bytes off by more than 16 from frame " + (index - 1)).isGreaterThan(3 * same[1] + 0.02);
    }
  }

  /** Mean absolute difference and the share of bytes more than 16 apart. */
  static double[] difference(byte[] want, byte[] got) {
    long sum = 0;
    long far = 0;
    for (int i = 0; i < want.length; i++) {
      int d = Math.abs((want[i] & 0xff) - (got[i] & 0xff));
      sum += d;
      if (d > 16) {
        far++;
      }
    }
    return new double[] {(double) sum / want.length, (double) far / want.length};
  }

  @Test
  void keyframesAloneDecodeToTheirOwnPictures() throws Exception {
    for (Stream s : List.of(h264, h265)) {
      try (FrameDecoder d = new FrameDecoder("cam-x")) {
        for (int k = 0; k < FRAMES; k += GOP) {
          assertThat(s.units().get(k).keyframe()).isTrue();
          assertPicture(d.decode(s.frame(1, k, k)), s, k);
        }
        assertThat(d.unitsFed()).isEqualTo(FRAMES / GOP);
      }
    }
  }

  @Test
  void fpsChainsDecodeOnlyWhatIsNewAndRestartWhenTheyMust() throws Exception {
    for (Stream s : List.of(h264, h265)) {
      try (FrameDecoder d = new FrameDecoder("cam-x")) {
        // Every frame of the first GOP in turn, each sent with its whole chain: one new unit per picture.
        for (int t = 0; t < GOP; t++) {
          assertPicture(d.decode(s.frame(1, 0, t)), s, t);
        }
        assertThat(d.unitsFed()).as(s.codec() + ": units decoded for a whole GOP").isEqualTo(GOP);
        // A jump ahead in the next GOP (frames dropped in between): its keyframe, then up to the target.
        assertPicture(d.decode(s.frame(1, GOP, GOP + 3)), s, GOP + 3);
        assertPicture(d.decode(s.frame(1, GOP, GOP + 7)), s, GOP + 7);
        assertThat(d.unitsFed()).isEqualTo(GOP + 8);
        // Backwards within the GOP (a frame from another node, say): start again at the keyframe.
        assertPicture(d.decode(s.frame(1, GOP, GOP + 5)), s, GOP + 5);
        assertThat(d.unitsFed()).isEqualTo(GOP + 8 + 6);
        // The same numbers from a new stream of the camera are not mistaken for the old one's.
        assertPicture(d.decode(s.frame(2, GOP, GOP + 6)), s, GOP + 6);
        assertThat(d.unitsFed()).isEqualTo(GOP + 8 + 6 + 7);
      }
    }
  }

  @Test
  void oneDecoderFollowsACameraThatSwitchesCodec() throws Exception {
    try (FrameDecoder d = new FrameDecoder("cam-x")) {
      assertPicture(d.decode(h264.frame(1, 0, 2)), h264, 2);
      assertPicture(d.decode(h265.frame(2, GOP, GOP + 1)), h265, GOP + 1);
      assertPicture(d.decode(h264.frame(3, 2 * GOP, 2 * GOP)), h264, 2 * GOP);
    }
  }

  @Test
  void undecodableFramesAreRefusedWithAReasonAndTheDecoderRecovers() throws Exception {
    try (FrameDecoder d = new FrameDecoder("cam-x")) {
      var vp8 = new SampledFrame("cam-x", "", "VP8", 1, List.of(), List.of(h264.units().get(0)), 0);
      assertThatThrownBy(() -> d.decode(vp8)).isInstanceOf(FrameDecoder.DecodeException.class)
          .hasMessageContaining("no decoder for codec VP8");
      // A keyframe without its parameter sets cannot be decoded.
      var bare = new SampledFrame("cam-x", "", "H264", 2, List.of(), List.of(h264.units().get(0)), 0);
      assertThatThrownBy(() -> d.decode(bare)).isInstanceOf(FrameDecoder.DecodeException.class)
          .hasMessageContaining("camera cam-x");
      assertPicture(d.decode(h264.frame(3, 0, 4)), h264, 4);
    }
  }
}
