package org.safecity.gateway.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Debian's ffmpeg and ffprobe as the real cameras and players of the RTSP tests. */
public final class Ffmpeg {
  private Ffmpeg() {
  }

  /**
   * A camera pushing a live test pattern with ANNOUNCE/RECORD until killed.
   *
   * @param codec     libx264 or libx265
   * @param transport tcp or udp
   * @param gop       frames per keyframe interval (25 fps)
   */
  public static Process push(String url, String codec, String size, String transport, int gop) throws IOException {
    return pushSource(url, "testsrc=size=" + size + ":rate=25", codec, transport, gop);
  }

  /**
   * A camera pushing any lavfi source (e.g. {@code color=c=red:size=320x240:rate=25}) until killed.
   *
   * @param gop frames per keyframe interval
   */
  public static Process pushSource(String url, String lavfiSource, String codec, String transport, int gop)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi",
        "-i", lavfiSource, "-c:v", codec, "-preset", "ultrafast", "-g", String.valueOf(gop),
        "-keyint_min", String.valueOf(gop), "-pix_fmt", "yuv420p"));
    if (codec.equals("libx264")) {
      cmd.addAll(List.of("-tune", "zerolatency", "-bf", "0"));
    } else {
      cmd.addAll(List.of("-x265-params", "log-level=error:bframes=0"));
    }
    cmd.addAll(List.of("-f", "rtsp", "-rtsp_transport", transport, url));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  /** Reads {@code frames} video frames through RTSP and decodes them; one framemd5 line per decoded frame. */
  public static Read read(String url, String transport, int frames, Duration timeout) throws Exception {
    Cli.Result r = Cli.run(timeout, null, "ffmpeg", "-hide_banner", "-loglevel", "error", "-rtsp_transport", transport,
        "-i", url, "-frames:v", String.valueOf(frames), "-an", "-f", "framemd5", "-");
    List<String> lines = new ArrayList<>();
    List<String> other = new ArrayList<>();
    for (String l : r.output().split("\n")) {
      if (l.startsWith("#") || l.isBlank()) {
        continue;
      }
      if (l.matches("^\\s*0,\\s*-?\\d+.*")) {
        lines.add(l);
      } else {
        other.add(l);
      }
    }
    return new Read(r.exit(), lines, other, r.output());
  }

  /** What a read printed: framemd5 lines (stream, dts, pts, duration, size, md5) and everything else. */
  public record Read(int exit, List<String> frames, List<String> messages, String output) {
    /** The decoded size in bytes of each frame (yuv420p: width * height * 3 / 2). */
    public List<Integer> frameSizes() {
      return frames.stream().map(l -> Integer.parseInt(l.split(",")[4].trim())).toList();
    }
  }

  /** ffprobe's codec_name|width|height of the first video stream, or its error output. */
  public static Cli.Result probe(String url, String transport) throws Exception {
    return Cli.run(Duration.ofSeconds(20), null, "ffprobe", "-v", "error", "-rtsp_transport", transport,
        "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", url);
  }
}
