package org.safecity.gateway.rtsp;

import java.util.Optional;

/**
 * What an RTSP request URL names: {@code rtsp://host:port/<cameraId>[/<track control>][?query]}. The query
 * (a reader's {@code ?token=}) is kept apart so it never becomes part of a camera id or a control.
 *
 * @param cameraId the first path segment, when there is one
 * @param rest     the path after the camera id, without leading slash (a SETUP's track control)
 * @param query    the query string without '?', or ""
 * @param prefix   scheme and authority as the client wrote them ({@code rtsp://host:8554}), or "" for a path-only URL
 */
record Target(Optional<String> cameraId, String rest, String query, String prefix) {

  static Target parse(String uri) {
    String u = uri == null ? "" : uri.trim();
    String prefix = "";
    String path = u;
    int scheme = u.indexOf("://");
    if (scheme > 0) {
      int slash = u.indexOf('/', scheme + 3);
      prefix = slash < 0 ? u : u.substring(0, slash);
      path = slash < 0 ? "" : u.substring(slash);
    }
    String query = "";
    int q = path.indexOf('?');
    if (q >= 0) {
      query = path.substring(q + 1);
      path = path.substring(0, q);
    }
    while (path.startsWith("/")) {
      path = path.substring(1);
    }
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.isEmpty() || path.equals("*")) {
      return new Target(Optional.empty(), "", query, prefix);
    }
    int slash = path.indexOf('/');
    String camera = slash < 0 ? path : path.substring(0, slash);
    String rest = slash < 0 ? "" : path.substring(slash + 1);
    return new Target(Optional.of(camera), rest, query, prefix);
  }

  /** The same request as if it named {@code cameraId} (RECORD/PLAY on an aggregate URL of the session). */
  Target orCamera(String id) {
    return cameraId.isPresent() ? this : new Target(Optional.of(id), rest, query, prefix);
  }

  /** The Content-Base a reader resolves track controls against. */
  String base(String id) {
    return (prefix.isEmpty() ? "" : prefix) + "/" + id + "/";
  }
}
