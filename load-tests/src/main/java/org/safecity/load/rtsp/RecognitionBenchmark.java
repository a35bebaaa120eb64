package org.safecity.load.rtsp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.safecity.load.Cli;

/**
 * Recognition benchmark: what decoding and recognising costs, and how many cameras the gateway keeps recognising.
 *
 * <ol>
 *   <li>A clip is made with Debian's ffmpeg from a real photograph (a face from the watchlist, and optionally a
 *   licence plate drawn under it), 25 fps with a keyframe every {@code --keyframe-every}.</li>
 *   <li>The ffmpeg CLI decodes an all-keyframe version of it on one thread, converting to RGB as the gateway does:
 *   its milliseconds per keyframe are the peer figure for the gateway's decoder.</li>
 *   <li>The gateway jar starts with that many cameras, the same photograph is enrolled through the REST API (and
 *   the plate put on the hotlist), and an SSE client follows the hits.</li>
 *   <li>Per step, the camera simulator pushes the clip from N cameras over RTSP; from the gateway's /metrics over
 *   the window: decode and inference time per frame, frames processed and dropped; from the SSE client: the
 *   latency from a frame's arrival at the gateway (the hit's {@code at}) to the hit reaching the client, which
 *   includes its commit.</li>
 * </ol>
 * Figures go to stdout and {@code results/<timestamp>.json}; {@code recognition-bench.sh} is its front door.
 */
public final class RecognitionBenchmark {

  private static final Pattern BENCH_UTIME = Pattern.compile("bench: utime=([0-9.]+)s stime=([0-9.]+)s");

  record Args(Path gatewayJar, Path simJar, List<Integer> steps, Duration keyframeEvery, int fps, String size,
              Path face, Path enrolPhoto, String plate, Duration duration, Duration warmup, Path modelsDir,
              Duration modelsTimeout, List<String> gatewayJavaOpts, Map<String, String> gatewayEnv, Path resultsDir,
              boolean keep) {
  }

  private final Args args;
  private final Path work;
  private final JsonObject result = new JsonObject();

  private RecognitionBenchmark(Args args, Path work) {
    this.args = args;
    this.work = work;
  }

  public static void main(String[] argv) throws Exception {
    Args a;
    try {
      a = parse(argv);
    } catch (IllegalArgumentException e) {
      System.err.println("recognition-bench: " + e.getMessage() + " (--help lists the options)");
      System.exit(2);
      return;
    }
    if (a == null) {
      return;
    }
    Path work = Files.createTempDirectory("safecity-recognition-bench-");
    try {
      new RecognitionBenchmark(a, work).run();
    } finally {
      if (!a.keep()) {
        deleteTree(work);
      } else {
        say("work dir kept: " + work);
      }
    }
  }

  static Args parse(String[] argv) {
    Cli c = new Cli(argv, Set.of("help", "keep"));
    if (c.flag("help")) {
      System.out.println(usage());
      return null;
    }
    Path jar = Path.of(c.string("gateway-jar", "../target/safecity-gateway.jar"));
    Path sim = Path.of(c.string("sim-jar", jarOf(RecognitionBenchmark.class)));
    List<Integer> steps = new ArrayList<>();
    for (String s : c.string("cameras", "1,2,4,8").split(",")) {
      steps.add(Integer.parseInt(s.trim()));
    }
    Duration every = c.duration("keyframe-every", Duration.ofSeconds(2));
    int fps = c.integer("fps", 25, 1, 60);
    String size = c.string("size", "1280x720");
    if (!size.matches("\\d+x\\d+")) {
      throw new IllegalArgumentException("--size must be WIDTHxHEIGHT, got " + size);
    }
    String images = System.getenv().getOrDefault("SAFECITY_TEST_IMAGES", "/usr/share/safecity-test-images");
    Path face = Path.of(c.string("face", images + "/grace_hopper.jpg"));
    Path enrol = Path.of(c.string("enrol-photo", face.toString()));
    String plate = c.string("plate", "");
    Duration duration = c.duration("duration", Duration.ofSeconds(30));
    Duration warmup = c.duration("warmup", Duration.ofSeconds(10));
    Path models = Path.of(c.string("models-dir", "target/models")).toAbsolutePath();
    Duration modelsTimeout = c.duration("models-timeout", Duration.ofMinutes(10));
    List<String> javaOpts = List.of(c.string("gateway-java-opts", "-Xmx2g").trim().split("\\s+"));
    Map<String, String> env = new LinkedHashMap<>();
    String extra = c.string("gateway-env", "");
    for (String kv : extra.isBlank() ? new String[0] : extra.split(",")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--gateway-env wants K=V,K=V, got " + kv);
      }
      env.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    Path results = Path.of(c.string("results-dir", "results"));
    boolean keep = c.flag("keep");
    c.finish();
    return new Args(jar, sim, steps, every, fps, size, face, enrol, plate, duration, warmup, models, modelsTimeout,
        javaOpts, env, results, keep);
  }

