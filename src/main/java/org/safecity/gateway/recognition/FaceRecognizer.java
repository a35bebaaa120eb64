package org.safecity.gateway.recognition;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The face watchlist worker's recognizer: every face in the frame is embedded and compared with the watchlist
 * in memory; the most similar person at or above the threshold is a hit, recorded (evidence and event) before
 * the frame counts as processed. The same person at the same camera again within {@code repeatAfterMillis} is
 * not recorded again: one sighting, not one event per keyframe.
 */
final class FaceRecognizer implements Recognizer {
  private final FaceAnalyzer analyzer;
  private final Supplier<Watchlist.Index> index;
  private final float minSimilarity;
  private final long repeatAfterMillis;
  private final FaceHits hits;
  private final Map<String, Long> lastHit = new ConcurrentHashMap<>();

  FaceRecognizer(FaceAnalyzer analyzer, Supplier<Watchlist.Index> index, float minSimilarity, long repeatAfterMillis,
      FaceHits hits) {
    this.analyzer = analyzer;
    this.index = index;
    this.minSimilarity = minSimilarity;
    this.repeatAfterMillis = repeatAfterMillis;
    this.hits = hits;
  }

  @Override
  public void recognise(DecodedFrame frame) throws Exception {
    Watchlist.Index list = index.get();
    if (list.entries().isEmpty()) {
      return; // nobody to look for: no inference at all
    }
    long now = System.currentTimeMillis();
    for (FaceAnalyzer.Face face : analyzer.faces(frame)) {
      Optional<Watchlist.Match> m = list.best(face.embedding());
      if (m.isEmpty() || m.get().score() < minSimilarity) {
        continue;
      }
      String key = frame.cameraId() + '\n' + m.get().personId();
      Long last = lastHit.get(key);
      if (last != null && now - last < repeatAfterMillis) {
        continue;
      }
      hits.record(frame, face, m.get());
      lastHit.put(key, now);
    }
    if (lastHit.size() > 10_000) {
      lastHit.values().removeIf(t -> now - t >= repeatAfterMillis);
    }
  }
}
