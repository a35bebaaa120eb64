package org.safecity.gateway.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import org.safecity.gateway.config.GatewayConfig.ClusterConfig;
import org.safecity.gateway.config.GatewayConfig.NodeConfig;

/**
 * The Hazelcast configuration of a gateway node, in code rather than a {@code cluster.xml}: every choice comes from
 * the typed settings, so an operator sets {@code cluster.*} keys like any other and the test can shorten the
 * timeouts. Joining is by an explicit TCP member list (multicast and cloud auto-detection off: a city network
 * cannot be assumed to carry multicast, and discovery must not wander outside the listed hosts).
 */
public final class HazelcastSetup {
  /** Member attributes every node announces; read back by {@link ClusterMembership}. */
  static final String NAME_ATTRIBUTE = "safecity.name";
  static final String ROLE_ATTRIBUTE = "safecity.role";

  private HazelcastSetup() {
  }

  public static Config config(ClusterConfig cluster, NodeConfig node) {
    Config c = new Config();
    // Members of another deployment (or test) on the same hosts, with another cluster.name, never join this one.
    c.setClusterName(cluster.name());
    c.setInstanceName("safecity-" + node.name().replaceAll("[^A-Za-z0-9._-]", "-"));
    c.getMemberAttributeConfig().setAttribute(NAME_ATTRIBUTE, node.name());
    c.getMemberAttributeConfig().setAttribute(ROLE_ATTRIBUTE, node.role().wire());

    NetworkConfig net = c.getNetworkConfig();
    net.setPort(cluster.port()).setPortAutoIncrement(false).setReuseAddress(true);
    // Bind and announce exactly cluster.host (127.0.0.1 in tests): never guess an interface.
    net.getInterfaces().setEnabled(true).addInterface(cluster.host());
    net.setPublicAddress(cluster.host() + ":" + cluster.port());
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());

    // Vert.x's own structures (as in vertx-hazelcast's default-cluster.xml): the subscriptions map must be a set.
    c.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    c.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    c.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));

    long timeout = cluster.failureTimeout().toSeconds();
    c.setProperty("hazelcast.logging.type", "slf4j");
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.setProperty("hazelcast.socket.bind.any", "false");
    // A silent member is removed after failureTimeout; heartbeats five times within it.
    c.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(timeout));
    c.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(Math.max(1, timeout / 5)));
    // Join fast: a node waits this long for others before it settles as a cluster of one (default 5 s).
    c.setProperty("hazelcast.wait.seconds.before.join", "1");
    c.setProperty("hazelcast.max.wait.seconds.before.join", "5");
    // After a partition heals, merge within seconds, not the default minutes.
    c.setProperty("hazelcast.merge.first.run.delay.seconds", String.valueOf(Math.max(5, timeout)));
    c.setProperty("hazelcast.merge.next.run.delay.seconds", String.valueOf(Math.max(5, timeout)));
    c.setProperty("hazelcast.graceful.shutdown.max.wait", String.valueOf(Math.max(5, timeout)));
    return c;
  }
}
