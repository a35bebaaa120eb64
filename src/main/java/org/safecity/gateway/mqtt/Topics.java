package org.safecity.gateway.mqtt;

import java.util.Optional;

/** The topic rules: a box lives under {@code boxes/<its id>/} and nowhere else. */
final class Topics {
  private Topics() {
  }

  /** The kind of a box's PUBLISH, or empty when the topic is not one the box may publish to. */
  static Optional<TopicKind> fromBox(String boxId, String topic) {
    String prefix = "boxes/" + boxId + "/";
    if (topic == null || !topic.startsWith(prefix)) {
      return Optional.empty();
    }
    return TopicKind.fromSuffix(topic.substring(prefix.length())).filter(TopicKind::fromBox);
  }

  /**
   * A filter a box may subscribe to: inside its own subtree, wildcards only as whole levels ({@code +}, and
   * {@code #} last), no shared subscriptions.
   */
  static boolean subscribable(String boxId, String filter) {
    String prefix = "boxes/" + boxId + "/";
    if (filter == null || !filter.startsWith(prefix) || filter.length() > 512) {
      return false;
    }
    String[] levels = filter.substring(prefix.length()).split("/", -1);
    for (int i = 0; i < levels.length; i++) {
      String l = levels[i];
      if (l.equals("#") && i != levels.length - 1) {
        return false;
      }
      if (!l.equals("+") && !l.equals("#") && (l.contains("+") || l.contains("#"))) {
        return false;
      }
      if (l.indexOf('\0') >= 0) {
        return false;
      }
    }
    return true;
  }

  /** MQTT filter matching ({@code +} one level, {@code #} the rest). */
  static boolean matches(String filter, String topic) {
    String[] f = filter.split("/", -1);
    String[] t = topic.split("/", -1);
    for (int i = 0; i < f.length; i++) {
      if (f[i].equals("#")) {
        return true;
      }
      if (i >= t.length || !(f[i].equals("+") || f[i].equals(t[i]))) {
        return false;
      }
    }
    return f.length == t.length;
  }
}
