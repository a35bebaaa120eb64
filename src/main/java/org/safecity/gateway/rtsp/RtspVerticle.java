package org.safecity.gateway.rtsp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.rtsp.RtspDecoder;
import io.netty.handler.codec.rtsp.RtspEncoder;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.safecity.gateway.config.GatewayConfig.RtspConfig;
import org.safecity.gateway.devices.DeviceRegistry;
import org.safecity.gateway.ops.Listening;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RTSP edge: a Vert.x TCP server whose connections get Netty's RTSP codec behind {@link RtspFramer}.
 * Several instances share the port, one per event loop; streams are shared through the {@link StreamHub}.
 */
public final class RtspVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RtspVerticle.class);

  /**
   * What the edge depends on; {@code udp} is null when UDP transport is off; {@code demand} starts on-demand
   * pull sources for readers.
   */
  public record Services(RtspConfig config, DeviceRegistry registry, RtspAuth auth, StreamHub hub, UdpTransport udp,
                         Metrics metrics, AtomicInteger connections, StreamDemand demand) {
  }

  /** The edge's counters, for /metrics. */
  public static final class Metrics {
    final Counter authFailures;
    final Counter badRequests;
    final Counter unroutedPackets;
    final Counter refusedConnections;
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Counter> responses = new ConcurrentHashMap<>();

    public Metrics(MeterRegistry r, AtomicInteger connections) {
      registry = r;
      authFailures = Counter.builder("gateway_rtsp_auth_failures").description("requests refused for wrong credentials").register(r);
      badRequests = Counter.builder("gateway_rtsp_bad_requests").description("malformed requests, SDPs or framing").register(r);
      unroutedPackets = Counter.builder("gateway_rtsp_unrouted_packets")
          .description("interleaved packets on a channel no SETUP assigned").register(r);
      refusedConnections = Counter.builder("gateway_rtsp_refused_connections")
          .description("connections closed on accept because rtsp.maxConnections was reached").register(r);
      Gauge.builder("gateway_rtsp_connections", connections, AtomicInteger::get).description("open RTSP connections").register(r);
    }

    void response(String method, int status) {
      String m = RtspConnection.PUBLIC_METHODS.contains(method) || method.equals("PAUSE") ? method : "OTHER";
      responses.computeIfAbsent(m + status, k -> Counter.builder("gateway_rtsp_responses").tag("method", m)
          .tag("status", String.valueOf(status)).description("RTSP responses sent").register(registry)).increment();
    }
  }

  private final Services services;
  private final Set<RtspConnection> open = ConcurrentHashMap.newKeySet();
  private NetServer server;
  private long idleTimer = -1;

  public RtspVerticle(Services services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    RtspConfig c = services.config();
    server = vertx.createNetServer(new NetServerOptions().setHost(c.host()).setPort(c.port()).setTcpNoDelay(true));
    server.connectHandler(so -> {
      NetSocketInternal soi = (NetSocketInternal) so;
      if (services.connections().incrementAndGet() > c.maxConnections()) {
        services.connections().decrementAndGet();
        services.metrics().refusedConnections.increment();
        so.close();
        return;
      }
      ChannelPipeline p = soi.channelHandlerContext().pipeline();
      p.channel().config().setWriteBufferWaterMark(
          new WriteBufferWaterMark(c.readerBacklogBytes() / 2, c.readerBacklogBytes()));
      p.addBefore("handler", "rtspFramer", new RtspFramer(c.maxHeaderBytes(), c.maxSdpBytes()));
      p.addBefore("handler", "rtspDecoder", new RtspDecoder(c.maxHeaderBytes(), c.maxHeaderBytes(), c.maxSdpBytes()));
      p.addBefore("handler", "rtspAggregator", new HttpObjectAggregator(c.maxSdpBytes()));
      p.addBefore("handler", "rtspEncoder", new RtspEncoder());
      RtspConnection conn = new RtspConnection(services, soi, context);
      open.add(conn);
      soi.messageHandler(conn::handle);
      soi.handler(buf -> conn.closeBecause("sent bytes outside any RTSP message"));
      soi.exceptionHandler(e -> LOG.debug("rtsp {}: {}", conn.describe(), e.toString()));
      soi.closeHandler(v -> {
        services.connections().decrementAndGet();
        open.remove(conn);
        conn.closed();
      });
    });
    long timeoutNanos = c.sessionTimeout().toNanos();
    idleTimer = vertx.setPeriodic(Math.max(1000, c.sessionTimeout().toMillis() / 4), id -> {
      long now = System.nanoTime();
      for (RtspConnection conn : open) {
        if (conn.idleFor(timeoutNanos, now)) {
          conn.closeBecause("no request or packet for " + c.sessionTimeout().toSeconds() + " s (rtsp.sessionTimeout)");
        }
      }
    });
    return server.listen().recover(e -> Future.failedFuture(Listening.describe("RTSP", "rtsp.port", c.port(), e)))
        .onSuccess(s -> LOG.info("rtsp listening port={}", s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    if (idleTimer >= 0) {
      vertx.cancelTimer(idleTimer);
    }
    return server == null ? Future.succeededFuture() : server.close();
  }
}
