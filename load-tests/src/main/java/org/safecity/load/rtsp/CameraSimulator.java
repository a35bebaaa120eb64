package org.safecity.load.rtsp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.safecity.load.Histogram;

/**
 * Simulated cameras and readers in one JVM: {@code --streams} RTSP publishers looping one pre-encoded H.264 file
 * (packetized once, shared read-only), and one reader per {@code --readers-per} cameras. Built to hold a
 * thousand 1 Mbit/s streams on two cores next to the server under test: plain Netty on a few event loops, one
 * pacing timer per loop, each frame written as header buffers plus duplicates of the shared payload and
 * flushed once.
 *
 * <p>Output (stdout), one line each: {@code clip ...}, {@code stats ...} every {@code --stats-every},
 * {@code ramp-end ...} once every session is up (or failed), {@code window-start} when the measured window
 * starts, and at {@code stop} a one-line JSON summary. The benchmark drives it through stdin; see
 * {@link CameraSimArgs#USAGE}.
 */
public final class CameraSimulator {

  private final CameraSimArgs args;
  private final Clip clip;
  private final PrintStream out;
  private EventLoopGroup publisherLoops;
  private EventLoopGroup readerLoops;
  private Class<? extends Channel> channelClass = NioSocketChannel.class;
  private final Map<EventExecutor, Pacer> pacers = new IdentityHashMap<>();
  private final List<SimPublisher> publishers = new ArrayList<>();
  private final List<SimReader> readers = new ArrayList<>();
  private final SimCounters publisherCounters = new SimCounters();
  private final SimCounters readerCounters = new SimCounters();
  private volatile Histogram latency = new Histogram();
  private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sim-control");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final long startNanos = System.nanoTime();
  private long windowStartNanos = -1;
  private double windowCpuStart = -1;
  private long[] lastStats = new long[4];
  private long lastStatsNanos = System.nanoTime();

  CameraSimulator(CameraSimArgs args, Clip clip, PrintStream out) {
    this.args = args;
    this.clip = clip;
    this.out = out;
  }

  public static void main(String[] argv) {
    CameraSimArgs args;
    try {
      args = CameraSimArgs.parse(argv);
    } catch (CameraSimArgs.HelpRequested h) {
      System.out.println(CameraSimArgs.USAGE);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("camera-simulator: " + e.getMessage());
      System.err.println("(--help lists the options)");
      System.exit(2);
      return;
    }
    try {
      Clip clip = Clip.load(args.file(), args.fps(), args.mtu());
      CameraSimulator sim = new CameraSimulator(args, clip, System.out);
      Runtime.getRuntime().addShutdownHook(new Thread(sim::shutdown, "sim-shutdown"));
      sim.run();
      System.exit(0);
    } catch (Exception e) {
      System.err.println("camera-simulator: " + e);
      e.printStackTrace();
      System.exit(1);
    }
  }

  /** One pacing timer per event loop: sends the frames that are due for the cameras on that loop. */
  private static final class Pacer implements Runnable {
    final List<SimPublisher> cameras = new ArrayList<>();

    @Override
    public void run() {
      long now = System.nanoTime();
      for (int i = 0; i < cameras.size(); i++) {
        cameras.get(i).tick(now);
      }
    }
  }

