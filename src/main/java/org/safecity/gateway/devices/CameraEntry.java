package org.safecity.gateway.devices;

import java.util.Objects;
import java.util.Optional;
import org.safecity.gateway.core.Enforcement;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.core.Sampling;

/**
 * A camera as the registry knows it. Its RTSP secrets live only as hashes inside the registry.
 *
 * @param id          the camera id, also its RTSP path ({@code rtsp://host:8554/<id>})
 * @param region      the region it belongs to
 * @param boxId       the street box that powers and connects it
 * @param location    where it is installed
 * @param publishUser the user a camera pushing its stream (ANNOUNCE/RECORD) logs in as, when publishing needs one
 * @param readUser    the user a reader (DESCRIBE/PLAY) logs in as, when reading needs one
 * @param source      an {@code rtsp://} URL the gateway pulls the stream from, instead of the camera pushing it
 * @param enforcement the traffic rule it enforces (its plate reads become e-challans), if it is an enforcement point
 * @param sampling    its own recognition sampling, overriding the global setting
 */
public record CameraEntry(String id, String region, String boxId, GeoPoint location, Optional<String> publishUser,
    Optional<String> readUser, Optional<String> source, Optional<Enforcement> enforcement, Optional<Sampling> sampling) {

  /** A camera that is no enforcement point and samples as the global setting says. */
  public CameraEntry(String id, String region, String boxId, GeoPoint location, Optional<String> publishUser,
      Optional<String> readUser, Optional<String> source) {
    this(id, region, boxId, location, publishUser, readUser, source, Optional.empty(), Optional.empty());
  }

  public CameraEntry {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(boxId, "boxId");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(publishUser, "publishUser");
    Objects.requireNonNull(readUser, "readUser");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(enforcement, "enforcement");
    Objects.requireNonNull(sampling, "sampling");
  }

  /** A pull URL may carry credentials (rtsp://user:pass@host/...); they stay out of logs. */
  @Override
  public String toString() {
    return "CameraEntry[id=" + id + ", region=" + region + ", boxId=" + boxId + ", location=" + location
        + ", publishUser=" + publishUser + ", readUser=" + readUser
        + ", source=" + source.map(s -> s.replaceFirst("^(rtsps?://)[^/@]*@", "$1***@"))
        + ", enforcement=" + enforcement + ", sampling=" + sampling + "]";
  }
}
