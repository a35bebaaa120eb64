package org.safecity.gateway.recognition;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_version_info;

/** FFmpeg's native libraries (bytedeco, linux-x86_64 GPL build), loaded once, off the event loops. */
final class FfmpegRuntime {
  private static String version;

  private FfmpegRuntime() {
  }

  /**
   * Loads the libraries and checks both decoders are there.
   *
   * @return FFmpeg's version
   * @throws IllegalStateException naming what is missing
   */
  static synchronized String load() {
    if (version != null) {
      return version;
    }
    try {
      av_log_set_level(AV_LOG_ERROR);
      for (int id : new int[] {AV_CODEC_ID_H264, AV_CODEC_ID_HEVC}) {
        var d = avcodec_find_decoder(id);
        if (d == null || d.isNull()) {
          throw new IllegalStateException("FFmpeg was built without the decoder for codec id " + id);
        }
      }
      version = av_version_info().getString();
      return version;
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      throw new IllegalStateException("FFmpeg's native libraries did not load (only linux-x86_64 is shipped): " + e, e);
    }
  }
}
