package org.safecity.gateway.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.safecity.gateway.config.NodeRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the cluster: who is a member now (id, name, role, address), oldest first, and who joins or
 * leaves. Unclustered, the cluster is this one node. Listeners run on a Hazelcast event thread: they must hop onto
 * their own context.
 */
public final class ClusterMembership {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMembership.class);
  /** The attribute vertx-hazelcast gives each member: the Vert.x node id. */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  /** One member. {@code id} is the Vert.x node id, new at every start; {@code name} is the configured node name. */
  public record Node(String id, String name, NodeRole role, String address, boolean local) {
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("name", name).put("role", role.wire()).put("address", address)
          .put("local", local);
    }
  }

  /** A change of membership: the node that joined or left. */
  public record Change(Node node, boolean joined) {
  }

  private final HazelcastInstance hazelcast;
  private final Node self;
  private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();

  private ClusterMembership(HazelcastInstance hazelcast, Node self) {
    this.hazelcast = hazelcast;
    this.self = self;
  }

  /** The single node of an unclustered gateway. */
  public static ClusterMembership single(String name, NodeRole role) {
    return new ClusterMembership(null, new Node("local", name, role, "", true));
  }

  /** A member of a Hazelcast cluster that has joined. */
  public static ClusterMembership of(HazelcastInstance hazelcast) {
    Member local = hazelcast.getCluster().getLocalMember();
    ClusterMembership m = new ClusterMembership(hazelcast, node(local, true));
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        m.fire(new Change(node(e.getMember(), false), true));
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        m.fire(new Change(node(e.getMember(), false), false));
      }
    });
    return m;
  }

  private static Node node(Member m, boolean local) {
    String role = m.getAttribute(HazelcastSetup.ROLE_ATTRIBUTE);
    return new Node(String.valueOf(m.getAttribute(VERTX_NODE_ID)), String.valueOf(m.getAttribute(HazelcastSetup.NAME_ATTRIBUTE)),
        role == null ? NodeRole.ALL : NodeRole.parse(role), m.getAddress().getHost() + ":" + m.getAddress().getPort(), local);
  }

  private void fire(Change change) {
    LOG.info("cluster member {} {} ({}, {}, {})", change.node().name(), change.joined() ? "joined" : "left",
        change.node().role().wire(), change.node().address(), change.node().id());
    for (Consumer<Change> l : listeners) {
      try {
        l.accept(change);
      } catch (RuntimeException e) {
        LOG.error("cluster membership listener failed", e);
      }
    }
  }

  public boolean clustered() {
    return hazelcast != null;
  }

  public Node self() {
    return self;
  }

  /** The members now, oldest first (Hazelcast's order); just this node when unclustered. */
  public List<Node> members() {
    if (hazelcast == null || !hazelcast.getLifecycleService().isRunning()) {
      return List.of(self);
    }
    List<Node> out = new ArrayList<>();
    for (Member m : hazelcast.getCluster().getMembers()) {
      out.add(node(m, m.localMember()));
    }
    return out;
  }

  public Optional<Node> member(String id) {
    return members().stream().filter(n -> n.id().equals(id)).findFirst();
  }

  /** Called on every join and leave, on a Hazelcast thread. */
  public void onChange(Consumer<Change> listener) {
    listeners.add(listener);
  }

  /** Membership for /health/ready: this node and every member with its role. */
  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    members().forEach(n -> list.add(n.toJson()));
    return new JsonObject().put("clustered", clustered()).put("self", self.toJson()).put("members", list);
  }

  /** {@code gateway_cluster_members{role}} and {@code gateway_cluster_node{id,name,role}} (always 1). */
  public void register(MeterRegistry metrics) {
    for (NodeRole r : NodeRole.values()) {
      Gauge.builder("gateway_cluster_members", this, m -> m.members().stream().filter(n -> n.role() == r).count())
          .tag("role", r.wire()).description("cluster members by role, this node included").register(metrics);
    }
    Gauge.builder("gateway_cluster_node", () -> 1).tags(Tags.of("name", self.name(), "role", self.role().wire(),
        "id", self.id())).description("this node's name, role and id (value always 1)").register(metrics);
    MultiGauge members = MultiGauge.builder("gateway_cluster_member").description(
        "one series per cluster member as this node sees it (value 1), with its name and role").register(metrics);
    Runnable refresh = () -> members.register(members().stream().map(n -> MultiGauge.Row.of(
        Tags.of("name", n.name(), "role", n.role().wire()), 1)).toList(), true);
    refresh.run();
    onChange(c -> refresh.run());
  }
}
