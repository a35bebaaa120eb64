package org.safecity.gateway.recognition;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.safecity.gateway.core.Enforcement;
import org.safecity.gateway.core.PlateFormats;

/**
 * The plate worker's recognizer: reads the text in the frame, keeps the lines the OCR is confident of that fit a
 * plate format (normalised), and for each plate: a hotlist hit when it is listed, and an e-challan when the camera
 * is an enforcement point whose rule applies now (local time in the configured zone). The camera's rule and place
 * come with the frame (the edge's registry), so a worker JVM needs no registry. The same plate at the same
 * camera is one hotlist hit per {@code repeatAfterMillis}; e-challans are deduplicated in the database (per plate
 * and rule, whichever camera), and this node skips a plate it issued for within that window, so a car standing in
 * view does not store evidence twice a second.
 */
final class PlateRecognizer implements Recognizer {
  /** One plate read: canonical plate, what the OCR said, its confidence and where. */
  record Read(String plate, String rawText, float confidence, TextBoxes.Box box) {
  }

  private final TextReader reader;
  private final PlateFormats formats;
  private final float minConfidence;
  private final Supplier<Hotlist.Index> index;
  private final ZoneId zone;
  private final long repeatAfterMillis;
  private final long echallanWindowMillis;
  private final PlateHits hits;
  private final Map<String, Long> lastHit = new ConcurrentHashMap<>();
  private final Map<String, Long> lastChallan = new ConcurrentHashMap<>();

  PlateRecognizer(TextReader reader, PlateFormats formats, float minConfidence, Supplier<Hotlist.Index> index,
      ZoneId zone, long repeatAfterMillis, long echallanWindowMillis,
      PlateHits hits) {
    this.reader = reader;
    this.formats = formats;
    this.minConfidence = minConfidence;
    this.index = index;
    this.zone = zone;
    this.repeatAfterMillis = repeatAfterMillis;
    this.echallanWindowMillis = echallanWindowMillis;
    this.hits = hits;
  }

  @Override
  public void recognise(DecodedFrame frame) throws Exception {
    Hotlist.Index list = index.get();
    Optional<Enforcement> rule = frame.enforcement()
        .filter(e -> e.activeAt(LocalTime.ofInstant(Instant.ofEpochMilli(frame.arrivedAtMillis()), zone)));
    if (list.byKey().isEmpty() && rule.isEmpty()) {
      return; // nothing to look for here now: no inference
    }
    long now = System.currentTimeMillis();
    for (TextReader.Line line : reader.read(frame)) {
      if (line.confidence() < minConfidence) {
        continue;
      }
      Optional<PlateFormats.Plate> plate = formats.normalise(line.text());
      if (plate.isEmpty()) {
        continue;
      }
      Read read = new Read(plate.get().text(), line.text(), line.confidence(), line.box());
      String key = PlateFormats.compact(read.plate());
      Optional<Hotlist.Entry> listed = list.match(read.plate());
      String hitKey = frame.cameraId() + '\n' + key;
      Long last = lastHit.get(hitKey);
      boolean hit = listed.isPresent() && (last == null || now - last >= repeatAfterMillis);
      Optional<Enforcement> challan = rule;
      if (challan.isPresent()) {
        Long issued = lastChallan.get(key + '\n' + challan.get().rule());
        if (issued != null && now - issued < echallanWindowMillis) {
          challan = Optional.empty();
        }
      }
      if (!hit && challan.isEmpty()) {
        continue;
      }
      PlateHits.Recorded r = hits.record(frame, read, hit ? listed : Optional.empty(),
          hit ? list.version() : -1, challan);
      if (hit) {
        lastHit.put(hitKey, now);
      }
      if (challan.isPresent()) {
        // Issued now or found within the window in the database: either way, none again from here for a while.
        lastChallan.put(key + '\n' + challan.get().rule(), now);
      }
    }
    if (lastHit.size() > 10_000) {
      lastHit.values().removeIf(t -> now - t >= repeatAfterMillis);
    }
    if (lastChallan.size() > 10_000) {
      lastChallan.values().removeIf(t -> now - t >= echallanWindowMillis);
    }
  }
}
