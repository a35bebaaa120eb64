package org.safecity.gateway.rtsp;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.rtsp.RtspHeaderNames;
import io.netty.handler.codec.rtsp.RtspMethods;
import io.vertx.core.Future;
import io.vertx.core.VertxException;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.net.NetClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.safecity.gateway.config.GatewayConfig.RtspConfig;

/**
 * One attempt at pulling a camera, over one connection: OPTIONS, DESCRIBE, SETUP of every track, PLAY, then
 * keepalives until the connection closes or no packet arrives for {@code rtsp.sessionTimeout}. While playing
 * it is the camera's {@link Publisher} in the hub, exactly like a pushing camera's session.
 */
final class PullSession implements Publisher {
  /** What every pull session uses; {@code udp} is null when the gateway has UDP transport off. */
  record Deps(RtspConfig config, StreamHub hub, UdpTransport udp, NetClient net) {
  }

  /** The session timeout a camera that names none in its Session header is assumed to have (RFC 2326 12.37). */
  static final int DEFAULT_SERVER_TIMEOUT_S = 60;

  private final Deps deps;
  private final String cameraId;
  private final PullUrl url;
  private final ContextInternal context;
  private final boolean udp;
  private final PromiseInternal<String> ended;
  private RtspClientConnection conn;
  private Sdp sdp;
  private String aggregateUrl;
  private boolean getParameter;
  private int serverTimeoutS = DEFAULT_SERVER_TIMEOUT_S;
  private int[] rtpChannel;
  private int[] rtcpChannel;
  private final int[] channelTrack = new int[256]; // interleaved channel -> track * 2 (+1 for RTCP), -1 unused
  private InetSocketAddress[] serverRtcp;
  private InetSocketAddress[] serverRtp;
  private UdpTransport.Route[] routes;
  private volatile CameraStream stream;
  private long playedAtNanos;
  private long endedAtNanos;
  private long lastPacketNanos;
  private long keepaliveTimer = -1;
  private long watchdogTimer = -1;
  private volatile boolean replaced;
  private volatile boolean over;

  PullSession(Deps deps, String cameraId, PullUrl url, ContextInternal context) {
    this.deps = deps;
    this.cameraId = cameraId;
    this.url = url;
    this.context = context;
    this.udp = url.udp() && deps.udp() != null;
    this.ended = context.promise();
    Arrays.fill(channelTrack, -1);
  }

  /** Connects and plays; completes once the stream is in the hub. Call on the session's context. */
  Future<CameraStream> start() {
    return RtspClientConnection.open(deps.net(), context, deps.config(), url)
        .compose(c -> {
          if (over) { // stopped while connecting
            c.close("the session was stopped");
            return fail("the session was stopped while connecting");
          }
          conn = c;
          c.onPacket(this::interleaved);
          c.closed().onComplete(ar -> end(ar.result()));
          return options();
        })
        .compose(v -> describeRequest())
        .compose(this::setupAll)
        .compose(v -> play())
        .onFailure(e -> end(e.getMessage()));
  }

  /** Completes with the reason the session ended; never fails. */
  Future<String> ended() {
    return ended.future();
  }

  /** The stream while playing, else null. */
  CameraStream stream() {
    return over ? null : stream;
  }

  boolean played() {
    return stream != null;
  }

  /** Nanoseconds from PLAY until the end (or now); 0 when it never played. */
  long playedNanos() {
    return playedAtNanos == 0 ? 0 : (over ? endedAtNanos : System.nanoTime()) - playedAtNanos;
  }

  /** Another source took the camera over: the pull client must not fight it. */
  boolean wasReplaced() {
    return replaced;
  }

  /** Ends the session politely: TEARDOWN (not waited on for long), then close. */
  Future<String> stop(String reason) {
    if (over) {
      return ended();
    }
    if (conn == null || conn.session().isEmpty()) {
      end(reason);
      return ended();
    }
    conn.request(RtspMethods.TEARDOWN, aggregateUrl, Map.of()).timeout(1, TimeUnit.SECONDS)
        .onComplete(ar -> end(reason));
    return ended();
  }

  // ---- the handshake -----------------------------------------------------------------------------------

  private Future<Void> options() {
    return conn.request(RtspMethods.OPTIONS, url.requestUrl(), Map.of()).map(res -> {
      // Cameras that do not list GET_PARAMETER get OPTIONS as keepalive, which every server must answer.
      getParameter = res.ok() && res.header("Public").map(p -> p.toUpperCase(Locale.ROOT).contains("GET_PARAMETER"))
          .orElse(false);
      return null;
    });
  }

