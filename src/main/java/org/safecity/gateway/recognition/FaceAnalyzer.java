package org.safecity.gateway.recognition;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Faces in a picture, with ONNX Runtime and the three MIT-licensed models of {@code faceplugin-face-recognition-js}:
 * detect ({@code fr_detect.onnx}, 320x240 RGB → scores and boxes of 4,420 anchors), 68 landmarks in the face box
 * ({@code fr_landmark.onnx}, 64x64 grey), align eyes and nose onto the standard 112x112 template and embed
 * ({@code fr_feature.onnx} → 512 values, L2-normalised here so cosine similarity is a dot product). Pre- and
 * post-processing follow the package's own JavaScript. Thread-safe (ONNX Runtime sessions are); run it on a
 * recognition thread.
 */
public final class FaceAnalyzer implements AutoCloseable {
  static final int DET_W = 320;
  static final int DET_H = 240;
  static final float MIN_SCORE = 0.65f;
  static final float NMS_IOU = 0.4f;
  static final int TOP_K = 750;
  /** The template's left eye, right eye and nose tip in the 112x112 crop the embedder was trained on. */
  static final double[][] TEMPLATE = {{38.29459953, 51.69630051}, {73.53179932, 51.50139999}, {56.02519989, 71.73660278}};

  /** A detected face: its square box in picture pixels and the detector's score. */
  public record Box(float x1, float y1, float x2, float y2, float score) {
    public float width() {
      return x2 - x1;
    }

    public float height() {
      return y2 - y1;
    }
  }

  /** A face with its landmarks (x0, y0, x1, y1, ... in picture pixels) and its unit-length embedding. */
  public record Face(Box box, float[] landmarks, float[] embedding) {
  }

  private final OrtEnvironment env;
  private final OrtSession detect;
  private final OrtSession landmark;
  private final OrtSession feature;
  /** Inferences share it; closing takes it alone, so no session is closed under a running inference. */
  private final java.util.concurrent.locks.ReadWriteLock lock = new java.util.concurrent.locks.ReentrantReadWriteLock();
  private boolean closed;

  /** Loads the three models from the models folder. */
  public FaceAnalyzer(Path modelsDir) throws OrtException {
    env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      // One thread per inference: the recognition pool runs cameras in parallel instead.
      o.setIntraOpNumThreads(1);
      o.setInterOpNumThreads(1);
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      detect = env.createSession(modelsDir.resolve("fr_detect.onnx").toString(), o);
      landmark = env.createSession(modelsDir.resolve("fr_landmark.onnx").toString(), o);
      feature = env.createSession(modelsDir.resolve("fr_feature.onnx").toString(), o);
    }
  }

  /** Every face found, with landmarks and embedding; an empty list for a picture without faces. */
  public List<Face> faces(DecodedFrame f) throws OrtException {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the face models are closed");
      }
      List<Face> out = new ArrayList<>();
      for (Box b : detect(f)) {
        float[] points = landmarks(f, b);
        out.add(new Face(b, points, embed(f, points)));
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Face boxes, best first, overlapping ones suppressed, each made square around its centre (side = height). */
  List<Box> detect(DecodedFrame f) throws OrtException {
    float[] input = ImageOps.rgbTensor(f.bgr(), f.width(), f.height(), 0, 0, f.width(), f.height(), DET_W, DET_H);
    List<Box> found = new ArrayList<>();
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, 3, DET_H, DET_W});
         OrtSession.Result r = detect.run(Map.of("input", t))) {
      float[][] scores = ((float[][][]) r.get("scores").orElseThrow().getValue())[0];
      float[][] boxes = ((float[][][]) r.get("boxes").orElseThrow().getValue())[0];
      for (int i = 0; i < scores.length; i++) {
        float s = scores[i][1];
        if (s >= MIN_SCORE) {
          float[] b = boxes[i];
          found.add(new Box(b[0] * f.width(), b[1] * f.height(), b[2] * f.width(), b[3] * f.height(), s));
        }
      }
    }
    found.sort(Comparator.comparingDouble(Box::score).reversed());
    List<Box> kept = new ArrayList<>();
    for (Box b : found.subList(0, Math.min(TOP_K, found.size()))) {
      if (b.width() <= 0 || b.height() <= 0) {
        continue;
      }
      if (kept.stream().noneMatch(k -> iou(k, b) > NMS_IOU)) {
        kept.add(b);
      }
    }
    List<Box> square = new ArrayList<>(kept.size());
    for (Box b : kept) {
      float side = b.height();
      float cx = (b.x1() + b.x2()) / 2;
      float cy = (b.y1() + b.y2()) / 2;
      square.add(new Box(Math.max(0, cx - side / 2), Math.max(0, cy - side / 2), Math.min(f.width() - 1, cx + side / 2),
          Math.min(f.height() - 1, cy + side / 2), b.score()));
    }
    return square;
  }

  static float iou(Box a, Box b) {
    float w = Math.max(0, Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1()));
    float h = Math.max(0, Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1()));
    float inter = w * h;
    return inter / (a.width() * a.height() + b.width() * b.height() - inter);
  }

  /** 68 landmarks of the face in the box, in picture pixels. */
  float[] landmarks(DecodedFrame f, Box b) throws OrtException {
    float[] input = ImageOps.greyTensor(f.bgr(), f.width(), f.height(), b.x1(), b.y1(), b.width(), b.height(), 64);
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, 1, 64, 64});
         OrtSession.Result r = landmark.run(Map.of("input", t))) {
      float[] raw = flatten(r.get(0).getValue());
      float[] points = new float[raw.length];
      for (int i = 0; i < raw.length; i++) {
        points[i] = i % 2 == 0 ? raw[i] * b.width() + b.x1() : raw[i] * b.height() + b.y1();
      }
      return points;
    }
  }

  /** The face aligned by its eyes and nose onto the template, embedded, unit length. */
  float[] embed(DecodedFrame f, float[] p) throws OrtException {
    double[][] src = {
        {(p[74] + p[76] + p[80] + p[82]) / 4.0, (p[75] + p[77] + p[81] + p[83]) / 4.0}, // left eye (points 37-42)
        {(p[86] + p[88] + p[92] + p[94]) / 4.0, (p[87] + p[89] + p[93] + p[95]) / 4.0}, // right eye (43-48)
        {p[60], p[61]}}; // nose tip (31)
    double[] toCrop = ImageOps.affine(src, TEMPLATE);
    float[] input = ImageOps.warpRgbTensor(f.bgr(), f.width(), f.height(), toCrop, 112);
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, 3, 112, 112});
         OrtSession.Result r = feature.run(Map.of(feature.getInputNames().iterator().next(), t))) {
      return normalise(flatten(r.get(0).getValue()));
    }
  }

  static float[] normalise(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += x * x;
    }
    float n = (float) Math.sqrt(sum);
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = n == 0 ? 0 : v[i] / n;
    }
    return out;
  }

  /** Cosine similarity of two unit vectors. */
  public static float similarity(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static float[] flatten(Object value) {
    if (value instanceof float[] v) {
      return v;
    }
    if (value instanceof float[][] v) {
      return v[0];
    }
    if (value instanceof float[][][] v) {
      return v[0][0];
    }
    throw new IllegalStateException("unexpected model output " + value.getClass().getSimpleName());
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
      landmark.close();
      feature.close();
    } finally {
      lock.writeLock().unlock();
    }
  }
}