  static String usage() {
    return String.join("\n",
        "usage: recognition-bench.sh [options]     (java -cp safecity-load.jar " + RecognitionBenchmark.class.getName() + ")",
        "",
        "  --gateway-jar PATH        the gateway jar (default ../target/safecity-gateway.jar)",
        "  --cameras 1,2,4,8         steps: cameras pushing the clip at once",
        "  --keyframe-every 2s       the clip's keyframe interval (the gateway samples keyframes)",
        "  --fps 25                  the clip's frame rate",
        "  --size 1280x720           the clip's picture size",
        "  --face PATH               photograph shown in the clip (default: grace_hopper.jpg of .ci/test-images)",
        "  --enrol-photo PATH        photograph enrolled on the watchlist (default: --face)",
        "  --plate TEXT              also draw this licence plate under the face and put it on the hotlist",
        "  --duration 30s            measured window per step",
        "  --warmup 10s              after the cameras are up, before the window",
        "  --models-dir target/models  model cache shared by runs (SAFECITY_RECOGNITION_MODELS_DIR)",
        "  --models-timeout 10m      how long the models may take to be fetched and loaded",
        "  --gateway-java-opts '-Xmx2g'",
        "  --gateway-env K=V,K=V     extra SAFECITY_* settings for the gateway",
        "  --results-dir results     where <timestamp>.json goes",
        "  --keep                    keep the work dir (clip, logs, gateway data)");
  }

  // ----------------------------------------------------------------------------------------------- run

  private void run() throws Exception {
    Instant started = Instant.now();
    int cores = Runtime.getRuntime().availableProcessors();
    say("recognition benchmark, " + started.truncatedTo(ChronoUnit.SECONDS) + ", " + cores + " cores, load average "
        + loadAverage());
    result.put("started", started.toString()).put("cores", cores).put("loadAverageStart", loadAverage());
    for (Path p : List.of(args.face(), args.enrolPhoto())) {
      if (!Files.isReadable(p)) {
        throw new IOException(p + " is not readable: run .ci/test-images (or give --face / --enrol-photo)");
      }
    }
    Path clip = work.resolve("clip.h264");
    int gop = (int) Math.max(1, args.keyframeEvery().toMillis() * args.fps() / 1000);
    makeClip(clip, gop, Math.max(10, 4 * gop));
    say("clip: " + args.size() + " at " + args.fps() + " fps, a keyframe every " + gop + " frames, "
        + Files.size(clip) / 1024 + " KiB" + (args.plate().isEmpty() ? "" : ", plate " + args.plate()));
    result.put("clip", new JsonObject().put("size", args.size()).put("fps", args.fps()).put("gop", gop)
        .put("face", args.face().getFileName().toString()).put("plate", args.plate().isEmpty() ? null : args.plate()));

    JsonObject cli = ffmpegDecode();
    result.put("ffmpegCli", cli);

    int maxCameras = args.steps().stream().mapToInt(Integer::intValue).max().orElse(1);
    Path devices = work.resolve("devices.yaml");
    String seed = Credentials.DEFAULT_SEED;
    CameraDevices.write(devices, "cam-", maxCameras, seed);
    String adminSecret = "bench-admin-" + Long.toHexString(System.nanoTime());
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SAFECITY_BOOTSTRAP_ADMIN_SECRET", adminSecret);
    env.put("SAFECITY_RECOGNITION_MODELS_DIR", args.modelsDir().toString());
    // Every keyframe with the face is a hit (not one a person and camera every 30 s): each frame then carries the
    // whole path, commit included, and the latency has a sample per frame. The run says so.
    env.put("SAFECITY_RECOGNITION_FACE_REPEAT_AFTER", "0s");
    env.put("SAFECITY_SSE_MAX_QUEUED_EVENTS", "100000");
    env.putAll(args.gatewayEnv());
    Files.createDirectories(args.modelsDir());
    say("gateway environment: " + env.keySet());
    try (RtspTarget.Gateway g = RtspTarget.Gateway.start(args.gatewayJar(), args.gatewayJavaOpts(), env, work, devices,
        maxCameras + 10, Duration.ofMinutes(3))) {
      Api api = new Api(URI.create(g.api() + "/"));
      awaitRecognizers(api, g);
      String token = api.login("admin", adminSecret);
      enrol(api, token);
      HitFeed feed = new HitFeed(api, token);
      feed.start();
      JsonArray steps = new JsonArray();
      for (int n : args.steps()) {
        steps.add(step(g, api, feed, n, seed));
      }
      feed.close();
      result.put("steps", steps);
      summary(steps, cli, cores);
    }
    result.put("loadAverageEnd", loadAverage());
    Files.createDirectories(args.resultsDir());
    Path out = args.resultsDir().resolve(started.truncatedTo(ChronoUnit.SECONDS).toString().replace(":", "-")
        + "-recognition.json");
    Files.writeString(out, result.encodePrettily() + "\n", StandardCharsets.UTF_8);
    say("load average at the end " + loadAverage() + "; results: " + out);
  }

