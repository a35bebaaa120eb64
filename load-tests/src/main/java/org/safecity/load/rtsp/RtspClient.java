package org.safecity.load.rtsp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One simulated RTSP client connection: sends requests one at a time with increasing CSeq and Basic
 * credentials, matches responses, keeps its session alive with GET_PARAMETER, and leaves the media part to
 * its subclass (a publishing camera or a reader). Everything runs on the channel's event loop.
 */
abstract class RtspClient extends ChannelInboundHandlerAdapter implements RtspClientDecoder.Listener {

  /** Where a client is in its life; read from other threads for the stats lines. */
  enum State { CONNECTING, SETTING_UP, STREAMING, FAILED, CLOSED }

  final String id;
  /** {@code rtsp://host:port/<path>}, the request URL of the session. */
  final String url;
  private final String authorization;
  private final Duration keepalive;
  final SimCounters counters;
  Channel channel;
  private int cseq;
  private int awaiting = -1;
  private String awaitingMethod;
  String session;
  volatile State state = State.CONNECTING;
  private volatile String failure;
  private ScheduledFuture<?> keepaliveTask;

  RtspClient(String id, String url, String user, String password, Duration keepalive, SimCounters counters) {
    this.id = id;
    this.url = url;
    this.authorization = user == null ? null : "Basic " + Base64.getEncoder().encodeToString(
        (user + ":" + password).getBytes(StandardCharsets.UTF_8));
    this.keepalive = keepalive;
    this.counters = counters;
  }

  /** The first request, once connected. */
  abstract void begin();

  /** A 2xx answer to {@code method}. */
  abstract void ok(String method, RtspClientDecoder.Response r);

  /** A non-2xx answer; the default fails the client. */
  void refused(String method, RtspClientDecoder.Response r) {
    fail(method + " -> " + r.status() + " " + r.reason() + (r.body().isBlank() ? "" : " (" + r.body().trim() + ")"));
  }

  /** The session is set up: media flows from now on. */
  void streaming() {
    state = State.STREAMING;
    if (!keepalive.isZero()) {
      long ms = keepalive.toMillis();
      keepaliveTask = channel.eventLoop().scheduleAtFixedRate(this::keepalive, ms, ms, TimeUnit.MILLISECONDS);
    }
  }

  String failure() {
    return failure;
  }

  void fail(String why) {
    if (state == State.FAILED || state == State.CLOSED) {
      return;
    }
    boolean wasStreaming = state == State.STREAMING;
    failure = why;
    state = State.FAILED;
    counters.failure(id + ": " + why, wasStreaming);
    if (channel != null) {
      channel.close();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    state = State.SETTING_UP;
    begin();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (keepaliveTask != null) {
      keepaliveTask.cancel(false);
    }
    if (state != State.CLOSED) {
      fail("the server closed the connection");
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(cause.toString());
  }

  /** Sends a request; the next response must answer it. */
  void request(String method, String target, String extraHeaders, String contentType, String body) {
    StringBuilder b = new StringBuilder(256);
    b.append(method).append(' ').append(target).append(" RTSP/1.0\r\n");
    b.append("CSeq: ").append(++cseq).append("\r\n");
    b.append("User-Agent: SafeCity-camera-simulator\r\n");
    if (authorization != null) {
      b.append("Authorization: ").append(authorization).append("\r\n");
    }
    if (session != null) {
      b.append("Session: ").append(session).append("\r\n");
    }
    if (extraHeaders != null) {
      b.append(extraHeaders);
    }
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (contentType != null) {
      b.append("Content-Type: ").append(contentType).append("\r\n");
    }
    if (content.length > 0) {
      b.append("Content-Length: ").append(content.length).append("\r\n");
    }
    b.append("\r\n");
    ByteBuf buf = ByteBufUtil.writeUtf8(channel.alloc(), b);
    buf.writeBytes(content);
    awaiting = cseq;
    awaitingMethod = method;
    channel.writeAndFlush(buf, channel.voidPromise());
  }

  private void keepalive() {
    if (state == State.STREAMING && awaiting < 0 && channel.isActive()) {
      request("GET_PARAMETER", url, null, null, null);
    }
  }

  @Override
  public void response(RtspClientDecoder.Response r) {
    if (r.status() < 0) {
      return; // a request from the server: nothing here needs answering
    }
    if (awaiting < 0 || r.cseq() != awaiting) {
      return; // late or unsolicited
    }
    String method = awaitingMethod;
    awaiting = -1;
    awaitingMethod = null;
    if (r.status() >= 200 && r.status() < 300) {
      if (!method.equals("GET_PARAMETER")) {
        ok(method, r);
      }
    } else if (method.equals("GET_PARAMETER")) {
      counters.failure(id + ": keepalive GET_PARAMETER -> " + r.status() + " " + r.reason(), false);
    } else {
      refused(method, r);
    }
  }

  /** Ends the client on purpose: TEARDOWN (best effort), then close. */
  void close() {
    if (channel == null) {
      state = State.CLOSED;
      return;
    }
    channel.eventLoop().execute(() -> {
      boolean teardown = state == State.STREAMING && session != null && channel.isActive();
      state = State.CLOSED;
      if (teardown) {
        request("TEARDOWN", url, null, null, null);
      }
      channel.eventLoop().schedule(() -> channel.close(), teardown ? 200 : 0, TimeUnit.MILLISECONDS);
    });
  }

  /** The session id of a reply (before any {@code ;timeout=}). */
  static String sessionOf(RtspClientDecoder.Response r) {
    String s = r.header("session");
    return s == null ? null : s.split(";", 2)[0].trim();
  }

  /** The first interleaved channel of a Transport reply, or {@code fallback}. */
  static int interleavedChannel(RtspClientDecoder.Response r, int fallback) {
    String t = r.header("transport");
    if (t == null) {
      return fallback;
    }
    for (String part : t.split(";")) {
      String p = part.trim().toLowerCase(Locale.ROOT);
      if (p.startsWith("interleaved=")) {
        try {
          return Integer.parseInt(p.substring(12).split("-", 2)[0].trim());
        } catch (NumberFormatException e) {
          return fallback;
        }
      }
    }
    return fallback;
  }
}
