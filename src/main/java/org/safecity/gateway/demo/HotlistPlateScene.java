package org.safecity.gateway.demo;

import io.vertx.core.Future;

/**
 * Hook for the third scene of the issue: <em>a hotlisted plate passes a camera</em>. Plate recognition is not
 * in the gateway yet, so the scene is not {@link #available()} and the rotation skips it.
 *
 * <p>When plates are recognised, this scene should: put a plate on the hotlist through the API (as the demo's
 * admin or operator, like {@link DemoCity} creates accounts and units); have one of the box's cameras loop a clip
 * in which that plate passes, with {@link DemoCamera#play(DemoClip)} (a clip made like {@link DemoClip#RESOURCE}
 * and shipped next to it), for a few seconds; then {@code play(DemoClip.shipped())} again. The gateway's hit then
 * appears in the alarm feed like any other.
 */
final class HotlistPlateScene implements IncidentScript.Scene {

  @Override
  public String name() {
    return "hotlisted plate";
  }

  @Override
  public boolean available() {
    return false;
  }

  @Override
  public boolean fits(DemoBox box) {
    return !box.cameras.isEmpty();
  }

  @Override
  public Future<Void> play(IncidentScript.Stage stage, DemoBox box) {
    return Future.failedFuture(new UnsupportedOperationException("plate recognition is not built yet"));
  }
}
