package org.safecity.gateway.recognition;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_LOW_DELAY;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_flush_buffers;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.ffmpeg.global.swscale.SWS_ACCURATE_RND;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * One camera's FFmpeg decoder (H.264 or H.265), turning sampled frames into BGR pictures at the camera's
 * resolution. Not thread-safe: one caller at a time, on a recognition thread (never an event loop: the first
 * use loads FFmpeg's native libraries).
 *
 * <p>A sampled frame carries the units from its keyframe to its target. The decoder remembers how far into the
 * current GOP it got, so in fps mode each frame costs only the units after the previous one; anything else (a new
 * GOP, a new stream, a gap) starts again from the keyframe. One thread per decoder: the workers run cameras in
 * parallel instead, and frame threads would add a frame of delay.
 */
public final class FrameDecoder implements AutoCloseable {
  /** AVERROR(EAGAIN) on Linux: the decoder wants more input before it gives a picture. */
  static final int AVERROR_EAGAIN = -11;

  /** Why a frame could not be decoded. */
  public static final class DecodeException extends Exception {
    DecodeException(String message) {
      super(message);
    }
  }

  private final String cameraId;
  private AVCodecContext context;
  private final AVPacket packet;
  private final AVFrame picture;
  private AVFrame bgr;
  private SwsContext sws;
  private String codec;
  private long epoch;
  private long gopKeySeq = -1; // keyframe of the GOP the decoder is in, -1: none (flushed)
  private long lastSeq = -1;
  private long unitsFed;
  private boolean closed;

  public FrameDecoder(String cameraId) {
    this.cameraId = cameraId;
    this.packet = av_packet_alloc();
    this.picture = av_frame_alloc();
  }

  /** Access units handed to FFmpeg so far (each sampled frame's units minus those already decoded). */
  public long unitsFed() {
    return unitsFed;
  }

  /**
   * Decodes the frame's target picture.
   *
   * @throws DecodeException when FFmpeg refuses the data or gives no picture for the target
   */
  public DecodedFrame decode(SampledFrame f) throws DecodeException {
    if (closed) {
      throw new IllegalStateException("decoder of camera " + cameraId + " is closed");
    }
    if (context == null || f.streamEpoch() != epoch || !f.codec().equals(codec)) {
      open(f.codec());
      epoch = f.streamEpoch();
    }
    List<SampledFrame.Unit> units = f.units();
    long key = units.get(0).seq();
    long target = f.target().seq();
    int from = 0;
    if (gopKeySeq == key && lastSeq >= key && lastSeq < target) {
      from = (int) (lastSeq + 1 - key); // units are consecutive from the keyframe
    } else if (gopKeySeq >= 0) {
      avcodec_flush_buffers(context);
    }
    gopKeySeq = -1; // unknown until every unit is in
    DecodedFrame out = null;
    try {
      for (int i = from; i < units.size(); i++) {
        SampledFrame.Unit u = units.get(i);
        List<byte[]> nals = u.nalUnits();
        if (i == 0) {
          nals = new ArrayList<>(f.parameterSets());
          nals.addAll(u.nalUnits());
        }
        send(SampledFrame.annexB(nals), u.seq(), u.keyframe());
        DecodedFrame got = receive(f, target);
        if (got != null) {
          out = got;
        }
      }
      if (out == null) {
        // A decoder with reordering delay holds the picture back: drain it, then start clean next time.
        sendEnd();
        out = receive(f, target);
        avcodec_flush_buffers(context);
        if (out == null) {
          throw new DecodeException("camera " + cameraId + ": no picture for unit " + target);
        }
        return out;
      }
      gopKeySeq = key;
      lastSeq = target;
      return out;
    } catch (DecodeException e) {
      avcodec_flush_buffers(context);
      throw e;
    }
  }

  private void open(String newCodec) throws DecodeException {
    freeContext();
    int id = switch (newCodec) {
      case "H264" -> AV_CODEC_ID_H264;
      case "H265" -> AV_CODEC_ID_HEVC;
      default -> throw new DecodeException("camera " + cameraId + ": no decoder for codec " + newCodec);
    };
    AVCodec decoder = avcodec_find_decoder(id);
    if (decoder == null || decoder.isNull()) {
      throw new DecodeException("FFmpeg has no " + newCodec + " decoder");
    }
    context = avcodec_alloc_context3(decoder);
    context.thread_count(1);
    context.flags(context.flags() | AV_CODEC_FLAG_LOW_DELAY);
    check(avcodec_open2(context, decoder, (AVDictionary) null), "opening the " + newCodec + " decoder");
    codec = newCodec;
    gopKeySeq = -1;
    lastSeq = -1;
  }

  private void send(byte[] annexB, long seq, boolean keyframe) throws DecodeException {
    check(av_new_packet(packet, annexB.length), "allocating a packet");
    try {
      packet.data().put(annexB, 0, annexB.length);
      packet.pts(seq);
      packet.dts(seq);
      if (keyframe) {
        packet.flags(packet.flags() | AV_PKT_FLAG_KEY);
      }
      unitsFed++;
      int r = avcodec_send_packet(context, packet);
      if (r < 0 && r != AVERROR_EAGAIN) {
        throw new DecodeException("camera " + cameraId + ": unit " + seq + " refused: " + error(r));
      }
    } finally {
      av_packet_unref(packet);
    }
  }

  private void sendEnd() throws DecodeException {
    int r = avcodec_send_packet(context, (AVPacket) null);
    if (r < 0 && r != AVERROR_EOF) {
      throw new DecodeException("camera " + cameraId + ": draining the decoder: " + error(r));
    }
  }

  /** Takes every picture the decoder has; converts the target's. */
  private DecodedFrame receive(SampledFrame f, long target) throws DecodeException {
    DecodedFrame out = null;
    while (true) {
      int r = avcodec_receive_frame(context, picture);
      if (r == AVERROR_EAGAIN || r == AVERROR_EOF) {
        return out;
      }
      if (r < 0) {
        throw new DecodeException("camera " + cameraId + ": decoding: " + error(r));
      }
      try {
        if (picture.pts() == target) {
          out = convert(f, target);
        }
      } finally {
        av_frame_unref(picture);
      }
    }
  }

  private DecodedFrame convert(SampledFrame f, long target) throws DecodeException {
    int w = picture.width();
    int h = picture.height();
    if (bgr == null || bgr.width() != w || bgr.height() != h) {
      if (bgr != null) {
        av_frame_free(bgr);
      }
      bgr = av_frame_alloc();
      bgr.format(AV_PIX_FMT_BGR24);
      bgr.width(w);
      bgr.height(h);
      check(av_frame_get_buffer(bgr, 1), "allocating a " + w + "x" + h + " picture");
    }
    sws = sws_getCachedContext(sws, w, h, picture.format(), w, h, AV_PIX_FMT_BGR24, SWS_BILINEAR | SWS_ACCURATE_RND,
        null, null, (DoublePointer) null);
    if (sws == null || sws.isNull()) {
      throw new DecodeException("camera " + cameraId + ": no conversion from pixel format " + picture.format() + " to BGR");
    }
    sws_scale(sws, new PointerPointer<>(picture), picture.linesize(), 0, h, new PointerPointer<>(bgr), bgr.linesize());
    byte[] pixels = new byte[w * h * 3];
    int row = w * 3;
    int stride = bgr.linesize(0);
    BytePointer data = bgr.data(0);
    if (stride == row) {
      data.get(pixels, 0, pixels.length);
    } else {
      for (int y = 0; y < h; y++) {
        data.position((long) y * stride).get(pixels, y * row, row);
      }
      data.position(0);
    }
    SampledFrame.Unit t = f.target();
    return new DecodedFrame(f.cameraId(), f.region(), target, t.rtpTimestamp(), f.arrivedAtMillis(), w, h, pixels,
        f.location(), f.enforcement());
  }

  private void check(int r, String what) throws DecodeException {
    if (r < 0) {
      throw new DecodeException("camera " + cameraId + ": " + what + ": " + error(r));
    }
  }

  static String error(int code) {
    byte[] buf = new byte[256];
    av_strerror(code, buf, buf.length);
    int n = 0;
    while (n < buf.length && buf[n] != 0) {
      n++;
    }
    return new String(buf, 0, n, StandardCharsets.UTF_8) + " (" + code + ")";
  }

  private void freeContext() {
    if (context != null) {
      avcodec_free_context(context);
      context = null;
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    freeContext();
    av_packet_free(packet);
    av_frame_free(picture);
    if (bgr != null) {
      av_frame_free(bgr);
    }
    if (sws != null) {
      sws_freeContext(sws);
    }
  }
}
