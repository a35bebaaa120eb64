package org.safecity.gateway.rtsp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.safecity.gateway.cluster.ClusterMembership;
import org.safecity.gateway.config.GatewayConfig.RtspConfig;
import org.safecity.gateway.core.Rendezvous;
import org.safecity.gateway.devices.CameraEntry;
import org.safecity.gateway.devices.DeviceRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link PullClient} per registry camera with a {@code source:} URL, kept in step with the devices file:
 * a camera added gets a client, one removed (or whose source changed) loses its old one. Each client gets an
 * event-loop context of its own, so many cameras spread over the cores.
 *
 * <p>On a cluster, a camera pulled always ({@code rtsp.pullOnDemand: false}) is pulled by one edge node only, the
 * one {@link Rendezvous} picks from the live edge members: many cameras take one or two sessions at most, and N
 * edges pulling each would also cost N times its bandwidth. When that node is lost, the camera's next owner starts
 * pulling as soon as the cluster sees the member gone; the others' health comes from the frame times the edges
 * share. Pulled on demand, a camera is pulled by whichever nodes have readers for it.
 */
public final class PullSources extends VerticleBase implements StreamDemand {
  private static final Logger LOG = LoggerFactory.getLogger(PullSources.class);

  private record Entry(String source, PullClient client) {
  }

  private final RtspConfig config;
  private final DeviceRegistry registry;
  private final StreamHub hub;
  private final UdpTransport udp;
  private final MeterRegistry metrics;
  private final ClusterMembership membership;
  private final ConcurrentHashMap<String, Entry> clients = new ConcurrentHashMap<>();
  /** Cameras with a {@code gateway_rtsp_pull_assigned} gauge. */
  private final Set<String> gauged = new HashSet<>();
  /** The node each camera's pull was last left to (a line in the log when that changes). */
  private final Map<String, String> elsewhere = new HashMap<>();
  private PullSession.Deps deps;
  private NetClient net;
  private boolean stopped;

  /** {@code udp} is null when the gateway's UDP transport is off; sources asking for UDP then use TCP. */
  public PullSources(RtspConfig config, DeviceRegistry registry, StreamHub hub, UdpTransport udp, MeterRegistry metrics,
      ClusterMembership membership) {
    this.membership = membership;
    this.config = config;
    this.registry = registry;
    this.hub = hub;
    this.udp = udp;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    net = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) RtspClientConnection.REQUEST_TIMEOUT
        .toMillis()).setTcpNoDelay(true));
    deps = new PullSession.Deps(config, hub, udp, net);
    registry.onChange(snapshot -> reconcile(snapshot.cameras().values()));
    // Joins and leaves come on a Hazelcast thread: the pulls are reconciled on this verticle's context.
    membership.onChange(change -> context.runOnContext(v -> reconcile(registry.cameras())));
    reconcile(registry.cameras());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    List<Future<Void>> stops = clients.values().stream().map(e -> e.client().stop()).toList();
    clients.clear();
    return Future.join(stops).transform(ar -> net.close());
  }

  @Override
  public Optional<Future<CameraStream>> demand(String cameraId) {
    Entry e = config.pullOnDemand() ? clients.get(cameraId) : null;
    return e == null ? Optional.empty() : Optional.of(e.client().demand());
  }

  /** Runs on this verticle's context: at start and after every registry reload. */
  private void reconcile(Collection<CameraEntry> cameras) {
    if (stopped) {
      return;
    }
    Set<String> wanted = new HashSet<>();
    List<String> edges = membership.members().stream().filter(n -> n.role().runsEdges()).map(ClusterMembership.Node::id)
        .toList();
    for (CameraEntry cam : cameras) {
      if (cam.source().isEmpty()) {
        continue;
      }
      if (gauged.add(cam.id())) {
        Gauge.builder("gateway_rtsp_pull_assigned", clients, c -> c.containsKey(cam.id()) ? 1 : 0).tag("camera", cam.id())
            .description("1 while this node pulls the camera (or stands ready to, on demand); on a cluster one edge does")
            .register(metrics);
      }
      if (!config.pullOnDemand() && membership.clustered() && !mine(cam.id(), edges)) {
        continue; // another edge pulls it (a client of ours, from before a join, is stopped below)
      }
      String source = cam.source().get();
      Entry old = clients.get(cam.id());
      if (old != null && old.source().equals(source)) {
        wanted.add(cam.id());
        continue;
      }
      PullUrl url;
      try {
        url = PullUrl.parse(source);
      } catch (IllegalArgumentException e) {
        LOG.warn("camera {}: not pulled: {}", cam.id(), e.getMessage());
        continue;
      }
      if (url.udp() && udp == null) {
        LOG.warn("camera {}: its source asks for UDP but rtsp.udpRtpPort is 0; pulling over TCP", cam.id());
      }
      wanted.add(cam.id());
      if (old != null) {
        LOG.info("camera {}: source changed, restarting its pull client", cam.id());
        old.client().stop();
      }
      PullClient client = new PullClient(deps, cam.id(), url, config.pullOnDemand(),
          ((VertxInternal) vertx).createEventLoopContext(), counters(cam.id()));
      clients.put(cam.id(), new Entry(source, client));
      LOG.info("camera {}: {} {}", cam.id(), config.pullOnDemand() ? "will pull on demand from" : "pulling from", url);
      client.start();
    }
    for (String id : List.copyOf(clients.keySet())) {
      if (!wanted.contains(id)) {
        String owner = elsewhere.get(id);
        if (owner != null) {
          LOG.info("camera {}: no longer pulled here: node {} pulls it now", id,
              membership.member(owner).map(ClusterMembership.Node::name).orElse(owner));
        } else {
          LOG.info("camera {}: no longer pulled (removed from the devices file or its source gone)", id);
        }
        clients.remove(id).client().stop();
      }
    }
  }

  /** Whether this node pulls the camera; says so in the log when the camera's puller changes. */
  private boolean mine(String cameraId, List<String> edges) {
    String self = membership.self().id();
    String owner = Rendezvous.owner(cameraId, edges).orElse(self);
    if (owner.equals(self)) {
      if (elsewhere.remove(cameraId) != null) {
        LOG.info("camera {}: this node pulls it now (its previous puller left, or the cluster changed)", cameraId);
      }
      return true;
    }
    if (!owner.equals(elsewhere.put(cameraId, owner))) {
      LOG.info("camera {}: pulled by node {} (one edge pulls each camera)", cameraId,
          membership.member(owner).map(ClusterMembership.Node::name).orElse(owner));
    }
    return false;
  }

  private PullClient.Counters counters(String cameraId) {
    return new PullClient.Counters(
        Counter.builder("gateway_rtsp_pull_connects").tag("camera", cameraId)
            .description("pull sessions that reached PLAY").register(metrics),
        Counter.builder("gateway_rtsp_pull_failures").tag("camera", cameraId)
            .description("pull attempts that failed, and playing pull sessions lost").register(metrics));
  }
}