  /** Parses the camera's SDP; completes with the base URL its track controls are relative to. */
  private Future<String> describeRequest() {
    return conn.request(RtspMethods.DESCRIBE, url.requestUrl(), Map.of("Accept", "application/sdp")).compose(res -> {
      if (res.status() != 200) {
        return fail("DESCRIBE answered " + res);
      }
      try {
        sdp = Sdp.parse(res.body());
      } catch (IllegalArgumentException e) {
        return fail("the camera's SDP is unusable: " + e.getMessage());
      }
      String base = res.header(RtspHeaderNames.CONTENT_BASE)
          .or(() -> res.header(RtspHeaderNames.CONTENT_LOCATION)).orElse(url.requestUrl());
      aggregateUrl = ClientReplies.resolve(base, ClientReplies.sessionControl(res.body()));
      return Future.succeededFuture(base);
    });
  }

  /** SETUP of every track, one after the other (cameras refuse a second SETUP before the first's reply). */
  private Future<Void> setupAll(String base) {
    int tracks = sdp.media().size();
    rtpChannel = new int[tracks];
    rtcpChannel = new int[tracks];
    serverRtp = new InetSocketAddress[tracks];
    serverRtcp = new InetSocketAddress[tracks];
    routes = new UdpTransport.Route[tracks * 2];
    Future<Void> f = Future.succeededFuture();
    for (int i = 0; i < tracks; i++) {
      int track = i;
      String control = ClientReplies.resolve(base, sdp.media().get(i).control());
      f = f.compose(v -> setup(track, control));
    }
    return f;
  }

  private Future<Void> setup(int track, String control) {
    String transport = udp
        ? "RTP/AVP;unicast;client_port=" + deps.udp().rtpPort() + "-" + deps.udp().rtcpPort()
        : "RTP/AVP/TCP;unicast;interleaved=" + (2 * track) + "-" + (2 * track + 1);
    return conn.request(RtspMethods.SETUP, control, Map.of("Transport", transport)).compose(res -> {
      if (res.status() != 200) {
        return fail("SETUP of track " + track + " answered " + res);
      }
      res.header(RtspHeaderNames.SESSION).ifPresent(s -> serverTimeoutS = ClientReplies.sessionTimeout(s)
          .orElse(DEFAULT_SERVER_TIMEOUT_S));
      String reply = res.header(RtspHeaderNames.TRANSPORT).orElse("");
      Optional<Transport> t = Transport.parseAll(reply).stream().findFirst();
      if (t.isEmpty() || t.get().tcp() == udp) {
        return fail("SETUP of track " + track + " answered an unusable Transport: " + reply);
      }
      return udp ? routeUdp(track, reply) : mapChannels(track, t.get());
    });
  }

  private Future<Void> mapChannels(int track, Transport t) {
    int rtp = t.rtpChannel() >= 0 ? t.rtpChannel() : 2 * track;
    int rtcp = t.rtcpChannel() >= 0 ? t.rtcpChannel() : rtp + 1;
    if (channelTrack[rtp] >= 0 || channelTrack[rtcp] >= 0) {
      return fail("the camera put two tracks on interleaved channel " + rtp);
    }
    rtpChannel[track] = rtp;
    rtcpChannel[track] = rtcp;
    channelTrack[rtp] = 2 * track;
    channelTrack[rtcp] = 2 * track + 1;
    return Future.succeededFuture();
  }

  private Future<Void> routeUdp(int track, String reply) {
    Optional<int[]> ports = ClientReplies.serverPorts(reply);
    if (ports.isEmpty()) {
      return fail("SETUP of track " + track + " names no server_port: " + reply);
    }
    InetAddress from = conn.remoteAddress();
    Optional<String> source = ClientReplies.transportParameter(reply, "source");
    if (source.isPresent() && source.get().matches("[0-9.]+|[0-9a-fA-F:]+")) {
      try {
        from = InetAddress.getByName(source.get()); // a literal address: no lookup
      } catch (UnknownHostException e) {
        return fail("SETUP of track " + track + " names a bad source address");
      }
    }
    serverRtp[track] = new InetSocketAddress(from, ports.get()[0]);
    serverRtcp[track] = new InetSocketAddress(from, ports.get()[1]);
    UdpTransport u = deps.udp();
    routes[2 * track] = u.route(serverRtp[track], false, buf -> {
      CameraStream s = stream;
      if (s != null) {
        s.onRtp(track, buf);
      }
    });
    routes[2 * track + 1] = u.route(serverRtcp[track], true, buf -> {
      CameraStream s = stream;
      if (s != null) {
        s.onRtcp(track, buf);
      }
    });
    return Future.succeededFuture();
  }

