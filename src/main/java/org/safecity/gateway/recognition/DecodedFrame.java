package org.safecity.gateway.recognition;

import java.util.Optional;
import org.safecity.gateway.core.Enforcement;
import org.safecity.gateway.core.GeoPoint;

/**
 * A decoded picture at the camera's resolution, handed to recognizers on a recognition thread.
 *
 * @param cameraId        the camera
 * @param region          its region
 * @param seq             the access unit's number in its stream ({@link SampledFrame.Unit#seq})
 * @param rtpTimestamp    its RTP timestamp
 * @param arrivedAtMillis when it arrived at the gateway (wall clock)
 * @param width           pixels per row
 * @param height          rows
 * @param bgr             packed BGR, 8 bits each, rows top to bottom without padding ({@code width * 3} bytes a row)
 * @param location        where the camera is installed, as the sampled frame said
 * @param enforcement     the camera's traffic rule, as the sampled frame said
 */
public record DecodedFrame(String cameraId, String region, long seq, long rtpTimestamp, long arrivedAtMillis, int width,
                           int height, byte[] bgr, Optional<GeoPoint> location, Optional<Enforcement> enforcement) {

  /** A picture of a camera with no known location and no enforcement rule. */
  public DecodedFrame(String cameraId, String region, long seq, long rtpTimestamp, long arrivedAtMillis, int width,
      int height, byte[] bgr) {
    this(cameraId, region, seq, rtpTimestamp, arrivedAtMillis, width, height, bgr, Optional.empty(), Optional.empty());
  }

  public DecodedFrame {
    if (bgr.length != width * height * 3) {
      throw new IllegalArgumentException("a " + width + "x" + height + " BGR picture has " + width * height * 3
          + " bytes, not " + bgr.length);
    }
  }

  /** The pixel at (x, y) as 0xRRGGBB. */
  public int rgb(int x, int y) {
    int at = (y * width + x) * 3;
    return (bgr[at + 2] & 0xff) << 16 | (bgr[at + 1] & 0xff) << 8 | bgr[at] & 0xff;
  }
}
