package org.safecity.gateway.rtsp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RTP and RTCP over UDP for every RTSP session, on one fixed pair of server ports (as MediaMTX does) rather than
 * a pair per session: the ports stay predictable for firewalls and the file-descriptor budget goes to TCP.
 * Incoming packets are routed by their source address, which the client named in its SETUP's
 * {@code client_port}; everything runs on this verticle's context, which is also the context of every stream
 * whose source pushes over UDP.
 *
 * <p>The channels are plain Netty datagram channels on the verticle's event loop: the relay sends pooled
 * packets without the copy and per-packet name resolution of Vert.x's {@code DatagramSocket}.
 */
public final class UdpTransport extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(UdpTransport.class);

  /** Where a packet from one client address goes; {@code lastSeen} keeps its session alive. */
  public static final class Route {
    private final Consumer<ByteBuf> handler;
    private volatile long lastSeenNanos = System.nanoTime();

    Route(Consumer<ByteBuf> handler) {
      this.handler = handler;
    }

    public long lastSeenNanos() {
      return lastSeenNanos;
    }
  }

  private final String host;
  private final int rtpPort;
  private final int rtcpPort;
  private final ConcurrentHashMap<InetSocketAddress, Route> rtpRoutes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<InetSocketAddress, Route> rtcpRoutes = new ConcurrentHashMap<>();
  private volatile DatagramChannel rtp;
  private volatile DatagramChannel rtcp;
  private volatile long unrouted;

  public UdpTransport(String host, int rtpPort, int rtcpPort) {
    this.host = host;
    this.rtpPort = rtpPort;
    this.rtcpPort = rtcpPort;
  }

  @Override
  public Future<?> start() {
    return Future.all(open(rtpPort, rtpRoutes), open(rtcpPort, rtcpRoutes)).map(all -> {
      rtp = all.resultAt(0);
      rtcp = all.resultAt(1);
      LOG.info("rtsp udp listening rtp={} rtcp={}", rtpPort, rtcpPort);
      return null;
    });
  }

  @Override
  public Future<?> stop() {
    return Future.all(closeChannel(rtp), closeChannel(rtcp));
  }

  public int rtpPort() {
    return rtpPort;
  }

  public int rtcpPort() {
    return rtcpPort;
  }

  /** The context UDP packets are handled on. */
  public Context udpContext() {
    return context;
  }

  public long unrouted() {
    return unrouted;
  }

  /** Packets from {@code from} on the RTP (or RTCP) port go to {@code handler}, on {@link #udpContext()}. */
  public Route route(InetSocketAddress from, boolean isRtcp, Consumer<ByteBuf> handler) {
    Route r = new Route(handler);
    (isRtcp ? rtcpRoutes : rtpRoutes).put(from, r);
    return r;
  }

  public void unroute(InetSocketAddress from, boolean isRtcp, Route route) {
    (isRtcp ? rtcpRoutes : rtpRoutes).remove(from, route);
  }

  /** Sends a copy-free duplicate of {@code packet} from the RTP (or RTCP) port; the caller keeps its reference. */
  public void send(ByteBuf packet, InetSocketAddress to, boolean isRtcp) {
    DatagramChannel ch = isRtcp ? rtcp : rtp;
    if (ch != null) {
      ch.writeAndFlush(new DatagramPacket(packet.retainedDuplicate(), to), ch.voidPromise());
    }
  }

  private Future<DatagramChannel> open(int port, ConcurrentHashMap<InetSocketAddress, Route> routes) {
    VertxInternal vx = (VertxInternal) vertx;
    ContextInternal ctx = (ContextInternal) context;
    DatagramChannel ch = vx.transport().datagramChannel(InternetProtocolFamily.IPv4);
    ch.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
      @Override
      protected void channelRead0(ChannelHandlerContext c, DatagramPacket p) {
        Route r = routes.get(p.sender());
        if (r == null) {
          unrouted++;
          return;
        }
        r.lastSeenNanos = System.nanoTime();
        ctx.dispatch(p.content(), r.handler::accept);
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        LOG.debug("rtsp udp port {}: {}", port, cause.toString());
      }
    });
    Promise<DatagramChannel> promise = Promise.promise();
    ctx.nettyEventLoop().register(ch).addListener(reg -> {
      if (!reg.isSuccess()) {
        promise.fail(reg.cause());
        return;
      }
      ChannelFuture bind = ch.bind(new InetSocketAddress(host, port));
      bind.addListener(b -> {
        if (b.isSuccess()) {
          promise.complete(ch);
        } else {
          ch.close();
          promise.fail(org.safecity.gateway.ops.Listening.describe("RTSP UDP",
              port == rtpPort ? "rtsp.udpRtpPort" : "rtsp.udpRtcpPort", port, b.cause()));
        }
      });
    });
    return promise.future();
  }

  private static Future<Void> closeChannel(DatagramChannel ch) {
    if (ch == null) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    ch.close().addListener(f -> p.complete());
    return p.future();
  }
}