  /** The face centred on a grey picture of the clip's size, the plate (if any) on a white box under it. */
  private void makeClip(Path out, int gop, int frames) throws IOException, InterruptedException {
    ffmpeg(clipCommand(out, gop, frames));
  }

  private List<String> clipCommand(Path out, int gop, int frames) {
    String[] wh = args.size().split("x");
    int w = Integer.parseInt(wh[0]);
    int h = Integer.parseInt(wh[1]);
    String filter = "scale=-2:" + (h * 2 / 3) + ",pad=" + w + ":" + h + ":(ow-iw)/2:(oh-ih)/2-" + (h / 8) + ":color=gray";
    if (!args.plate().isEmpty()) {
      int ph = h / 9;
      filter += ",drawbox=x=(iw-" + (ph * 4) + ")/2:y=ih-" + (ph + h / 24) + ":w=" + (ph * 4) + ":h=" + ph
          + ":color=white:t=fill,drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf:text='"
          + args.plate() + "':fontcolor=black:fontsize=" + (ph * 3 / 4) + ":x=(w-text_w)/2:y=h-" + (ph + h / 24)
          + "+(" + ph + "-text_h)/2";
    }
    return List.of("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-loop", "1", "-i", args.face().toString(),
        "-vf", filter, "-r", Integer.toString(args.fps()), "-frames:v", Integer.toString(frames), "-c:v", "libx264",
        "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p", "-b:v", "1M", "-g", Integer.toString(gop),
        "-keyint_min", Integer.toString(gop), "-sc_threshold", "0", "-bf", "0", "-x264-params", "repeat-headers=1",
        "-f", "h264", out.toString());
  }

