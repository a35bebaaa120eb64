package org.safecity.load.rtsp;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.safecity.load.Cli;

/** The camera simulator's command line. See {@link #USAGE}. */
record CameraSimArgs(
    String host, int port, int readerPort, List<Integer> ports, String readerPathPrefix, int streams, int firstIndex, String idPrefix,
    String secretSeed, String readUser, String readSecret, Path file, int fps, int mtu, double rampRate,
    int readersPer, boolean matchSequence, int threads, int readerThreads, Duration tick, Duration keepalive,
    Duration late, Duration rampTimeout, Duration duration, Duration warmup, Duration statsEvery, int writeBufferBytes,
    boolean perCamera, boolean epoll) {

  static final String USAGE = String.join("\n",
      "usage: java -cp safecity-load.jar org.safecity.load.rtsp.CameraSimulator [options]",
      "",
      "Publishes --streams H.264 streams over RTSP (ANNOUNCE / SETUP TCP-interleaved / RECORD, Basic auth), looping",
      "one pre-encoded Annex-B file packetized here (RFC 6184), and reads some of them back (DESCRIBE / SETUP / PLAY).",
      "",
      "  --host 127.0.0.1            RTSP server",
      "  --port 8554                 its port for publishing",
      "  --reader-port P             its port for reading (default: --port; the GStreamer peer uses a second one)",
      "  --reader-path-prefix ''     readers read rtsp://host:P/<prefix><cameraId>",
      "  --ports P1,P2,...           a cluster's nodes: camera i publishes to node i mod N and its reader reads it",
      "                              there (a stream is served by the node it arrives at); instead of --port",
      "  --streams 100               cameras this process publishes",
      "  --first-index 1             index of the first camera (ids are <prefix><index, 4 digits>: cam-0001)",
      "  --id-prefix cam-",
      "  --secret-seed S             publishSecret of a camera = derived from S and its id (default safecity-bench)",
      "  --read-user viewer          readers' user; --read-secret (default derived from the seed)",
      "  --file PATH                 Annex-B .h264 file (required), starts with an IDR, looped",
      "  --fps 25                    its frame rate (90 kHz timestamps step 90000/fps)",
      "  --mtu 1400                  largest RTP packet (header included); larger NAL units go as FU-A",
      "  --ramp-rate 100/s           new publisher (then reader) connections per second",
      "  --readers-per 10            one reader per this many cameras (0 = no readers)",
      "  --match-sequence true       the server relays packets unchanged: match reader packets to sent ones",
      "                              by sequence number (latency); false for a server that repacketizes",
      "  --threads 2                 event loops of the publishers (pacing runs on them)",
      "  --reader-threads 1          event loops of the readers (0 = share the publishers' loops)",
      "  --tick 5ms                  pacing timer period per event loop",
      "  --late 20ms                 a frame written later than this after its due time counts as late",
      "  --keepalive 20s             GET_PARAMETER keepalive period of every session (0 = none)",
      "  --write-buffer 1048576      bytes queued per socket beyond which frames are dropped (camera buffer full)",
      "  --ramp-timeout 120s         give up waiting for the ramp after this",
      "  --duration 0                run time after the ramp (then warmup, window, summary, exit); 0 = driven by",
      "                              stdin lines: 'window' starts the measured window, 'stop' stops sending and",
      "                              prints the summary, 'exit' closes every session and exits",
      "  --warmup 5s                 with --duration: unmeasured time between ramp end and window",
      "  --stats-every 5s            period of the 'stats ...' lines",
      "  --per-camera true           per-camera packet counts in the summary (the benchmark's loss check)",
      "  --epoll true                Netty's native epoll transport when it loads (else NIO)");

  static CameraSimArgs parse(String[] argv) {
    Cli c = new Cli(argv, Set.of("help"));
    if (c.has("help")) {
      throw new HelpRequested();
    }
    String host = c.string("host", "127.0.0.1");
    int port = c.integer("port", 8554, 1, 65_535);
    int readerPort = c.integer("reader-port", port, 1, 65_535);
    List<Integer> ports = new java.util.ArrayList<>();
    for (String p : c.string("ports", "").split(",")) {
      if (!p.isBlank()) {
        ports.add(Integer.parseInt(p.trim()));
      }
    }
    String prefix = c.string("reader-path-prefix", "");
    int streams = c.integer("streams", 100, 1, 19_000);
    int first = c.integer("first-index", 1, 0, 9_999_999);
    String idPrefix = c.string("id-prefix", "cam-");
    String seed = c.string("secret-seed", Credentials.DEFAULT_SEED);
    String readUser = c.string("read-user", Credentials.READ_USER);
    String readSecret = c.string("read-secret", Credentials.readSecret(seed));
    String file = c.string("file", null);
    if (file == null) {
      throw new IllegalArgumentException("--file is required (an Annex-B .h264 file; rtsp-bench.sh makes one)");
    }
    int fps = c.integer("fps", 25, 1, 240);
    int mtu = c.integer("mtu", 1400, 100, 65_000);
    double ramp = c.rate("ramp-rate", 100);
    int readersPer = c.integer("readers-per", 10, 0, 1_000_000);
    boolean match = !c.has("match-sequence") || c.flag("match-sequence");
    int threads = c.integer("threads", 2, 1, 64);
    int readerThreads = c.integer("reader-threads", 1, 0, 64);
    Duration tick = c.duration("tick", Duration.ofMillis(5));
    if (tick.isZero()) {
      throw new IllegalArgumentException("--tick must be above 0");
    }
    Duration keepalive = c.duration("keepalive", Duration.ofSeconds(20));
    Duration late = c.duration("late", Duration.ofMillis(20));
    int writeBuffer = c.integer("write-buffer", 1 << 20, 65_536, 1 << 30);
    Duration rampTimeout = c.duration("ramp-timeout", Duration.ofSeconds(120));
    Duration duration = c.duration("duration", Duration.ZERO);
    Duration warmup = c.duration("warmup", Duration.ofSeconds(5));
    Duration statsEvery = c.duration("stats-every", Duration.ofSeconds(5));
    boolean perCamera = !c.has("per-camera") || c.flag("per-camera");
    boolean epoll = !c.has("epoll") || c.flag("epoll");
    c.finish();
    return new CameraSimArgs(host, ports.isEmpty() ? port : ports.get(0), readerPort, List.copyOf(ports), prefix, streams, first, idPrefix, seed, readUser, readSecret,
        Path.of(file), fps, mtu, ramp, readersPer, match, threads, readerThreads, tick, keepalive, late, rampTimeout,
        duration, warmup, statsEvery, writeBuffer, perCamera, epoll);
  }

  /** The port camera {@code i} (0-based in this process) publishes to. */
  int publishPort(int i) {
    return ports.isEmpty() ? port : ports.get(i % ports.size());
  }

  /** The port the reader of camera {@code i} reads from: the node the camera publishes to, on a cluster. */
  int readPort(int i) {
    return ports.isEmpty() ? readerPort : ports.get(i % ports.size());
  }

  /** Camera ids are {@code <prefix><index, at least 4 digits>}. */
  static String cameraId(String prefix, int index) {
    return prefix + String.format("%04d", index);
  }

  /** Indexes (0-based, within this process) of the cameras that get a reader: 0, K, 2K, ... */
  int readers() {
    return readersPer == 0 ? 0 : (streams + readersPer - 1) / readersPer;
  }

  static final class HelpRequested extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HelpRequested() {
      super(null, null, false, false);
    }
  }
}
