package org.safecity.gateway.rtsp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.safecity.gateway.config.GatewayConfig.RtspConfig;
import org.safecity.gateway.devices.CameraEntry;
import org.safecity.gateway.devices.DeviceRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link PullClient} per registry camera with a {@code source:} URL, kept in step with the devices file:
 * a camera added gets a client, one removed (or whose source changed) loses its old one. Each client gets an
 * event-loop context of its own, so many cameras spread over the cores.
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
  private final ConcurrentHashMap<String, Entry> clients = new ConcurrentHashMap<>();
  private PullSession.Deps deps;
  private NetClient net;
  private boolean stopped;

  /** {@code udp} is null when the gateway's UDP transport is off; sources asking for UDP then use TCP. */
  public PullSources(RtspConfig config, DeviceRegistry registry, StreamHub hub, UdpTransport udp, MeterRegistry metrics) {
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
    for (CameraEntry cam : cameras) {
      if (cam.source().isEmpty()) {
        continue;
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
        LOG.info("camera {}: no longer pulled (removed from the devices file or its source gone)", id);
        clients.remove(id).client().stop();
      }
    }
  }

  private PullClient.Counters counters(String cameraId) {
    return new PullClient.Counters(
        Counter.builder("gateway_rtsp_pull_connects").tag("camera", cameraId)
            .description("pull sessions that reached PLAY").register(metrics),
        Counter.builder("gateway_rtsp_pull_failures").tag("camera", cameraId)
            .description("pull attempts that failed, and playing pull sessions lost").register(metrics));
  }
}
