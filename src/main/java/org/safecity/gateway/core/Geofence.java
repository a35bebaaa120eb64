package org.safecity.gateway.core;

/**
 * Decides from one GPS fix whether a box is outside or back inside its geofence.
 *
 * <p>Leaving needs the whole accuracy circle outside the fence ({@code distance > geofence + accuracy}):
 * "moved" raises an alarm, and a poor fix of a box that never moved must not. Returning needs only the
 * fix itself inside ({@code distance <= geofence}): a box put back must be able to clear even when its
 * receiver reports a wide circle. The band between the two is hysteresis, so a fix wobbling around the
 * fence does not flap. A fix worse than the policy's maximum decides nothing; one with no stated
 * accuracy gets the policy's default.
 */
final class Geofence {

  enum Verdict { OUTSIDE, INSIDE, UNDECIDED }

  record Judgement(Verdict verdict, double distanceMeters, double accuracyMeters) {
  }

  private Geofence() {
  }

  static Judgement judge(Box box, GpsFix fix, HealthPolicy policy) {
    double accuracy = fix.accuracyMeters() != null ? fix.accuracyMeters() : policy.gpsDefaultAccuracyMeters();
    double distance = box.location().metersTo(fix.position());
    Verdict verdict;
    if (accuracy > policy.gpsMaxAccuracyMeters()) {
      verdict = Verdict.UNDECIDED;
    } else if (distance > box.geofenceMeters() + accuracy) {
      verdict = Verdict.OUTSIDE;
    } else if (distance <= box.geofenceMeters()) {
      verdict = Verdict.INSIDE;
    } else {
      verdict = Verdict.UNDECIDED;
    }
    return new Judgement(verdict, distance, accuracy);
  }
}
