package org.safecity.gateway.rtsp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.rtsp.RtspDecoder;
import io.netty.handler.codec.rtsp.RtspEncoder;
import io.netty.handler.codec.rtsp.RtspHeaderNames;
import io.netty.handler.codec.rtsp.RtspVersions;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.VertxException;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.safecity.gateway.config.GatewayConfig.RtspConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RTSP client connection to a camera, with the server's pipeline turned around: {@link RtspFramer} splits
 * {@code $}-framed packets from responses, Netty's codec parses them. Requests go one at a time, in order,
 * each with its CSeq and the session id once the camera gave one; a 401 is answered through {@link ClientAuth}
 * and the request sent again. Everything runs on the socket's context.
 */
final class RtspClientConnection {
  private static final Logger LOG = LoggerFactory.getLogger(RtspClientConnection.class);
  /** A camera that does not answer a request within this is treated as gone. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** Resends of one request after a 401: the first challenge, then one stale nonce. */
  private static final int MAX_AUTH_RESENDS = 2;

  /** A camera's answer, copied out of Netty's reference-counted message. */
  record Response(int status, String reason, HttpHeaders headers, String body) {
    Optional<String> header(CharSequence name) {
      return Optional.ofNullable(headers.get(name));
    }

    List<String> all(CharSequence name) {
      return headers.getAll(name);
    }

    boolean ok() {
      return status >= 200 && status < 300;
    }

    @Override
    public String toString() {
      return status + " " + reason;
    }
  }

  /** Receives one interleaved packet, on the connection's context; the packet is released after the call. */
  interface PacketHandler {
    void packet(int channel, ByteBuf packet);
  }

  private final NetSocketInternal socket;
  private final Channel channel;
  private final ContextInternal context;
  private final ClientAuth auth;
  private final PromiseInternal<String> closed;
  private PacketHandler packets = (ch, p) -> { };
  private Future<?> queue = Future.succeededFuture();
  private PromiseInternal<Response> pending;
  private int pendingCseq;
  private long pendingTimer = -1;
  private int cseq;
  private String session;
  private String closeReason;

  private RtspClientConnection(NetSocketInternal socket, ContextInternal context, RtspConfig config, PullUrl url) {
    this.socket = socket;
    this.channel = socket.channelHandlerContext().channel();
    this.context = context;
    this.auth = new ClientAuth(url.user().orElse(null), url.password().orElse(null));
    this.closed = context.promise();
    ChannelPipeline p = channel.pipeline();
    p.addBefore("handler", "rtspFramer", new RtspFramer(config.maxHeaderBytes(), config.maxSdpBytes()));
    p.addBefore("handler", "rtspDecoder", new RtspDecoder(config.maxHeaderBytes(), config.maxHeaderBytes(), config.maxSdpBytes()));
    p.addBefore("handler", "rtspAggregator", new HttpObjectAggregator(config.maxSdpBytes()));
    p.addBefore("handler", "rtspEncoder", new RtspEncoder());
    socket.messageHandler(this::handle);
    socket.handler(buf -> close("the camera sent bytes outside any RTSP message"));
    socket.exceptionHandler(e -> LOG.debug("rtsp pull {}: {}", url, e.toString()));
    socket.closeHandler(v -> onClose());
  }

  /** Connects to the camera; call on the context the connection is to live on. */
  static Future<RtspClientConnection> open(NetClient client, ContextInternal context, RtspConfig config, PullUrl url) {
    return client.connect(url.port(), url.host())
        .map(so -> new RtspClientConnection((NetSocketInternal) so, context, config, url));
  }

  /** Where interleaved packets go. */
  void onPacket(PacketHandler handler) {
    packets = handler;
  }

  /** Completes with the reason once the connection is closed, whoever closed it. */
  Future<String> closed() {
    return closed.future();
  }

  InetAddress remoteAddress() {
    return ((InetSocketAddress) channel.remoteAddress()).getAddress();
  }

  /** The session id the camera gave in a SETUP reply, sent with every later request. */
  Optional<String> session() {
    return Optional.ofNullable(session);
  }

  /** Sends a request after those before it have been answered; fails on no answer or a closed connection. */
  Future<Response> request(HttpMethod method, String uri, Map<String, String> headers) {
    Future<Response> r = queue.transform(ignored -> send(method, uri, headers, 0));
    queue = r;
    return r;
  }