  private Future<CameraStream> play() {
    return conn.request(RtspMethods.PLAY, aggregateUrl, Map.of("Range", "npt=0.000-")).compose(res -> {
      if (res.status() != 200) {
        return fail("PLAY answered " + res);
      }
      playedAtNanos = System.nanoTime();
      lastPacketNanos = playedAtNanos;
      stream = deps.hub().publish(cameraId, udp ? deps.udp().udpContext() : context, this, sdp);
      long keepaliveMs = Math.max(1000, serverTimeoutS * 1000L / 2);
      keepaliveTimer = context.setPeriodic(keepaliveMs, id -> keepalive());
      long timeoutMs = deps.config().sessionTimeout().toMillis();
      watchdogTimer = context.setPeriodic(Math.max(500, Math.min(timeoutMs / 4, 5000)), id -> watchdog(timeoutMs));
      return Future.succeededFuture(stream);
    });
  }

  private static <T> Future<T> fail(String why) {
    return Future.failedFuture(VertxException.noStackTrace(why));
  }

  // ---- playing -----------------------------------------------------------------------------------------

  private void interleaved(int channel, ByteBuf packet) {
    int t = channelTrack[channel];
    CameraStream s = stream;
    if (t < 0 || s == null) {
      return;
    }
    lastPacketNanos = System.nanoTime();
    if ((t & 1) == 0) {
      s.onRtp(t / 2, packet);
    } else {
      s.onRtcp(t / 2, packet);
    }
  }

  private void keepalive() {
    HttpMethod m = getParameter ? RtspMethods.GET_PARAMETER : RtspMethods.OPTIONS;
    conn.request(m, getParameter ? aggregateUrl : url.requestUrl(), Map.of()).onSuccess(res -> {
      if (res.status() == 454) {
        end("the camera forgot the session (keepalive answered " + res + ")");
      }
    });
  }

  /** A camera that answers requests but sends no packets is as good as gone. */
  private void watchdog(long timeoutMs) {
    long last = lastPacketNanos;
    for (UdpTransport.Route r : routes) {
      if (r != null) {
        last = Math.max(last, r.lastSeenNanos());
      }
    }
    if (System.nanoTime() - last > timeoutMs * 1_000_000L) {
      end("no packet for " + timeoutMs / 1000 + " s (rtsp.sessionTimeout)");
    }
  }

  /** The session is over: timers stop, the stream leaves the hub, the connection closes. Idempotent. */
  private void end(String reason) {
    if (over) {
      return;
    }
    over = true;
    endedAtNanos = System.nanoTime();
    context.owner().cancelTimer(keepaliveTimer);
    context.owner().cancelTimer(watchdogTimer);
    if (routes != null) {
      for (int i = 0; i < routes.length; i++) {
        if (routes[i] != null) {
          deps.udp().unroute(i % 2 == 0 ? serverRtp[i / 2] : serverRtcp[i / 2], i % 2 == 1, routes[i]);
        }
      }
    }
    if (stream != null) {
      deps.hub().unpublish(stream, "its pull session ended (" + reason + ")");
    }
    if (conn != null) {
      conn.close(reason);
    }
    ended.tryComplete(reason);
  }

  // ---- Publisher ---------------------------------------------------------------------------------------

  @Override
  public void sendRtcp(int track, ByteBuf packet) {
    if (over || track >= rtpChannel.length) {
      return;
    }
    if (udp) {
      if (serverRtcp[track] != null) {
        deps.udp().send(packet, serverRtcp[track], true);
      }
    } else {
      conn.writeInterleaved(rtcpChannel[track], packet);
    }
  }

  @Override
  public void replaced(String reason) {
    replaced = true;
    context.runOnContext(v -> end(reason));
  }

  @Override
  public String describe() {
    return "rtsp pull " + url.redacted() + (udp ? " over UDP" : " over TCP");
  }
}
