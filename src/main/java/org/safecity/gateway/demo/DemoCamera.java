package org.safecity.gateway.demo;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated camera pushing the demo clip to the gateway, as an IP camera set up to publish does: ANNOUNCE
 * (SDP), SETUP (TCP interleaved, mode=record), RECORD with Basic credentials, then one access unit per frame
 * period, looped, with its own SSRC, sequence numbers and 90 kHz timestamps (the load tests' {@code SimPublisher}
 * on a Vert.x socket). A lost connection is retried with a growing pause; {@link #cut} pulls the cable (no
 * TEARDOWN: the gateway sees the stream stall) until {@link #restore}. Everything runs on the verticle's context.
 */
final class DemoCamera extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DemoCamera.class);
  private static final int PAYLOAD_TYPE_CHANNEL = 0;
  private static final long KEEPALIVE_MS = 20_000;
  private static final long RETRY_MIN_MS = 1_000;
  private static final long RETRY_MAX_MS = 30_000;

  private enum State { IDLE, CONNECTING, SETTING_UP, STREAMING, CUT, STOPPED }

  final String id;
  private final String host;
  private final int port;
  private final String url;
  private final String authorization;
  private DemoClip clip;
  private final SplittableRandom random;
  private NetClient net;
  private NetSocket socket;
  private State state = State.IDLE;
  private int cseq;
  private int awaiting = -1;
  private String awaitingMethod;
  private String session;
  private int channel = PAYLOAD_TYPE_CHANNEL;
  private long frameTimer = -1;
  private long keepaliveTimer = -1;
  private int failures;
  private boolean reportedRefusal;
  /** Set by {@link #play}: the next session starts at the clip's first frame, and completes {@code switched}. */
  private boolean fromStart;
  private Promise<Void> switched;

  private long ssrc;
  private int seq;
  private long tsBase;
  private long frames;
  private int au;
  private long nextFrameNanos;
  /** Read from other threads for the start-up summary. */
  private volatile boolean streaming;
  private volatile long droppedFrames;

  DemoCamera(String id, String user, String secret, String host, int port, DemoClip clip, long seed) {
    this.id = id;
    this.host = host;
    this.port = port;
    this.url = "rtsp://" + host + ":" + port + "/" + id;
    this.authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    this.clip = clip;
    this.random = new SplittableRandom(seed);
  }

  @Override
  public Future<?> start() {
    net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000).setTcpNoDelay(true));
    connect();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    state = State.STOPPED;
    if (switched != null) {
      switched.tryFail("the camera stopped");
    }
    streaming = false;
    NetSocket s = socket;
    socket = null;
    stopTimers();
    return (s == null ? Future.succeededFuture() : s.close()).transform(ar -> net.close());
  }

  boolean streaming() {
    return streaming;
  }

  long droppedFrames() {
    return droppedFrames;
  }

  /** Pulls the cable: the connection drops without TEARDOWN and stays down until {@link #restore}. */
  void cut() {
    context.runOnContext(v -> {
      if (state == State.STOPPED) {
        return;
      }
      state = State.CUT;
      drop();
    });
  }

  /** Plugs the cable back in. */
  void restore() {
    context.runOnContext(v -> {
      if (state == State.CUT) {
        state = State.IDLE;
        failures = 0;
        connect();
      }
    });
  }

  /**
   * For scenes with other video (a hotlisted plate passing this camera): from now on the camera loops {@code next}
   * from its first frame, announced afresh on a new session, as a camera does after its encoder settings change.
   * The future completes when the gateway has taken the new session (RECORD answered), so a scene can time what
   * it shows from there; a camera that is cut or stopped switches when it next streams.
   */
  Future<Void> play(DemoClip next) {
    Promise<Void> started = Promise.promise();
    context.runOnContext(v -> {
      clip = next;
      fromStart = true;
      if (switched != null) {
        switched.tryFail("superseded by another clip");
      }
      switched = started;
      if (state == State.STREAMING || state == State.SETTING_UP) {
        drop();
        state = State.IDLE;
        connect();
      }
    });
    return started.future();
  }

  // ---------------------------------------------------------------------------------------- connection

  private void connect() {
    if (state != State.IDLE) {
      return;
    }
    state = State.CONNECTING;
    net.connect(port, host).onComplete(ar -> {
      if (state != State.CONNECTING) {
        if (ar.succeeded()) {
          ar.result().close(); // cut or stopped meanwhile
        }
        return;
      }
      if (ar.failed()) {
        state = State.IDLE;
        retryLater("connect: " + ar.cause().getMessage());
        return;
      }
      NetSocket s = ar.result();
      socket = s;
      state = State.SETTING_UP;
      cseq = 0;
      awaiting = -1;
      session = null;
      RtspReplies replies = new RtspReplies(this::reply);
      s.handler(data -> {
        if (socket != s) {
          return;
        }
        try {
          replies.feed(data);
        } catch (RtspReplies.BadReply e) {
          LOG.warn("demo camera {}: {}", id, e.getMessage());
          drop();
          state = State.IDLE;
          retryLater(e.getMessage());
        }
      });
      s.closeHandler(v -> closed(s));
      s.exceptionHandler(e -> LOG.debug("demo camera {}: {}", id, e.getMessage()));
      request("ANNOUNCE", url, null, "application/sdp", clip.sdp(host, id));
    });
  }

  private void closed(NetSocket s) {
    if (socket != s) {
      return; // we dropped it ourselves
    }
    socket = null;
    stopTimers();
    boolean was = streaming;
    streaming = false;
    if (state == State.STREAMING || state == State.SETTING_UP) {
      state = State.IDLE;
      retryLater(was ? "the gateway closed the stream" : "the gateway closed the connection while setting up");
    }
  }

  /** Closes the connection on our side, with no reconnect by itself. */
  private void drop() {
    NetSocket s = socket;
    socket = null;
    stopTimers();
    streaming = false;
    if (s != null) {
      s.close();
    }
  }

  private void retryLater(String why) {
    failures++;
    long ceiling = Math.min(RETRY_MAX_MS, RETRY_MIN_MS << Math.min(failures - 1, 5));
    long delay = RETRY_MIN_MS + random.nextLong(Math.max(1, ceiling - RETRY_MIN_MS + 1));
    if (failures == 1 || failures % 10 == 0) {
      LOG.info("demo camera {}: {}; retrying in {} ms", id, why, delay);
    }
    vertx.setTimer(delay, t -> connect());
  }

  private void stopTimers() {
    if (frameTimer >= 0) {
      vertx.cancelTimer(frameTimer);
      frameTimer = -1;
    }
    if (keepaliveTimer >= 0) {
      vertx.cancelTimer(keepaliveTimer);
      keepaliveTimer = -1;
    }
  }

  // ------------------------------------------------------------------------------------------- RTSP

  private void request(String method, String target, String extraHeaders, String contentType, String body) {
    StringBuilder b = new StringBuilder(256);
    b.append(method).append(' ').append(target).append(" RTSP/1.0\r\n");
    b.append("CSeq: ").append(++cseq).append("\r\n");
    b.append("User-Agent: SafeCity-demo-camera\r\n");
    b.append("Authorization: ").append(authorization).append("\r\n");
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
    awaiting = cseq;
    awaitingMethod = method;
    socket.write(Buffer.buffer(b.toString()).appendBytes(content));
  }

  private void reply(RtspReplies.Reply r) {
    if (r.status() < 0 || awaiting < 0 || r.cseq() != awaiting) {
      return; // a request from the server, or a late answer
    }
    String method = awaitingMethod;
    awaiting = -1;
    if (r.status() / 100 != 2) {
      if (method.equals("GET_PARAMETER")) {
        return; // keepalive: the stream itself is what matters
      }
      String why = method + " -> " + r.status() + " " + r.reason();
      if (!reportedRefusal) {
        reportedRefusal = true;
        LOG.warn("demo camera {}: the gateway refused {}", id, why);
      }
      drop();
      state = State.IDLE;
      retryLater(why);
      return;
    }
    switch (method) {
      case "ANNOUNCE" -> request("SETUP", url + "/trackID=0",
          "Transport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n", null, null);
      case "SETUP" -> {
        session = r.session();
        channel = r.interleavedChannel(PAYLOAD_TYPE_CHANNEL);
        request("RECORD", url, "Range: npt=0.000-\r\n", null, null);
      }
      case "RECORD" -> record();
      default -> {
      }
    }
  }

  private void record() {
    state = State.STREAMING;
    streaming = true;
    failures = 0;
    reportedRefusal = false;
    ssrc = random.nextLong(1L << 32);
    seq = random.nextInt(65_536);
    tsBase = random.nextLong(1L << 32);
    frames = 0;
    au = fromStart ? 0 : randomKeyframe();
    fromStart = false;
    long period = 1_000_000_000L / clip.fps();
    nextFrameNanos = System.nanoTime();
    frameTimer = vertx.setPeriodic(period / 1_000_000, t -> tick());
    keepaliveTimer = vertx.setPeriodic(KEEPALIVE_MS, t -> {
      if (state == State.STREAMING && awaiting < 0) {
        request("GET_PARAMETER", url, null, null, null);
      }
    });
    if (switched != null) {
      switched.tryComplete();
      switched = null;
    }
  }

  /** Cameras start at different places in the clip, so the city's pictures are not all in step. */
  private int randomKeyframe() {
    int start = random.nextInt(clip.accessUnits());
    for (int i = 0; i < clip.accessUnits(); i++) {
      int k = (start + i) % clip.accessUnits();
      if (clip.keyframe(k)) {
        return k;
      }
    }
    return 0;
  }

  /** Sends every frame that is due (a timer is never exact); more than a second behind, skips ahead. */
  private void tick() {
    if (state != State.STREAMING || socket == null) {
      return;
    }
    long period = 1_000_000_000L / clip.fps();
    long now = System.nanoTime();
    if (now - nextFrameNanos > period * clip.fps()) {
      nextFrameNanos = now;
    }
    Buffer out = null;
    while (now - nextFrameNanos >= 0) {
      if (socket.writeQueueFull()) {
        // Like a camera whose buffer is full: the frame is lost and its sequence numbers with it.
        droppedFrames++;
        seq += clip.packets(au);
      } else {
        if (out == null) {
          out = Buffer.buffer(8192);
        }
        long ts = tsBase + frames * (90_000L / clip.fps());
        seq += clip.writeInterleaved(out, au, channel, seq, ts, ssrc);
      }
      seq &= 0xffff;
      frames++;
      au = (au + 1) % clip.accessUnits();
      nextFrameNanos += period;
    }
    if (out != null) {
      socket.write(out);
    }
  }
}