  private Future<Response> send(HttpMethod method, String uri, Map<String, String> headers, int resends) {
    if (closeReason != null) {
      return Future.failedFuture(VertxException.noStackTrace("the connection closed: " + closeReason));
    }
    DefaultFullHttpRequest req = new DefaultFullHttpRequest(RtspVersions.RTSP_1_0, method, uri, Unpooled.EMPTY_BUFFER);
    req.headers().set(RtspHeaderNames.CSEQ, ++cseq);
    req.headers().set(RtspHeaderNames.USER_AGENT, "SafeCity-Gateway");
    if (session != null) {
      req.headers().set(RtspHeaderNames.SESSION, session);
    }
    auth.authorization(method.name(), uri).ifPresent(a -> req.headers().set(RtspHeaderNames.AUTHORIZATION, a));
    headers.forEach((k, v) -> req.headers().set(k, v));
    pending = context.promise();
    pendingCseq = cseq;
    pendingTimer = context.setTimer(REQUEST_TIMEOUT.toMillis(), id -> close(method + " got no answer within "
        + REQUEST_TIMEOUT.toSeconds() + " s"));
    Future<Response> answer = pending.future();
    socket.writeMessage(req).onFailure(e -> close("writing " + method + " failed: " + e.getMessage()));
    return answer.compose(res -> {
      if (res.status() != 401) {
        return Future.succeededFuture(res);
      }
      ClientAuth.Outcome o = auth.challenged(res.all(RtspHeaderNames.WWW_AUTHENTICATE));
      if (o == ClientAuth.Outcome.RETRY && resends < MAX_AUTH_RESENDS) {
        return send(method, uri, headers, resends + 1);
      }
      return Future.failedFuture(VertxException.noStackTrace(switch (o) {
        case UNSUPPORTED -> "the camera asks for credentials the source URL does not hold (401"
            + res.header(RtspHeaderNames.WWW_AUTHENTICATE).map(c -> ", " + c.split(" ", 2)[0]).orElse("") + ")";
        default -> "the camera refused the source URL's credentials (" + method + " answered 401)";
      }));
    });
  }

  /** Anything the pipeline produced: a response, an interleaved packet, a framing error. */
  private void handle(Object msg) {
    try {
      if (msg instanceof InterleavedFrame f) {
        packets.packet(f.channel(), f.content());
      } else if (msg instanceof FullHttpResponse res) {
        response(res);
      } else if (msg instanceof FramingError e) {
        close("the camera sent malformed RTSP: " + e.reason());
      } else {
        // A request from the camera (some send GET_PARAMETER or ANNOUNCE to clients): nothing we need.
        LOG.debug("rtsp pull: ignored {}", msg.getClass().getSimpleName());
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void response(FullHttpResponse res) {
    if (res.decoderResult().isFailure()) {
      close("the camera sent a malformed response: " + res.decoderResult().cause().getMessage());
      return;
    }
    String c = res.headers().get(RtspHeaderNames.CSEQ);
    if (pending == null || (c != null && !c.trim().equals(String.valueOf(pendingCseq)))) {
      LOG.debug("rtsp pull: ignored a response with CSeq {}", c);
      return;
    }
    String s = res.headers().get(RtspHeaderNames.SESSION);
    if (s != null && !s.isBlank()) {
      session = s.split(";", 2)[0].trim();
    }
    PromiseInternal<Response> p = pending;
    pending = null;
    context.owner().cancelTimer(pendingTimer);
    p.complete(new Response(res.status().code(), res.status().reasonPhrase(), res.headers().copy(),
        res.content().toString(StandardCharsets.UTF_8)));
  }

  /** {@code $}, channel, length, packet: one write, safe from any thread. The caller keeps its reference. */
  void writeInterleaved(int ch, ByteBuf packet) {
    ByteBuf header = channel.alloc().buffer(4);
    header.writeByte('$').writeByte(ch).writeShort(packet.readableBytes());
    channel.writeAndFlush(Unpooled.wrappedBuffer(header, packet.retainedDuplicate()), channel.voidPromise());
  }

  /** Closes the connection; the first reason given is the one {@link #closed()} reports. */
  void close(String reason) {
    if (closeReason == null) {
      closeReason = reason;
    }
    socket.close();
  }

  private void onClose() {
    if (closeReason == null) {
      closeReason = "the camera closed the connection";
    }
    if (pending != null) {
      PromiseInternal<Response> p = pending;
      pending = null;
      context.owner().cancelTimer(pendingTimer);
      p.fail(VertxException.noStackTrace("the connection closed: " + closeReason));
    }
    closed.tryComplete(closeReason);
  }
}
