package org.safecity.gateway.core;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The gateway-node-lost rule. A node that leaves the cluster without stopping cleanly (killed, crashed, cut off)
 * takes every box connection it held with it: that is one cause, so it is one alarm naming the node and how many
 * boxes it held, and its boxes get {@code grace} to reconnect to another node before any box alarm (offline, theft)
 * is raised for them. A node that stopped cleanly (SIGTERM) raises nothing; its boxes get the same grace. The alarm
 * clears when a node of the same name joins again. Plain Java: the health package decides who applies it (one node).
 */
public final class NodeLoss {
  /** An alarm about a gateway node: raised or cleared. Region-less, so only staff see it. */
  public record NodeAlarm(String key, String kind, Severity severity, String node, Instant at, String summary,
                          Map<String, Object> details, boolean raised, String clearReason) {
  }

  private final Duration grace;

  public NodeLoss(Duration grace) {
    this.grace = Objects.requireNonNull(grace, "grace");
  }

  public Duration grace() {
    return grace;
  }

  public static String key(String nodeName) {
    return "node:" + nodeName;
  }

  /**
   * A node left the cluster.
   *
   * @param name        its configured name
   * @param role        its role ("edge", "worker", "all")
   * @param stoppedClean whether it recorded a clean stop before leaving
   * @param boxes       how many boxes it held
   * @return the alarm to raise, or empty for a clean stop
   */
  public Optional<NodeAlarm> left(String name, String role, boolean stoppedClean, int boxes, Instant now) {
    if (stoppedClean) {
      return Optional.empty();
    }
    boolean edge = !"worker".equals(role);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("node", name);
    details.put("role", role);
    details.put("boxes", boxes);
    details.put("reconnectGraceMs", grace.toMillis());
    details.put("graceEndsAt", now.plus(grace).toString());
    String summary = edge
        ? "Gateway node " + name + " lost: its " + boxes + " boxes have " + grace.toSeconds() + " s to reconnect to another node"
        : "Recognition worker " + name + " lost: its in-flight frames are counted lost, the other workers take the load";
    return Optional.of(new NodeAlarm(key(name), AlarmKinds.GATEWAY_NODE_LOST, edge ? Severity.CRITICAL : Severity.MAJOR,
        name, now, summary, details, true, null));
  }

  /** A node joined: a lost-node alarm of the same name, if active, clears. */
  public NodeAlarm rejoined(String name, Instant now) {
    return new NodeAlarm(key(name), AlarmKinds.GATEWAY_NODE_LOST, Severity.INFO, name, now, null, Map.of(), false,
        "node " + name + " rejoined the cluster");
  }

  /** When the boxes of a node lost at {@code lostAt} must have reconnected by. */
  public Instant graceEnds(Instant lostAt) {
    return lostAt.plus(grace);
  }
}
