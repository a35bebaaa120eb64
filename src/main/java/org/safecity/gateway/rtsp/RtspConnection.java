package org.safecity.gateway.rtsp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.rtsp.RtspHeaderNames;
import io.netty.handler.codec.rtsp.RtspResponseStatuses;
import io.netty.handler.codec.rtsp.RtspVersions;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.internal.net.NetSocketInternal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.safecity.gateway.devices.CameraAccess;
import org.safecity.gateway.devices.CameraEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RTSP connection: requests are answered one at a time, in order (authentication may wait on bcrypt), and
 * {@code $}-framed packets go straight to the camera stream or are read as a reader's RTCP. All state lives on
 * the connection's context.
 */
final class RtspConnection {
  private static final Logger LOG = LoggerFactory.getLogger(RtspConnection.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  static final String PUBLIC_METHODS =
      "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, TEARDOWN, GET_PARAMETER, SET_PARAMETER";
  static final HttpResponseStatus NOT_ENOUGH_BANDWIDTH = RtspResponseStatuses.NOT_ENOUGH_BANDWIDTH;

  /** Where an interleaved channel leads. */
  private record Channel2Track(Session session, int track, boolean rtcp) {
  }

  /** A request's answer: status, extra headers, an optional body, whether to close, what to do once written. */
  static final class Reply {
    final HttpResponseStatus status;
    final Map<String, List<String>> headers = new LinkedHashMap<>();
    String body;
    String contentType;
    boolean close;
    Runnable afterWrite;

    private Reply(HttpResponseStatus status) {
      this.status = status;
    }

    static Reply of(HttpResponseStatus status) {
      return new Reply(status);
    }

    /** An error with a one-line explanation as text/plain body (players show the status; people read the body). */
    static Reply error(HttpResponseStatus status, String why) {
      return new Reply(status).withBody(why + "\r\n", "text/plain; charset=utf-8");
    }

    Reply header(String name, String value) {
      headers.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(value);
      return this;
    }

    Reply withBody(String text, String type) {
      body = text;
      contentType = type;
      return this;
    }

    Reply closing() {
      close = true;
      return this;
    }

    Reply afterWrite(Runnable r) {
      afterWrite = r;
      return this;
    }
  }

  /** An RTSP session of this connection: publishing one camera, or reading one. */
  final class Session {
    final String id = HexFormat.of().formatHex(randomBytes());
    final String cameraId;
    final boolean publish;
    final Sdp announced; // publish only
    final boolean[] setUp;
    Boolean tcp; // chosen by the first SETUP; all tracks of a session use one transport
    final int[] rtpChannel;
    final int[] rtcpChannel;
    final InetSocketAddress[] clientRtp;
    final InetSocketAddress[] clientRtcp;
    final UdpTransport.Route[] routes;
    final UdpTransport.Route[] rtcpRoutes;
    volatile CameraStream stream; // read by the UDP transport's context for UDP sessions
    volatile Reader reader;

    Session(String cameraId, boolean publish, Sdp announced, int tracks) {
      this.cameraId = cameraId;
      this.publish = publish;
      this.announced = announced;
      this.setUp = new boolean[tracks];
      this.rtpChannel = new int[tracks];
      this.rtcpChannel = new int[tracks];
      this.clientRtp = new InetSocketAddress[tracks];
      this.clientRtcp = new InetSocketAddress[tracks];
      this.routes = new UdpTransport.Route[tracks];
      this.rtcpRoutes = new UdpTransport.Route[tracks];
    }

    boolean anySetUp() {
      for (boolean b : setUp) {
        if (b) {
          return true;
        }
      }
      return false;
    }

    long lastUdpNanos() {
      long last = 0;
      for (UdpTransport.Route[] rs : List.of(routes, rtcpRoutes)) {
        for (UdpTransport.Route r : rs) {
          if (r != null) {
            last = Math.max(last, r.lastSeenNanos());
          }
        }
      }
      return last;
    }
  }

  private final RtspVerticle.Services services;
  private final NetSocketInternal socket;
  private final Channel channel;
  private final Context context;
  private final InetSocketAddress remote;
  private final Map<String, Session> sessions = new LinkedHashMap<>();
  private final Map<Integer, Channel2Track> channels = new HashMap<>();
  private final Map<String, Sdp> announced = new HashMap<>();
  private final Set<String> authorized = new HashSet<>();
  private Future<Void> queue = Future.succeededFuture();
  private long lastActivityNanos = System.nanoTime();
  private boolean closed;

  RtspConnection(RtspVerticle.Services services, NetSocketInternal socket, Context context) {
    this.services = services;
    this.socket = socket;
    this.channel = socket.channelHandlerContext().channel();
    this.context = context;
    this.remote = (InetSocketAddress) channel.remoteAddress();
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }

  String describe() {
    return remote.getAddress().getHostAddress() + ":" + remote.getPort();
  }

  /** Anything the pipeline produced: a request, an interleaved packet, or a framing error. */
  void handle(Object msg) {
    try {
      if (msg instanceof InterleavedFrame f) {
        interleaved(f);
      } else if (msg instanceof FullHttpRequest req) {
        lastActivityNanos = System.nanoTime();
        FullHttpRequest held = req.retain();
        queue = queue.transform(ignored -> request(held).transform(ar -> {
          held.release();
          return Future.<Void>succeededFuture();
        }));
      } else if (msg instanceof FramingError e) {
        services.metrics().badRequests.increment();
        LOG.info("rtsp {} refused: {} {}", describe(), e.status(), e.reason());
        Reply r = Reply.error(HttpResponseStatus.valueOf(e.status()), e.reason()).closing();
        queue = queue.transform(ignored -> write(r, null, null));
      } else if (msg instanceof io.netty.handler.codec.http.FullHttpResponse) {
        closeBecause("sent an RTSP response to a server");
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  /** Idle check, called by the verticle's timer: no request, no packet, no UDP for the session timeout. */
  boolean idleFor(long nanos, long now) {
    long last = lastActivityNanos;
    for (Session s : sessions.values()) {
      last = Math.max(last, s.lastUdpNanos());
    }
    return now - last > nanos;
  }

  void closeBecause(String why) {
    if (!closed) {
      LOG.info("rtsp {} closed: {}", describe(), why);
      socket.close();
    }
  }

  /** The socket closed: every session ends. */
  void closed() {
    closed = true;
    for (Session s : List.copyOf(sessions.values())) {
      end(s, "the connection closed");
    }
    sessions.clear();
  }

  // ---- interleaved packets ---------------------------------------------------------------------------

  private void interleaved(InterleavedFrame f) {
    lastActivityNanos = System.nanoTime();
    Channel2Track c = channels.get(f.channel());
    if (c == null) {
      services.metrics().unroutedPackets.increment();
      return;
    }
    Session s = c.session();
    if (s.publish && s.stream != null) {
      if (c.rtcp()) {
        s.stream.onRtcp(c.track(), f.content());
      } else {
        s.stream.onRtp(c.track(), f.content());
      }
    }
    // A reader's packets are its RTCP receiver reports: they only keep the session alive.
  }

  // ---- requests ----------------------------------------------------------------------------------------

  private Future<Void> request(FullHttpRequest req) {
    if (closed) {
      return Future.succeededFuture();
    }
    String cseq = req.headers().get(RtspHeaderNames.CSEQ);
    if (req.decoderResult().isFailure()) {
      services.metrics().badRequests.increment();
      return write(Reply.error(HttpResponseStatus.BAD_REQUEST, "malformed request: "
          + req.decoderResult().cause().getMessage()).closing(), null, req);
    }
    if (cseq == null || !cseq.trim().matches("\\d{1,9}")) {
      services.metrics().badRequests.increment();
      return write(Reply.error(HttpResponseStatus.BAD_REQUEST, "missing or malformed CSeq header"), null, req);
    }
    String method = req.method().name();
    Target t = Target.parse(req.uri());
    Future<Reply> reply;
    try {
      reply = switch (method) {
        case "OPTIONS" -> Future.succeededFuture(Reply.of(HttpResponseStatus.OK).header("Public", PUBLIC_METHODS));
        case "DESCRIBE" -> withCamera(t, CameraAccess.READ, req, cam -> describe(t, cam));
        case "ANNOUNCE" -> withCamera(t, CameraAccess.PUBLISH, req, cam -> Future.succeededFuture(announce(t, req)));
        case "SETUP" -> setup(t, req);
        case "RECORD" -> inSession(req, t, true, s -> withCamera(t.orCamera(s.cameraId), CameraAccess.PUBLISH, req,
            cam -> Future.succeededFuture(record(s))));
        case "PLAY" -> inSession(req, t, false, s -> withCamera(t.orCamera(s.cameraId), CameraAccess.READ, req,
            cam -> play(s)));
        case "TEARDOWN" -> Future.succeededFuture(teardown(req));
        case "GET_PARAMETER", "SET_PARAMETER" -> Future.succeededFuture(keepalive(req));
        case "PAUSE" -> Future.succeededFuture(Reply.error(HttpResponseStatus.NOT_IMPLEMENTED,
            "live streams cannot be paused; TEARDOWN and PLAY again"));
        default -> Future.succeededFuture(Reply.error(HttpResponseStatus.NOT_IMPLEMENTED, "method " + method
            + " is not supported").header("Public", PUBLIC_METHODS));
      };
    } catch (RuntimeException e) {
      LOG.warn("rtsp {} {} {} failed", describe(), method, req.uri(), e);
      reply = Future.succeededFuture(Reply.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error"));
    }
    return reply.recover(e -> {
      LOG.warn("rtsp {} {} {} failed: {}", describe(), method, req.uri(), e.toString());
      return Future.succeededFuture(Reply.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error"));
    }).compose(r -> write(r, cseq, req));
  }

  private Future<Void> write(Reply r, String cseq, FullHttpRequest req) {
    ByteBuf body = r.body == null ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(r.body, StandardCharsets.UTF_8);
    FullHttpResponse res = new DefaultFullHttpResponse(RtspVersions.RTSP_1_0, r.status, body);
    if (cseq != null) {
      res.headers().set(RtspHeaderNames.CSEQ, cseq.trim());
    }
    res.headers().set("Server", "SafeCity-Gateway");
    r.headers.forEach((k, vs) -> vs.forEach(v -> res.headers().add(k, v)));
    if (r.contentType != null) {
      res.headers().set(RtspHeaderNames.CONTENT_TYPE, r.contentType);
    }
    res.headers().set(RtspHeaderNames.CONTENT_LENGTH, body.readableBytes());
    services.metrics().response(req == null ? "INVALID" : req.method().name(), r.status.code());
    Future<Void> written = socket.writeMessage(res);
    if (r.afterWrite != null) {
      r.afterWrite.run(); // queued behind the reply on this channel, so the client sees the reply first
    }
    if (r.close) {
      written.onComplete(ar -> closeBecause("request refused with " + r.status.code()));
    }
    return written.otherwiseEmpty();
  }

  private interface CameraStep {
    Future<Reply> apply(CameraEntry camera);
  }

  /**
   * Resolves the request's camera and checks the caller may {@code access} it, then runs {@code step}. One
   * successful check per camera and access is remembered for the connection.
   */
  private Future<Reply> withCamera(Target t, CameraAccess access, FullHttpRequest req, CameraStep step) {
    if (t.cameraId().isEmpty()) {
      return Future.succeededFuture(Reply.error(HttpResponseStatus.BAD_REQUEST,
          "expected rtsp://host:port/<cameraId> in the request URL"));
    }
    String id = t.cameraId().get();
    Optional<CameraEntry> camera = services.registry().camera(id);
    if (camera.isEmpty()) {
      return Future.succeededFuture(Reply.error(HttpResponseStatus.NOT_FOUND, "no camera " + id + " is registered"));
    }
    CameraEntry cam = camera.get();
    if (access == CameraAccess.PUBLISH && cam.source().isPresent()) {
      return Future.succeededFuture(Reply.error(HttpResponseStatus.FORBIDDEN, "camera " + id
          + " is pulled from its source URL; it does not accept a pushed stream"));
    }
    Optional<String> queryToken = access == CameraAccess.READ ? queryParam(t.query(), "token") : Optional.empty();
    if ((access == CameraAccess.PUBLISH ? cam.publishUser() : cam.readUser()).isEmpty() && access == CameraAccess.PUBLISH) {
      return Future.succeededFuture(Reply.error(HttpResponseStatus.FORBIDDEN, "camera " + id + " has no "
          + (access == CameraAccess.PUBLISH ? "publishUser/publishSecret" : "readUser/readSecret")
          + " in the devices file, so nobody may " + (access == CameraAccess.PUBLISH ? "publish" : "read") + " it"));
    }
    String key = id + "|" + access;
    if (authorized.contains(key)) {
      return step.apply(cam);
    }
    Future<RtspAuth.Result> checked = queryToken.isPresent()
        ? services.auth().checkToken(queryToken.get(), id)
        : services.auth().check(req.headers().get(RtspHeaderNames.AUTHORIZATION), req.method().name(), id, access);
    return checked
        .compose(result -> {
          if (result == RtspAuth.Result.FORBIDDEN) {
            return Future.succeededFuture(Reply.error(HttpResponseStatus.FORBIDDEN, "this token may not read camera " + id
                + " (its region or scopes do not cover it)"));
          }
          if (result == RtspAuth.Result.OK) {
            authorized.add(key);
            return step.apply(cam);
          }
          if (result != RtspAuth.Result.MISSING) {
            services.metrics().authFailures.increment();
            LOG.info("rtsp {} {} camera {}: credentials refused ({})", describe(), access, id, result);
          }
          Reply r = Reply.of(HttpResponseStatus.UNAUTHORIZED);
          services.auth().challenges(id, access, result == RtspAuth.Result.STALE)
              .forEach(c -> r.header("WWW-Authenticate", c));
          return Future.succeededFuture(r);
        });
  }

  private static Optional<String> queryParam(String query, String name) {
    for (String kv : query.split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0 && kv.substring(0, eq).equals(name)) {
        return Optional.of(java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }

  private Future<Reply> inSession(FullHttpRequest req, Target t, boolean publish,
      java.util.function.Function<Session, Future<Reply>> f) {
    Optional<Session> s = session(req);
    if (s.isEmpty()) {
      return Future.succeededFuture(Reply.error(RtspResponseStatuses.SESSION_NOT_FOUND, "no such session on this connection"));
    }
    if (t.cameraId().isPresent() && !t.cameraId().get().equals(s.get().cameraId)) {
      return Future.succeededFuture(Reply.error(HttpResponseStatus.BAD_REQUEST, "session " + s.get().id + " is for camera "
          + s.get().cameraId + ", not " + t.cameraId().get()));
    }
    if (s.get().publish != publish) {
      return Future.succeededFuture(Reply.error(RtspResponseStatuses.METHOD_NOT_VALID, (publish ? "RECORD" : "PLAY")
          + " in a session set up for " + (s.get().publish ? "publishing" : "reading")));
    }
    if (!s.get().anySetUp()) {
      return Future.succeededFuture(Reply.error(RtspResponseStatuses.METHOD_NOT_VALID, "SETUP a track first"));
    }
    return f.apply(s.get());
  }

  private Optional<Session> session(FullHttpRequest req) {
    String h = req.headers().get(RtspHeaderNames.SESSION);
    if (h == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(sessions.get(h.split(";", 2)[0].trim()));
  }

  private Reply withSession(Reply r, Session s) {
    return r.header("Session", s.id + ";timeout=" + services.config().sessionTimeout().toSeconds());
  }

  // ---- reading -----------------------------------------------------------------------------------------

  private Future<Reply> describe(Target t, CameraEntry cam) {
    Optional<CameraStream> stream = services.hub().stream(cam.id());
    if (stream.isPresent()) {
      return describe(t, cam, stream.get());
    }
    // An on-demand pull source starts now; the reader waits for it (bounded by the pull client).
    return services.demand().demand(cam.id())
        .map(started -> started.compose(s -> describe(t, cam, s), e -> Future.succeededFuture(
            Reply.error(HttpResponseStatus.NOT_FOUND, "camera " + cam.id() + " is not streaming now: " + e.getMessage()))))
        .orElseGet(() -> Future.succeededFuture(Reply.error(HttpResponseStatus.NOT_FOUND, "camera " + cam.id()
            + " is not streaming now")));
  }

  private Future<Reply> describe(Target t, CameraEntry cam, CameraStream stream) {
    return stream.describe().map(sdp -> Reply.of(HttpResponseStatus.OK)
        .header("Content-Base", t.base(cam.id()))
        .withBody(sdp, "application/sdp"));
  }

  private Future<Reply> play(Session s) {
    CameraStream stream = s.stream;
    Optional<CameraStream> live = services.hub().stream(s.cameraId);
    if (stream == null || live.isEmpty() || live.get() != stream) {
      return Future.succeededFuture(Reply.error(HttpResponseStatus.NOT_FOUND, "the stream of camera " + s.cameraId
          + " ended since SETUP; DESCRIBE again"));
    }
    if (s.reader != null) {
      return Future.succeededFuture(withSession(Reply.of(HttpResponseStatus.OK), s));
    }
    if (stream.stats().readerCount() >= services.config().maxReadersPerCamera()) {
      return Future.succeededFuture(Reply.error(NOT_ENOUGH_BANDWIDTH, "camera " + s.cameraId + " already has "
          + services.config().maxReadersPerCamera() + " readers (rtsp.maxReadersPerCamera)"));
    }
    s.reader = new SessionReader(s);
    // The reply goes out before the first packet: addReader's packets are queued behind it on this channel.
    return Future.succeededFuture(withSession(Reply.of(HttpResponseStatus.OK), s).afterWrite(() ->
        stream.addReader(s.reader).onFailure(e -> closeBecause(e.getMessage()))));
  }

  // ---- publishing --------------------------------------------------------------------------------------

  private Reply announce(Target t, FullHttpRequest req) {
    String type = req.headers().get(RtspHeaderNames.CONTENT_TYPE, "");
    if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/sdp")) {
      return Reply.error(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "ANNOUNCE needs Content-Type: application/sdp");
    }
    Sdp sdp;
    try {
      sdp = Sdp.parse(req.content().toString(StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      services.metrics().badRequests.increment();
      return Reply.error(HttpResponseStatus.BAD_REQUEST, e.getMessage());
    }
    announced.put(t.cameraId().get(), sdp);
    return Reply.of(HttpResponseStatus.OK);
  }

  private Future<Reply> setup(Target t, FullHttpRequest req) {
    List<Transport> offered = Transport.parseAll(req.headers().get(RtspHeaderNames.TRANSPORT));
    Optional<Session> existing = session(req);
    if (req.headers().contains(RtspHeaderNames.SESSION) && existing.isEmpty()) {
      return Future.succeededFuture(Reply.error(RtspResponseStatuses.SESSION_NOT_FOUND, "no such session on this connection"));
    }
    boolean publish = existing.map(s -> s.publish).orElseGet(() ->
        offered.stream().anyMatch(Transport::record) || (t.cameraId().isPresent() && announced.containsKey(t.cameraId().get())));
    Target target = existing.map(s -> t.orCamera(s.cameraId)).orElse(t);
    return withCamera(target, publish ? CameraAccess.PUBLISH : CameraAccess.READ, req,
        cam -> Future.succeededFuture(setupTrack(target, cam, publish, existing, offered)));
  }

  private Reply setupTrack(Target t, CameraEntry cam, boolean publish, Optional<Session> existing, List<Transport> offered) {
    if (existing.isPresent() && !existing.get().cameraId.equals(cam.id())) {
      return Reply.error(HttpResponseStatus.BAD_REQUEST, "session " + existing.get().id + " is for camera "
          + existing.get().cameraId);
    }
    Sdp sdp;
    CameraStream stream = null;
    if (publish) {
      sdp = existing.map(s -> s.announced).orElse(announced.get(cam.id()));
      if (sdp == null) {
        return Reply.error(RtspResponseStatuses.METHOD_NOT_VALID, "ANNOUNCE the stream's SDP before SETUP with mode=record");
      }
    } else {
      stream = existing.map(s -> s.stream).or(() -> services.hub().stream(cam.id())).orElse(null);
      if (stream == null) {
        return Reply.error(HttpResponseStatus.NOT_FOUND, "camera " + cam.id() + " is not streaming now");
      }
      sdp = null;
    }
    int tracks = publish ? sdp.media().size() : stream.trackCount();
    int track = publish ? sdp.trackFor(t.rest()).orElse(-1) : readerTrack(t.rest(), tracks);
    if (track < 0 && tracks == 1 && (t.rest().isEmpty() || publish)) {
      track = 0;
    }
    if (track < 0 || track >= tracks) {
      return Reply.error(HttpResponseStatus.NOT_FOUND, "no track \"" + t.rest() + "\" in camera " + cam.id()
          + "'s stream");
    }
    if (existing.isEmpty() && sessions.size() >= services.config().maxSessionsPerConnection()) {
      return Reply.error(NOT_ENOUGH_BANDWIDTH, "this connection already holds " + sessions.size()
          + " sessions (rtsp.maxSessionsPerConnection)");
    }
    if (!publish && existing.isEmpty() && stream.stats().readerCount() >= services.config().maxReadersPerCamera()) {
      return Reply.error(NOT_ENOUGH_BANDWIDTH, "camera " + cam.id() + " already has "
          + services.config().maxReadersPerCamera() + " readers (rtsp.maxReadersPerCamera)");
    }
    Session prior = existing.orElse(null);
    if (prior != null && prior.setUp[track]) {
      return Reply.error(RtspResponseStatuses.METHOD_NOT_VALID, "track " + track + " is already set up in this session");
    }
    Optional<Transport> chosen = offered.stream()
        .filter(x -> !x.multicast())
        .filter(x -> x.tcp() || (services.udp() != null && x.clientRtp() > 0))
        .filter(x -> prior == null || prior.tcp == null || prior.tcp == x.tcp())
        .findFirst();
    Session s = prior;
    if (chosen.isEmpty()) {
      return Reply.error(RtspResponseStatuses.UNSUPPORTED_TRANSPORT, "offered transports are not served; use "
          + "RTP/AVP/TCP;unicast;interleaved=0-1" + (services.udp() != null ? " or RTP/AVP;unicast;client_port=a-b" : ""));
    }
    if (s == null) {
      s = new Session(cam.id(), publish, sdp, tracks);
      s.stream = stream;
      sessions.put(s.id, s);
    }
    Transport tr = chosen.get();
    s.tcp = tr.tcp();
    s.setUp[track] = true;
    String reply;
    if (tr.tcp()) {
      int rtp = tr.rtpChannel() >= 0 && free(tr.rtpChannel()) && free(tr.rtcpChannel()) ? tr.rtpChannel() : nextFreeChannel();
      int rtcp = rtp == tr.rtpChannel() ? tr.rtcpChannel() : rtp + 1;
      s.rtpChannel[track] = rtp;
      s.rtcpChannel[track] = rtcp;
      channels.put(rtp, new Channel2Track(s, track, false));
      channels.put(rtcp, new Channel2Track(s, track, true));
      reply = Transport.tcpReply(rtp, rtcp, publish);
    } else {
      UdpTransport udp = services.udp();
      s.clientRtp[track] = new InetSocketAddress(remote.getAddress(), tr.clientRtp());
      s.clientRtcp[track] = new InetSocketAddress(remote.getAddress(), tr.clientRtcp());
      Session session = s;
      int tk = track;
      s.routes[track] = udp.route(s.clientRtp[track], false, buf -> {
        if (session.publish && session.stream != null) {
          session.stream.onRtp(tk, buf);
        }
      });
      s.rtcpRoutes[track] = udp.route(s.clientRtcp[track], true, buf -> {
        if (session.publish && session.stream != null) {
          session.stream.onRtcp(tk, buf);
        }
      });
      reply = Transport.udpReply(tr.clientRtp(), tr.clientRtcp(), udp.rtpPort(), udp.rtcpPort(), publish);
    }
    return withSession(Reply.of(HttpResponseStatus.OK).header("Transport", reply), s);
  }

  private static int readerTrack(String rest, int tracks) {
    String r = rest.startsWith("trackID=") ? rest.substring(8) : rest.replaceFirst("^.*trackID=", "");
    try {
      return r.isEmpty() ? -1 : Integer.parseInt(r);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private boolean free(int ch) {
    return ch >= 0 && ch <= 255 && !channels.containsKey(ch);
  }

  private int nextFreeChannel() {
    for (int ch = 0; ch < 255; ch += 2) {
      if (free(ch) && free(ch + 1)) {
        return ch;
      }
    }
    throw new IllegalStateException("no free interleaved channel");
  }

  private Reply record(Session s) {
    if (s.stream != null) {
      return withSession(Reply.of(HttpResponseStatus.OK), s);
    }
    Context ctx = s.tcp ? context : services.udp().udpContext();
    s.stream = services.hub().publish(s.cameraId, ctx, new SessionPublisher(s), s.announced);
    LOG.info("rtsp {} publishing camera {} over {} ({} tracks)", describe(), s.cameraId, s.tcp ? "TCP" : "UDP",
        s.announced.media().size());
    return withSession(Reply.of(HttpResponseStatus.OK), s);
  }

  private Reply teardown(FullHttpRequest req) {
    Optional<Session> s = session(req);
    if (s.isEmpty()) {
      return Reply.error(RtspResponseStatuses.SESSION_NOT_FOUND, "no such session on this connection");
    }
    end(s.get(), "TEARDOWN");
    sessions.remove(s.get().id);
    return Reply.of(HttpResponseStatus.OK);
  }

  private Reply keepalive(FullHttpRequest req) {
    Optional<Session> s = session(req);
    if (req.headers().contains(RtspHeaderNames.SESSION) && s.isEmpty()) {
      return Reply.error(RtspResponseStatuses.SESSION_NOT_FOUND, "no such session on this connection");
    }
    Reply r = Reply.of(HttpResponseStatus.OK);
    return s.map(x -> withSession(r, x)).orElse(r);
  }

  private void end(Session s, String why) {
    channels.values().removeIf(c -> c.session() == s);
    UdpTransport udp = services.udp();
    for (int i = 0; i < s.setUp.length; i++) {
      if (s.routes[i] != null) {
        udp.unroute(s.clientRtp[i], false, s.routes[i]);
        udp.unroute(s.clientRtcp[i], true, s.rtcpRoutes[i]);
      }
    }
    if (s.publish && s.stream != null) {
      LOG.info("rtsp {} stopped publishing camera {}: {}", describe(), s.cameraId, why);
      services.hub().unpublish(s.stream, "its publisher left (" + why + ")");
    } else if (!s.publish && s.stream != null && s.reader != null) {
      s.stream.removeReader(s.reader);
    }
  }

  // ---- the session's two roles ---------------------------------------------------------------------

  /** A pushing camera, seen from its stream. */
  private final class SessionPublisher implements Publisher {
    private final Session s;

    SessionPublisher(Session s) {
      this.s = s;
    }

    @Override
    public void sendRtcp(int track, ByteBuf packet) {
      if (!s.setUp[track]) {
        return;
      }
      if (s.tcp) {
        writeInterleaved(s.rtcpChannel[track], packet);
      } else {
        services.udp().send(packet, s.clientRtcp[track], true);
      }
    }

    @Override
    public void replaced(String reason) {
      context.runOnContext(v -> closeBecause(reason));
    }

    @Override
    public String describe() {
      return "rtsp push from " + RtspConnection.this.describe();
    }
  }

  /** A reader session, seen from the stream it reads. */
  private final class SessionReader implements Reader {
    private final Session s;

    SessionReader(Session s) {
      this.s = s;
    }

    @Override
    public boolean sendRtp(int track, ByteBuf packet) {
      if (track >= s.setUp.length || !s.setUp[track]) {
        return true; // a track the reader did not set up: nothing to send, nothing lost
      }
      if (s.tcp) {
        if (!channel.isWritable()) {
          return false;
        }
        writeInterleaved(s.rtpChannel[track], packet);
      } else {
        services.udp().send(packet, s.clientRtp[track], false);
      }
      return true;
    }

    @Override
    public void sendRtcp(int track, ByteBuf packet) {
      if (track >= s.setUp.length || !s.setUp[track]) {
        return;
      }
      if (s.tcp) {
        writeInterleaved(s.rtcpChannel[track], packet);
      } else {
        services.udp().send(packet, s.clientRtcp[track], true);
      }
    }

    @Override
    public void streamEnded(String reason) {
      context.runOnContext(v -> closeBecause("camera " + s.cameraId + ": " + reason));
    }

    @Override
    public String describe() {
      return "rtsp reader " + RtspConnection.this.describe();
    }
  }

  /** {@code $}, channel, length, packet: one write, safe from any thread (Netty queues it to the channel's loop). */
  private void writeInterleaved(int ch, ByteBuf packet) {
    ByteBuf header = channel.alloc().buffer(4);
    header.writeByte('$').writeByte(ch).writeShort(packet.readableBytes());
    channel.writeAndFlush(Unpooled.wrappedBuffer(header, packet.retainedDuplicate()), channel.voidPromise());
  }
}
