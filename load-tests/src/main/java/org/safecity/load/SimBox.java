package org.safecity.load;

import java.util.SplittableRandom;

/**
 * The physical side of one simulated street box: mains power, a lead-acid battery that charges on mains
 * and drains without it, a temperature that follows the day, a door that maintenance opens now and then.
 * Plain fields only (about a hundred bytes a box), stepped on its shard's event loop; no MQTT here.
 */
final class SimBox {

  /** Bits returned by {@link #step}: what happened since the last step, each one an event to publish. */
  static final int DOOR_OPENED = 1;
  static final int DOOR_CLOSED = 2;
  static final int MAINS_LOST = 4;
  static final int MAINS_RESTORED = 8;
  static final int BATTERY_LOW = 16;

  /** Local time offset of the city (Karachi, UTC+5), for the daily temperature curve. */
  static final double UTC_OFFSET_HOURS = 5;
  static final double BATTERY_LOW_PERCENT = 20;
  /** Full to empty in about eight hours on battery; empty to full in about one hour on mains. */
  static final double DRAIN_PER_SECOND = 100.0 / (8 * 3600);
  static final double CHARGE_PER_SECOND = 100.0 / 3600;

  /** How often, per box and day, the random things happen. */
  record Behaviour(double doorOpensPerDay, double mainsLossesPerDay) {
    static Behaviour defaults() {
      return new Behaviour(1, 0.5);
    }
  }

  final String id;
  final String secret;
  final int index;
  final double homeLat;
  final double homeLon;
  double lat;
  double lon;
  boolean mains = true;
  double batteryPercent;
  boolean doorOpen;
  boolean tamper;
  /** When a door opened by maintenance closes again; 0 = stays open (an incident). */
  long doorCloseAt;
  long mainsRestoreAt;
  private boolean lowReported;
  private long lastStepMillis;
  private long seq;

  SimBox(String id, String secret, int index, double[] home, double batteryPercent, long seqStart) {
    this.id = id;
    this.secret = secret;
    this.index = index;
    this.homeLat = home[0];
    this.homeLon = home[1];
    this.lat = home[0];
    this.lon = home[1];
    this.batteryPercent = batteryPercent;
    this.seq = seqStart;
  }

  /** Advances the box to {@code now}; returns the {@code DOOR_OPENED}... bits of what happened. */
  int step(long now, SplittableRandom rng, Behaviour behaviour) {
    double dt = lastStepMillis == 0 ? 0 : Math.max(0, (now - lastStepMillis) / 1000.0);
    lastStepMillis = now;
    int events = 0;
    if (mains) {
      batteryPercent = Math.min(100, batteryPercent + CHARGE_PER_SECOND * dt);
    } else {
      batteryPercent = Math.max(0, batteryPercent - DRAIN_PER_SECOND * dt);
    }
    if (!lowReported && batteryPercent <= BATTERY_LOW_PERCENT) {
      lowReported = true;
      events |= BATTERY_LOW;
    } else if (lowReported && batteryPercent > BATTERY_LOW_PERCENT + 10) {
      lowReported = false;
    }
    if (doorOpen) {
      if (doorCloseAt != 0 && now >= doorCloseAt) {
        doorOpen = false;
        events |= DOOR_CLOSED;
      }
    } else if (rng.nextDouble() < behaviour.doorOpensPerDay() * dt / 86_400) {
      doorOpen = true;
      doorCloseAt = now + 120_000 + rng.nextLong(480_000);
      events |= DOOR_OPENED;
    }
    if (!mains) {
      if (now >= mainsRestoreAt) {
        mains = true;
        events |= MAINS_RESTORED;
      }
    } else if (rng.nextDouble() < behaviour.mainsLossesPerDay() * dt / 86_400) {
      mains = false;
      mainsRestoreAt = now + 300_000 + rng.nextLong(3_300_000);
      events |= MAINS_LOST;
    }
    return events;
  }

  /** Terminal voltage of the 12 V battery: float/charge voltage on mains, resting voltage by charge without. */
  double batteryVolts() {
    return mains ? 13.2 + 0.6 * (100 - batteryPercent) / 100 : 11.8 + 1.0 * batteryPercent / 100;
  }

  /** Cabinet temperature: a daily sine peaking mid-afternoon local time, a per-box offset and some noise. */
  double temperatureC(long now, SplittableRandom rng) {
    double hour = ((now / 3_600_000.0) + UTC_OFFSET_HOURS) % 24;
    double curve = 27 + 7 * Math.sin(2 * Math.PI * (hour - 9) / 24);
    return curve + (index % 7 - 3) * 0.4 + (rng.nextDouble() - 0.5) * 0.4;
  }

  /** The next telemetry payload; each call takes the next {@code seq}. */
  String telemetry(long now, SplittableRandom rng) {
    return Payloads.telemetry(mains, batteryPercent, batteryVolts(), temperatureC(now, rng), doorOpen, tamper, now,
        ++seq);
  }

  /** A GPS fix near where the box is now (a few meters of jitter), accuracy 3..8 m. */
  String gps(long now, SplittableRandom rng) {
    double jitter = 0.00002;
    return Payloads.gps(lat + (rng.nextDouble() - 0.5) * jitter, lon + (rng.nextDouble() - 0.5) * jitter,
        3 + rng.nextInt(6), now);
  }

  long seq() {
    return seq;
  }

  /** Opens the door and keeps it open (an intrusion, not maintenance). */
  void forceDoorOpen() {
    doorOpen = true;
    doorCloseAt = 0;
  }

  void closeDoor() {
    doorOpen = false;
  }

  /** Carries the box {@code meters} away from home. */
  void moveFromHome(double meters, double bearingRad) {
    double[] p = Fleet.offset(homeLat, homeLon, meters, bearingRad);
    lat = p[0];
    lon = p[1];
  }
}