  void run() throws Exception {
    say("clip " + args.file() + ": " + clip.describe());
    boolean epoll = args.epoll() && Epoll.isAvailable();
    say("transport: " + (epoll ? "native epoll" : "NIO" + (args.epoll() ? " (epoll unavailable: "
        + Epoll.unavailabilityCause() + ")" : "")) + ", " + args.threads() + " publisher event loop(s), "
        + (args.readerThreads() == 0 ? "readers on the same loops" : args.readerThreads() + " reader event loop(s)"));
    channelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    publisherLoops = new MultiThreadIoEventLoopGroup(args.threads(), epoll ? EpollIoHandler.newFactory()
        : NioIoHandler.newFactory());
    readerLoops = args.readerThreads() == 0 || args.readers() == 0 ? publisherLoops
        : new MultiThreadIoEventLoopGroup(args.readerThreads(), epoll ? EpollIoHandler.newFactory()
        : NioIoHandler.newFactory());
    long tick = args.tick().toNanos();
    for (EventExecutor e : publisherLoops) {
      Pacer p = new Pacer();
      pacers.put(e, p);
      e.scheduleAtFixedRate(p, tick, tick, TimeUnit.NANOSECONDS);
    }
    long every = args.statsEvery().toMillis();
    control.scheduleAtFixedRate(this::printStats, every, every, TimeUnit.MILLISECONDS);

    // Publishers, ramped.
    Bootstrap publisherBootstrap = bootstrap(publisherLoops, args.writeBufferBytes());
    int k = args.readersPer();
    for (int i = 0; i < args.streams(); i++) {
      String id = CameraSimArgs.cameraId(args.idPrefix(), args.firstIndex() + i);
      SimPublisher p = new SimPublisher(id, "rtsp://" + args.host() + ":" + args.publishPort(i) + "/" + id, id,
          Credentials.publishSecret(args.secretSeed(), id), args.keepalive(), publisherCounters, clip, args.host(),
          0x5afec17L * 31 + args.firstIndex() + i, args.late());
      if (k > 0 && i % k == 0) {
        p.track();
      }
      publishers.add(p);
    }
    ramp(publishers, publisherBootstrap, true);
    awaitSetUp(publishers, "publishers");

    // Readers: one per K cameras, once their cameras stream.
    if (args.readers() > 0) {
      Bootstrap readerBootstrap = bootstrap(readerLoops, 1 << 20);
      for (int r = 0; r < args.readers(); r++) {
        SimPublisher source = publishers.get(r * k);
        String url = "rtsp://" + args.host() + ":" + args.readPort(r * k) + "/" + args.readerPathPrefix() + source.id;
        readers.add(new SimReader("reader-" + source.id, url, args.readUser(), args.readSecret(), args.keepalive(),
            readerCounters, source, args.matchSequence(), () -> latency, 10));
      }
      ramp(readers, readerBootstrap, false);
      awaitSetUp(readers, "readers");
    }
    say(String.format(Locale.ROOT, "ramp-end publishing=%d of=%d readers=%d of=%d failed=%d seconds=%.1f",
        count(publishers, RtspClient.State.STREAMING), publishers.size(), count(readers, RtspClient.State.STREAMING),
        readers.size(), publisherCounters.setupFailures.get() + readerCounters.setupFailures.get(),
        (System.nanoTime() - startNanos) / 1e9));

    if (!args.duration().isZero()) {
      Thread.sleep(args.warmup().toMillis());
      window();
      Thread.sleep(args.duration().toMillis());
      stop();
      close();
      return;
    }
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        switch (line.trim()) {
          case "window" -> window();
          case "stop" -> stop();
          case "exit" -> {
            close();
            return;
          }
          default -> say("unknown command: " + line.trim() + " (window, stop, exit)");
        }
      }
    }
    stop();
    close();
  }

  private Bootstrap bootstrap(EventLoopGroup group, int writeBuffer) {
    return new Bootstrap().group(group).channel(channelClass)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(writeBuffer / 2, writeBuffer));
  }

  /** Connects the clients at --ramp-rate. */
  private void ramp(List<? extends RtspClient> clients, Bootstrap b, boolean pace) throws InterruptedException {
    long t0 = System.nanoTime();
    double rate = args.rampRate();
    for (int i = 0; i < clients.size(); i++) {
      if (rate > 0) {
        long due = t0 + (long) (i * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      RtspClient c = clients.get(i);
      ChannelFuture f = b.clone().handler(new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel ch) {
          ch.pipeline().addLast("rtsp", new RtspClientDecoder(c)).addLast("client", c);
        }
      }).connect(args.host(), java.net.URI.create(c.url).getPort());
      f.addListener(done -> {
        if (!done.isSuccess()) {
          c.fail("connect: " + done.cause());
        } else if (pace && c instanceof SimPublisher p) {
          pacers.get(f.channel().eventLoop()).cameras.add(p); // on that loop: the pacer's own thread
        }
      });
    }
  }

  private void awaitSetUp(List<? extends RtspClient> clients, String what) throws InterruptedException {
    long deadline = System.nanoTime() + args.rampTimeout().toNanos();
    while (System.nanoTime() < deadline) {
      boolean pending = false;
      for (RtspClient c : clients) {
        if (c.state == RtspClient.State.CONNECTING || c.state == RtspClient.State.SETTING_UP) {
          pending = true;
          break;
        }
      }
      if (!pending) {
        return;
      }
      Thread.sleep(100);
    }
    say("ramp: some " + what + " were not set up within " + args.rampTimeout().toSeconds() + " s");
  }

  private static int count(List<? extends RtspClient> clients, RtspClient.State s) {
    int n = 0;
    for (RtspClient c : clients) {
      if (c.state == s) {
        n++;
      }
    }
    return n;
  }

  // ------------------------------------------------------------------------------------------- window

  /** Per client: counters at the window start, taken on its own event loop. */
  private final Map<RtspClient, long[]> windowBase = new IdentityHashMap<>();

  private void window() throws InterruptedException {
    Map<RtspClient, long[]> base = onLoops(publishers, p -> {
      long[] b = {p.sentPackets, p.sentBytes, p.droppedPackets};
      p.lateFrames = 0;
      p.maxLagNanos = 0;
      return b;
    });
    base.putAll(onLoops(readers, r -> new long[] {r.packets, r.bytes, r.lost, r.reordered}));
    synchronized (windowBase) {
      windowBase.clear();
      windowBase.putAll(base);
    }
    latency = new Histogram();
    windowStartNanos = System.nanoTime();
    windowCpuStart = ownCpuSeconds();
    say("window-start");
  }

  private interface OnLoop<C, T> {
    T apply(C client);
  }

  /** Runs {@code f} for each connected client on its event loop and collects the results. */
  private <C extends RtspClient> Map<RtspClient, long[]> onLoops(List<C> clients, OnLoop<C, long[]> f)
      throws InterruptedException {
    Map<RtspClient, Future<long[]>> futures = new IdentityHashMap<>();
    for (C c : clients) {
      Channel ch = c.channel;
      if (ch != null) {
        futures.put(c, ch.eventLoop().submit(() -> f.apply(c)));
      }
    }
    Map<RtspClient, long[]> out = new IdentityHashMap<>();
    for (Map.Entry<RtspClient, Future<long[]>> e : futures.entrySet()) {
      if (e.getValue().await(5, TimeUnit.SECONDS) && e.getValue().isSuccess()) {
        out.put(e.getKey(), e.getValue().getNow());
      }
    }
    return out;
  }

  /** Stops sending, waits a second for the readers to drain, prints the summary. */
  private void stop() throws InterruptedException {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    long stopNanos = System.nanoTime();
    double cpuStop = ownCpuSeconds();
    Map<RtspClient, long[]> pub = onLoops(publishers, p -> {
      p.stopped = true;
      return new long[] {p.sentPackets, p.sentBytes, p.droppedPackets, p.lateFrames, p.maxLagNanos,
          p.state == RtspClient.State.STREAMING ? 1 : 0};
    });
    // Readers: window figures as of now; loss and state once what is in flight has arrived.
    Map<RtspClient, long[]> rdAtStop = onLoops(readers, r -> new long[] {r.packets, r.bytes});
    Thread.sleep(readers.isEmpty() ? 0 : 1000);
    Map<RtspClient, long[]> rd = onLoops(readers, r -> new long[] {r.packets, r.bytes, r.lost, r.reordered,
        r.state == RtspClient.State.STREAMING ? 1 : 0, r.matched, r.unmatched});
    rdAtStop.forEach((r, v) -> {
      long[] after = rd.get(r);
      if (after != null) {
        after[0] = v[0];
        after[1] = v[1];
      }
    });
    out.println(summary(stopNanos, cpuStop, pub, rd).encode());
    out.flush();
  }

  private JsonObject summary(long stopNanos, double cpuStop, Map<RtspClient, long[]> pub, Map<RtspClient, long[]> rd) {
    Map<RtspClient, long[]> base;
    synchronized (windowBase) {
      base = new IdentityHashMap<>(windowBase);
    }
    boolean hasWindow = windowStartNanos > 0;
    double seconds = hasWindow ? (stopNanos - windowStartNanos) / 1e9 : (stopNanos - startNanos) / 1e9;
    long wPackets = 0;
    long wBytes = 0;
    long wDropped = 0;
    long late = 0;
    long maxLag = 0;
    long totalSent = 0;
    long totalDropped = 0;
    int streamingAtStop = 0;
    JsonObject cameras = new JsonObject();
    for (SimPublisher p : publishers) {
      long[] s = pub.get(p);
      if (s == null) {
        if (args.perCamera()) {
          cameras.put(p.id, new JsonArray().add(0).add(0).add(0));
        }
        continue;
      }
      long[] b = base.getOrDefault(p, new long[3]);
      wPackets += s[0] - b[0];
      wBytes += s[1] - b[1];
      wDropped += s[2] - b[2];
      late += s[3];
      maxLag = Math.max(maxLag, s[4]);
      totalSent += s[0];
      totalDropped += s[2];
      streamingAtStop += (int) s[5];
      if (args.perCamera()) {
        cameras.put(p.id, new JsonArray().add(s[0]).add(s[2]).add(s[5]));
      }
    }
    long rPackets = 0;
    long rBytes = 0;
    long rLost = 0;
    long rReordered = 0;
    long rLostTotal = 0;
    long matched = 0;
    long unmatched = 0;
    int readersWithLoss = 0;
    int playingAtStop = 0;
    for (SimReader r : readers) {
      long[] s = rd.get(r);
      if (s == null) {
        continue;
      }
      long[] b = base.getOrDefault(r, new long[4]);
      rPackets += s[0] - b[0];
      rBytes += s[1] - b[1];
      rLost += s[2] - b[2];
      rReordered += s[3] - b[3];
      rLostTotal += s[2];
      if (s[2] > 0) {
        readersWithLoss++;
      }
      playingAtStop += (int) s[4];
      matched += s[5];
      unmatched += s[6];
    }
    Histogram lat = latency;
    JsonObject window = new JsonObject()
        .put("seconds", round(seconds, 3))
        .put("measured", hasWindow)
        .put("packets", wPackets)
        .put("bytes", wBytes)
        .put("mbitPerS", round(wBytes * 8 / 1e6 / seconds, 3))
        .put("packetsPerS", round(wPackets / seconds, 1))
        .put("droppedPackets", wDropped)
        .put("lateFrames", late)
        .put("maxLagMs", round(maxLag / 1e6, 3))
        .put("readerPackets", rPackets)
        .put("readerBytes", rBytes)
        .put("readerMbitPerS", round(rBytes * 8 / 1e6 / seconds, 3))
        .put("readerLostPackets", rLost)
        .put("readerReordered", rReordered)
        .put("latencyMs", args.matchSequence() && !readers.isEmpty() ? lat.summary() : null)
        .put("simulatorCpuCores", windowCpuStart >= 0 && cpuStop >= 0
            ? round((cpuStop - windowCpuStart) / seconds, 3) : null);
    JsonObject s = new JsonObject()
        .put("streams", publishers.size())
        .put("publishing", streamingAtStop)
        .put("publisherSetupFailures", publisherCounters.setupFailures.get())
        .put("publisherDisconnects", publisherCounters.disconnects.get())
        .put("readers", readers.size())
        .put("playing", playingAtStop)
        .put("readerSetupFailures", readerCounters.setupFailures.get())
        .put("readerDisconnects", readerCounters.disconnects.get())
        .put("keepaliveErrors", publisherCounters.keepaliveErrors.get() + readerCounters.keepaliveErrors.get())
        .put("sentPackets", totalSent)
        .put("droppedPackets", totalDropped)
        .put("readerLostPackets", rLostTotal)
        .put("readersWithLoss", readersWithLoss)
        .put("latencyMatched", matched)
        .put("latencyUnmatched", unmatched)
        .put("clip", new JsonObject().put("frames", clip.accessUnits()).put("fps", clip.fps())
            .put("packets", clip.packets()).put("rtpKbitPerS", round(clip.rtpBitsPerSecond() / 1000, 1)))
        .put("window", window)
        .put("failureSamples", publisherCounters.samples().addAll(readerCounters.samples()));
    if (args.matchSequence() && !readers.isEmpty()) {
      s.put("latencyHistogram", lat.toJson());
    }
    if (args.perCamera()) {
      s.put("cameras", cameras); // id: [packets sent, packets dropped by the camera, streaming at stop]
    }
    return new JsonObject().put("summary", s);
  }

  // --------------------------------------------------------------------------------------------- stats

  private void printStats() {
    try {
      long sent = 0;
      long bytes = 0;
      long dropped = 0;
      long late = 0;
      for (SimPublisher p : publishers) {
        sent += p.sentPackets;
        bytes += p.sentBytes;
        dropped += p.droppedPackets;
        late += p.lateFrames;
      }
      long rBytes = 0;
      long rLost = 0;
      for (SimReader r : readers) {
        rBytes += r.bytes;
        rLost += r.lost;
      }
      long now = System.nanoTime();
      double dt = (now - lastStatsNanos) / 1e9;
      Histogram lat = latency;
      say(String.format(Locale.ROOT, "stats t=%.1fs publishing=%d/%d readers=%d/%d sendMbps=%.1f pps=%.0f dropped=%d "
              + "late=%d disconnects=%d failed=%d readMbps=%.1f readerLost=%d latP50=%sms latP99=%sms",
          (now - startNanos) / 1e9, count(publishers, RtspClient.State.STREAMING), publishers.size(),
          count(readers, RtspClient.State.STREAMING), readers.size(), (bytes - lastStats[1]) * 8 / 1e6 / dt,
          (sent - lastStats[0]) / dt, dropped, late,
          publisherCounters.disconnects.get() + readerCounters.disconnects.get(),
          publisherCounters.setupFailures.get() + readerCounters.setupFailures.get(),
          (rBytes - lastStats[2]) * 8 / 1e6 / dt, rLost, fmt(lat.percentileMillis(50)), fmt(lat.percentileMillis(99))));
      lastStats = new long[] {sent, bytes, rBytes, 0};
      lastStatsNanos = now;
    } catch (RuntimeException e) {
      say("stats failed: " + e);
    }
  }

  private static String fmt(double ms) {
    return Double.isNaN(ms) ? "-" : String.format(Locale.ROOT, "%.2f", ms);
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Double.isFinite(v) ? Math.round(v * f) / f : 0;
  }

  /** This process's user + system CPU seconds from /proc/self/stat; -1 when unknown. */
  static double ownCpuSeconds() {
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private void say(String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  // ----------------------------------------------------------------------------------------------- end

  /** TEARDOWN and close every session, then stop the event loops. */
  private void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    control.shutdownNow();
    for (RtspClient c : readers) {
      c.close();
    }
    for (RtspClient c : publishers) {
      c.close();
    }
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (readerLoops != null && readerLoops != publisherLoops) {
      readerLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
    if (publisherLoops != null) {
      publisherLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
  }

  /** SIGTERM / Ctrl-C: the summary if none was printed yet, then close. */
  private void shutdown() {
    try {
      if (publisherLoops != null && !stopped.get()) {
        stop();
      }
    } catch (InterruptedException | RuntimeException e) {
      // exiting anyway
    }
    close();
  }
}