  /**
   * The peer: the ffmpeg CLI decoding 100 keyframes of the same picture (an all-keyframe clip) on one thread,
   * converted to RGB as the gateway's decoder does; median of 3 runs, CPU time from {@code -benchmark}.
   */
  private JsonObject ffmpegDecode() throws IOException, InterruptedException {
    Path keyframes = work.resolve("keyframes.h264");
    int n = 100;
    ffmpeg(clipCommand(keyframes, 1, n));
    double[] cpu = new double[3];
    double[] wall = new double[3];
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      String out = ffmpeg(List.of("ffmpeg", "-hide_banner", "-benchmark", "-threads", "1", "-i", keyframes.toString(),
          "-pix_fmt", "rgb24", "-f", "null", "-"));
      wall[i] = (System.nanoTime() - t0) / 1e6 / n;
      Matcher m = BENCH_UTIME.matcher(out);
      cpu[i] = m.find() ? (Double.parseDouble(m.group(1)) + Double.parseDouble(m.group(2))) * 1000 / n : -1;
    }
    double cpuMs = median(cpu);
    double wallMs = median(wall);
    say(String.format("ffmpeg CLI, one thread, %d keyframes to RGB: %.2f ms CPU per keyframe (%.2f ms wall, process"
        + " start included)", n, cpuMs, wallMs));
    return new JsonObject().put("keyframes", n).put("cpuMsPerKeyframe", round(cpuMs)).put("wallMsPerKeyframe", round(wallMs))
        .put("version", firstLine(ffmpeg(List.of("ffmpeg", "-hide_banner", "-version"))));
  }

  private JsonObject step(RtspTarget.Gateway g, Api api, HitFeed feed, int cameras, String seed) throws Exception {
    say("step " + cameras + " camera(s)");
    List<String> sim = List.of("--host", "127.0.0.1", "--port", Integer.toString(g.port), "--streams",
        Integer.toString(cameras), "--file", work.resolve("clip.h264").toString(), "--fps", Integer.toString(args.fps()),
        "--readers-per", "0", "--secret-seed", seed, "--duration", "0", "--per-camera", "false", "--threads", "1");
    try (CameraSimProcess p = CameraSimProcess.start(args.simJar(), List.of("-Xmx256m"), sim,
        work.resolve("camera-sim-" + cameras + ".err"), null)) {
      if (p.awaitRampEnd(120_000) == null) {
        throw new IOException("the camera simulator did not ramp up: " + p.lastLines());
      }
      Thread.sleep(args.warmup().toMillis());
      Metrics m0 = Metrics.read(g.get("/metrics"));
      double cpu0 = g.cpuSeconds();
      long t0 = System.currentTimeMillis();
      Thread.sleep(args.duration().toMillis());
      Metrics m1 = Metrics.read(g.get("/metrics"));
      double cpu1 = g.cpuSeconds();
      long t1 = System.currentTimeMillis();
      p.exit(20_000);
      double secs = (t1 - t0) / 1000.0;
      double expected = cameras * 1000.0 / args.keyframeEvery().toMillis();
      JsonObject s = new JsonObject().put("cameras", cameras).put("windowS", round(secs))
          .put("keyframesExpectedPerS", round(expected))
          .put("gatewayCpuCores", round((cpu1 - cpu0) / secs));
      JsonObject workers = new JsonObject();
      for (String w : m1.workers()) {
        Metrics.Worker a = m0.worker(w);
        Metrics.Worker b = m1.worker(w);
        double decoded = b.decodeCount() - a.decodeCount();
        double recognised = b.recogniseCount() - a.recogniseCount();
        JsonObject dropped = new JsonObject();
        b.dropped().forEach((reason, v) -> dropped.put(reason, round((v - a.dropped().getOrDefault(reason, 0.0)) / secs)));
        workers.put(w, new JsonObject()
            .put("processedPerS", round((b.processed() - a.processed()) / secs))
            .put("droppedPerS", dropped)
            .put("decodeMsPerFrame", decoded > 0 ? round((b.decodeSum() - a.decodeSum()) * 1000 / decoded) : null)
            .put("recogniseMsPerFrame", recognised > 0 ? round((b.recogniseSum() - a.recogniseSum()) * 1000 / recognised) : null));
      }
      s.put("workers", workers);
      List<Long> lat = feed.latencies(t0, t1);
      s.put("hits", lat.size()).put("hitsPerS", round(lat.size() / secs))
          .put("hitLatencyMs", new JsonObject().put("p50", percentile(lat, 50)).put("p99", percentile(lat, 99))
              .put("max", lat.isEmpty() ? null : lat.get(lat.size() - 1)));
      say("  " + s.encode());
      return s;
    }
  }

  private void summary(JsonArray steps, JsonObject cli, int cores) {
    say("");
    say("| cameras | keyframes/s due | processed/s (face) | dropped/s (all workers) | decode ms | face ms | plate ms | hit latency p50 / p99 ms | gateway CPU cores |");
    say("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    double bestPerFrameMs = -1;
    int kept = 0;
    for (Object o : steps) {
      JsonObject s = (JsonObject) o;
      JsonObject face = s.getJsonObject("workers").getJsonObject("face", new JsonObject());
      JsonObject plate = s.getJsonObject("workers").getJsonObject("plate", new JsonObject());
      double processed = face.getDouble("processedPerS", 0.0);
      // Every worker type counts: a camera is kept only when none of its recognizers drops its frames.
      double dropped = 0;
      double slowest = Double.MAX_VALUE;
      for (String type : s.getJsonObject("workers").fieldNames()) {
        JsonObject w = s.getJsonObject("workers").getJsonObject(type);
        dropped += w.getJsonObject("droppedPerS", new JsonObject()).stream()
            .mapToDouble(e -> ((Number) e.getValue()).doubleValue()).sum();
        slowest = Math.min(slowest, w.getDouble("processedPerS", 0.0));
      }
      say(String.format("| %d | %.1f | %.2f | %.2f | %s | %s | %s | %s / %s | %.2f |", s.getInteger("cameras"),
          s.getDouble("keyframesExpectedPerS"), processed, dropped, face.getValue("decodeMsPerFrame"),
          face.getValue("recogniseMsPerFrame"), plate.getValue("recogniseMsPerFrame"),
          s.getJsonObject("hitLatencyMs").getValue("p50"), s.getJsonObject("hitLatencyMs").getValue("p99"),
          s.getDouble("gatewayCpuCores")));
      if (dropped == 0 && slowest >= 0.95 * s.getDouble("keyframesExpectedPerS")) {
        kept = Math.max(kept, s.getInteger("cameras"));
      }
      if (s.getInteger("cameras") == 1 && face.getValue("decodeMsPerFrame") != null) {
        bestPerFrameMs = face.getDouble("decodeMsPerFrame") + face.getDouble("recogniseMsPerFrame", 0.0)
            + plate.getDouble("decodeMsPerFrame", 0.0) + plate.getDouble("recogniseMsPerFrame", 0.0);
      }
    }
    JsonObject sum = new JsonObject().put("camerasKeptMeasured", kept)
        .put("camerasKeptPerCoreMeasured", round((double) kept / cores));
    say("");
    say(String.format("cameras kept recognising (every keyframe processed, none dropped), measured: %d on %d cores"
        + " = %.1f per core", kept, cores, (double) kept / cores));
    if (bestPerFrameMs > 0) {
      double perCore = args.keyframeEvery().toMillis() / bestPerFrameMs;
      sum.put("costMsPerKeyframe", round(bestPerFrameMs)).put("camerasPerCoreFromCost", round(perCore));
      say(String.format("from the cost of one keyframe at 1 camera (decode + recognisers, %.1f ms): %.1f cameras per core"
          + " at one keyframe every %s", bestPerFrameMs, perCore, Cli.format(args.keyframeEvery())));
    }
    JsonObject first = steps.isEmpty() ? null : steps.getJsonObject(0);
    Object decode = first == null ? null
        : first.getJsonObject("workers").getJsonObject("face", new JsonObject()).getValue("decodeMsPerFrame");
    if (decode instanceof Number d && cli.getDouble("cpuMsPerKeyframe") > 0) {
      double ratio = d.doubleValue() / cli.getDouble("cpuMsPerKeyframe");
      sum.put("decodeVsFfmpegCli", round(ratio));
      say(String.format("keyframe decode, gateway / ffmpeg CLI: %.2f ms / %.2f ms = %.2f (rates: %.1f / %.1f keyframes/s"
              + " per core)", d.doubleValue(), cli.getDouble("cpuMsPerKeyframe"), ratio, 1000 / d.doubleValue(),
          1000 / cli.getDouble("cpuMsPerKeyframe")));
    }
    result.put("summary", sum);
  }

  // ----------------------------------------------------------------------------------------- gateway API

  private void awaitRecognizers(Api api, RtspTarget.Gateway g) throws Exception {
    long deadline = System.nanoTime() + args.modelsTimeout().toNanos();
    List<String> wanted = args.plate().isEmpty() ? List.of("face") : List.of("face", "plate");
    String last = "";
    while (true) {
      JsonObject ready = new JsonObject(api.get("health/ready", null).body());
      JsonObject checks = ready.getJsonObject("checks", new JsonObject());
      boolean all = true;
      StringBuilder states = new StringBuilder();
      for (String w : wanted) {
        JsonObject c = checks.getJsonObject("recognition." + w, new JsonObject());
        all &= "UP".equals(c.getString("status"));
        states.append(w).append(": ").append(c.getString("detail", c.encode())).append("; ");
      }
      if (all) {
        say("recognizers ready: " + states);
        return;
      }
      if (!states.toString().equals(last)) {
        say("waiting for the recognizers: " + states);
        last = states.toString();
      }
      if (System.nanoTime() > deadline || !g.process.isAlive()) {
        throw new IOException("recognizers not ready within " + Cli.format(args.modelsTimeout()) + ": " + states);
      }
      Thread.sleep(1000);
    }
  }

  private void enrol(Api api, String token) throws Exception {
    String photo = Base64.getEncoder().encodeToString(Files.readAllBytes(args.enrolPhoto()));
    JsonObject body = new JsonObject().put("personId", "bench-person").put("name", "Benchmark Person")
        .put("reason", "benchmark").put("photos", new JsonArray().add(new JsonObject()
            .put("filename", args.enrolPhoto().getFileName().toString()).put("content", photo)));
    HttpResponse<String> r = api.post("api/v1/watchlist/persons", token, body);
    if (r.statusCode() != 201) {
      throw new IOException("enrolling the photo: " + r.statusCode() + " " + r.body());
    }
    say("enrolled " + args.enrolPhoto().getFileName() + " as bench-person");
    if (!args.plate().isEmpty()) {
      HttpResponse<String> h = api.post("api/v1/hotlist", token, new JsonObject().put("plate", args.plate())
          .put("reason", "stolen").put("note", "benchmark"));
      if (h.statusCode() / 100 != 2) {
        throw new IOException("putting " + args.plate() + " on the hotlist: " + h.statusCode() + " " + h.body());
      }
      say("hotlisted " + args.plate());
    }
  }

  /** The few calls the benchmark makes. */
  static final class Api {
    final URI base;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    Api(URI base) {
      this.base = base;
    }

    HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
      HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String token, JsonObject body) throws IOException, InterruptedException {
      HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(120))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String login(String user, String secret) throws IOException, InterruptedException {
      HttpResponse<String> r = post("api/v1/auth/token", null, new JsonObject().put("username", user).put("password", secret));
      if (r.statusCode() != 200) {
        throw new IOException("login as " + user + ": " + r.statusCode() + " " + r.body());
      }
      return new JsonObject(r.body()).getString("accessToken");
    }
  }

  /**
   * An SSE client following the hit events: for each, its receipt time here minus its {@code at} (the frame's
   * arrival at the gateway, same machine and clock). Reconnects with {@code Last-Event-ID} if the stream ends.
   */
  static final class HitFeed implements AutoCloseable {
    private final Api api;
    private final String token;
    private final List<long[]> seen = new ArrayList<>(); // {receivedAtMillis, latencyMillis}
    private volatile boolean closed;
    private volatile InputStream body;
    private String lastId;

    HitFeed(Api api, String token) {
      this.api = api;
      this.token = token;
    }

    void start() {
      Thread t = new Thread(this::loop, "hit-feed");
      t.setDaemon(true);
      t.start();
    }

    private void loop() {
      while (!closed) {
        try {
          HttpRequest.Builder b = HttpRequest.newBuilder(api.base.resolve(
                  "api/v1/events/stream?types=recognition.face.hit,recognition.plate.hit"))
              .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream");
          if (lastId != null) {
            b.header("Last-Event-ID", lastId);
          }
          HttpResponse<InputStream> r = api.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
          body = r.body();
          if (r.statusCode() != 200) {
            say("hit feed: " + r.statusCode() + " " + new String(body.readAllBytes(), StandardCharsets.UTF_8));
            Thread.sleep(1000);
            continue;
          }
          try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
              if (line.startsWith("id:")) {
                lastId = line.substring(3).trim();
              } else if (line.startsWith("data:")) {
                long now = System.currentTimeMillis();
                JsonObject e = new JsonObject(line.substring(5).trim());
                String at = e.getString("at");
                if (at != null && e.getString("type", "").startsWith("recognition.")) {
                  synchronized (seen) {
                    seen.add(new long[] {now, now - Instant.parse(at).toEpochMilli()});
                  }
                }
              }
            }
          }
        } catch (IOException | RuntimeException e) {
          if (!closed) {
            say("hit feed dropped (" + e + "), resuming");
          }
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    /** Latencies of the hits received in [from, to), sorted. */
    List<Long> latencies(long from, long to) {
      List<Long> out = new ArrayList<>();
      synchronized (seen) {
        for (long[] s : seen) {
          if (s[0] >= from && s[0] < to) {
            out.add(s[1]);
          }
        }
      }
      out.sort(null);
      return out;
    }

    @Override
    public void close() {
      closed = true;
      InputStream b = body;
      if (b != null) {
        try {
          b.close();
        } catch (IOException e) {
          // closing anyway
        }
      }
    }
  }

  /** The recognition series of one /metrics read, summed over cameras, per worker type. */
  record Metrics(Map<String, Worker> byWorker) {
    record Worker(double decodeCount, double decodeSum, double recogniseCount, double recogniseSum, double processed,
                  Map<String, Double> dropped) {
    }

    Set<String> workers() {
      return byWorker.keySet();
    }

    Worker worker(String w) {
      return byWorker.getOrDefault(w, new Worker(0, 0, 0, 0, 0, Map.of()));
    }

    static Metrics read(String text) {
      Map<String, double[]> v = new LinkedHashMap<>();
      Map<String, Map<String, Double>> dropped = new LinkedHashMap<>();
      for (String line : text.split("\n")) {
        if (line.startsWith("#") || !line.startsWith("gateway_recognition_")) {
          continue;
        }
        String w = RtspTarget.Prometheus.label(line, "worker");
        if (w == null) {
          continue;
        }
        double x = RtspTarget.Prometheus.value(line);
        int field = -1;
        if (line.startsWith("gateway_recognition_decode_seconds_count{")) {
          field = 0;
        } else if (line.startsWith("gateway_recognition_decode_seconds_sum{")) {
          field = 1;
        } else if (line.startsWith("gateway_recognition_recognise_seconds_count{")) {
          field = 2;
        } else if (line.startsWith("gateway_recognition_recognise_seconds_sum{")) {
          field = 3;
        } else if (line.startsWith("gateway_recognition_frames_processed_total{")) {
          field = 4;
        } else if (line.startsWith("gateway_recognition_frames_dropped_total{")) {
          dropped.computeIfAbsent(w, k -> new LinkedHashMap<>())
              .merge(String.valueOf(RtspTarget.Prometheus.label(line, "reason")), x, Double::sum);
          v.computeIfAbsent(w, k -> new double[5]);
        }
        if (field >= 0) {
          v.computeIfAbsent(w, k -> new double[5])[field] += x;
        }
      }
      Map<String, Worker> out = new LinkedHashMap<>();
      v.forEach((w, a) -> out.put(w, new Worker(a[0], a[1], a[2], a[3], a[4], dropped.getOrDefault(w, Map.of()))));
      return new Metrics(out);
    }
  }

  // ------------------------------------------------------------------------------------------- helpers

  /** Runs ffmpeg; its stderr and stdout together, or an exception with them when it fails. */
  private static String ffmpeg(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }

  static Long percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return null;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "?";
    }
  }

  private static String jarOf(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (Exception e) {
      return "target/safecity-load.jar";
    }
  }

  private static void deleteTree(Path dir) {
    try (var s = Files.walk(dir)) {
      s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp dir left behind
    }
  }

  static void say(String s) {
    System.out.println(s);
    System.out.flush();
  }
}
