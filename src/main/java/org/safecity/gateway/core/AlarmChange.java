package org.safecity.gateway.core;

/**
 * An alarm raised or cleared. Alarms are identified here only by a stable correlation {@code key}
 * (e.g. {@code theft:box-001}); the store assigns the alarm id and keeps at most one active alarm
 * per key. The model never raises a key that it already holds active.
 */
public sealed interface AlarmChange extends Outcome permits AlarmRaised, AlarmCleared {

  String key();
}
