package org.safecity.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.safecity.gateway.config.ConfigException;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.config.GatewayConfig;
import org.safecity.gateway.config.NodeRole;

class ClusterConfigTest {
  private static final Optional<Path> EMPTY = Optional.of(Path.of("src/test/resources/empty.yaml"));

  private static GatewayConfig load(Map<String, String> env) {
    return ConfigLoader.load(EMPTY, env);
  }

  @Test
  void unclusteredByDefaultAndEverythingInOneProcess() {
    GatewayConfig c = load(Map.of());
    assertThat(c.cluster().enabled()).isFalse();
    assertThat(c.node().role()).isEqualTo(NodeRole.ALL);
    assertThat(c.node().name()).isEqualTo("local");
  }

  @Test
  void theShippedExampleLoads() {
    GatewayConfig c = ConfigLoader.load(Optional.of(Path.of("gateway-config/cluster.example.yaml")), Map.of());
    assertThat(c.cluster().enabled()).isTrue();
    assertThat(c.cluster().members()).hasSize(3);
    assertThat(c.node().role()).isEqualTo(NodeRole.EDGE);
  }

  @Test
  void hazelcastJoinsOnlyTheListedMembersOverTcp() {
    GatewayConfig c = load(Map.of("SAFECITY_CLUSTER_ENABLED", "true", "SAFECITY_STORE_URL", "postgresql://x@db/x",
        "SAFECITY_NODE_ROLE", "edge", "SAFECITY_CLUSTER_MEMBERS", "127.0.0.1:5801, 127.0.0.1:5802",
        "SAFECITY_CLUSTER_PORT", "5801", "SAFECITY_CLUSTER_FAILURE_TIMEOUT", "4s"));
    assertThat(c.node().name()).as("default name: host:port").isEqualTo("127.0.0.1:5801");
    Config h = HazelcastSetup.config(c.cluster(), c.node());
    var join = h.getNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("127.0.0.1:5801", "127.0.0.1:5802");
    assertThat(h.getNetworkConfig().getPort()).isEqualTo(5801);
    assertThat(h.getNetworkConfig().isPortAutoIncrement()).isFalse();
    assertThat(h.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(h.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("4");
    assertThat(h.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(h.getMemberAttributeConfig().getAttribute(HazelcastSetup.ROLE_ATTRIBUTE)).isEqualTo("edge");
    assertThat(h.getMemberAttributeConfig().getAttribute(HazelcastSetup.NAME_ATTRIBUTE)).isEqualTo("127.0.0.1:5801");
    assertThat(h.getMultiMapConfig("__vertx.subs").getValueCollectionType().name()).isEqualTo("SET");
  }

  @Test
  void aClusterNeedsASharedStoreAndMembers() {
    assertThatThrownBy(() -> load(Map.of("SAFECITY_CLUSTER_ENABLED", "true", "SAFECITY_CLUSTER_MEMBERS", "a:1")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("store.url");
    assertThatThrownBy(() -> load(Map.of("SAFECITY_CLUSTER_ENABLED", "true", "SAFECITY_STORE_URL", "postgresql://x@db/x")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.members is empty");
    assertThatThrownBy(() -> load(Map.of("SAFECITY_CLUSTER_ENABLED", "true", "SAFECITY_STORE_URL", "postgresql://x@db/x",
        "SAFECITY_CLUSTER_MEMBERS", "db1:5701,db2")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("\"db2\" is not host:port");
  }

  @Test
  void anEdgeOrWorkerRoleNeedsTheCluster() {
    assertThatThrownBy(() -> load(Map.of("SAFECITY_NODE_ROLE", "worker")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("node.role worker is one part of a cluster");
    assertThatThrownBy(() -> load(Map.of("SAFECITY_NODE_ROLE", "leader")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("one of all, edge, worker");
  }
}
