package org.safecity.gateway;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.safecity.gateway.api.CameraStatus;
import org.safecity.gateway.api.Contract;
import org.safecity.gateway.api.RateLimiter;
import org.safecity.gateway.auth.Accounts;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.auth.SigningKeys;
import org.safecity.gateway.auth.Tokens;
import org.safecity.gateway.api.HttpVerticle;
import org.safecity.gateway.api.graphql.GraphQLRoutes;
import org.safecity.gateway.api.PlateRoutes;
import org.safecity.gateway.core.PlateFormats;
import org.safecity.gateway.recognition.Echallans;
import org.safecity.gateway.recognition.Hotlist;
import org.safecity.gateway.api.WatchlistRoutes;
import org.safecity.gateway.api.sse.StreamSlots;
import org.safecity.gateway.config.ConfigException;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.config.GatewayConfig;
import org.safecity.gateway.config.GatewayConfig.RtspConfig;
import org.safecity.gateway.config.NodeRole;
import org.safecity.gateway.config.Settings;
import org.safecity.gateway.cluster.ClusterMembership;
import org.safecity.gateway.cluster.HazelcastSetup;
import org.safecity.gateway.api.OpsVerticle;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.ops.Logging;
import org.safecity.gateway.ops.Readiness;
import org.safecity.gateway.ops.Readiness.Check;
import org.safecity.gateway.core.Box;
import org.safecity.gateway.core.CameraWatch;
import org.safecity.gateway.core.GeoPoint;
import org.safecity.gateway.devices.CameraEntry;
import org.safecity.gateway.devices.CredentialVerifier;
import org.safecity.gateway.devices.DeviceRegistry;
import org.safecity.gateway.health.BoxHealthService;
import org.safecity.gateway.health.BoxOwnership;
import org.safecity.gateway.health.CameraFrames;
import org.safecity.gateway.core.NodeLoss;
import org.safecity.gateway.incidents.AlarmProjector;
import org.safecity.gateway.incidents.Incidents;
import org.safecity.gateway.incidents.Outbox;
import org.safecity.gateway.mqtt.BoxCommands;
import org.safecity.gateway.mqtt.MqttVerticle;
import org.safecity.gateway.mqtt.PayloadValidator;
import org.safecity.gateway.recognition.Recognition;
import org.safecity.gateway.recognition.Watchlist;
import org.safecity.gateway.rtsp.PullSources;
import org.safecity.gateway.rtsp.RtspAuth;
import org.safecity.gateway.rtsp.RtspVerticle;
import org.safecity.gateway.rtsp.StreamHub;
import org.safecity.gateway.rtsp.UdpTransport;
import org.safecity.gateway.store.DeadLetters;
import org.safecity.gateway.store.Database;
import org.safecity.gateway.store.EmbeddedDatabase;
import org.safecity.gateway.store.EventLog;
import org.safecity.gateway.store.EventTail;
import org.safecity.gateway.store.Migrations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point: load config, start the store, deploy the edges, print where everything listens; on SIGTERM
 * stop accepting, let accepted work commit, close the store and exit 0.
 */
public final class Gateway {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final GatewayConfig config;
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Readiness readiness = new Readiness();
  private final List<String> edgeDeployments = Collections.synchronizedList(new ArrayList<>());
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final NodeRole role;
  private ClusterMembership membership;
  private EmbeddedDatabase embedded;
  private Vertx vertx;
  private Database database;
  private Database eventLogDatabase;
  private EventLog eventLog;
  private EventTail eventTail;
  private BoxOwnership ownership;
  private DeviceRegistry registry;
  private BoxHealthService health;
  private CameraFrames cameraFrames;
  private BoxCommands commands;
  private StreamHub streams;
  private Tokens tokens;
  private Outbox outbox;
  private AlarmProjector alarms;
  private CredentialVerifier accountSecrets;
  private Recognition recognition;

  private Gateway(GatewayConfig config) {
    this.config = config;
    this.role = config.node().role();
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("demo")) {
      org.safecity.gateway.demo.DemoCity.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    Optional<Path> file = Optional.empty();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--config" -> {
          if (i + 1 >= args.length) {
            exit(2, "--config needs a file name");
          }
          file = Optional.of(Path.of(args[++i]));
        }
        case "--print-default-config" -> {
          System.out.print(Settings.renderYaml());
          return;
        }
        case "-h", "--help" -> {
          System.out.println("usage: java -jar safecity-gateway.jar [--config FILE] [--print-default-config]");
          System.out.println("       java -jar safecity-gateway.jar demo [--help]   (a simulated city to try it on)");
          System.out.println("Settings come from FILE (default gateway-config/gateway.yaml if present) and SAFECITY_* variables.");
          return;
        }
        default -> exit(2, "unknown argument " + args[i] + " (try --help)");
      }
    }
    GatewayConfig config;
    try {
      config = ConfigLoader.load(file, System.getenv());
    } catch (ConfigException e) {
      exit(2, e.getMessage());
      return;
    }
    Logging.configure(config.log());
    Gateway gateway;
    try {
      gateway = start(config);
    } catch (ConfigException e) {
      exit(2, e.getMessage());
      return;
    } catch (Exception e) {
      LOG.error("start-up failed: {}", e.getMessage(), e);
      exit(1, "could not start: " + e.getMessage());
      return;
    }
    gateway.installSignalHandlers();
  }

  private static void exit(int code, String message) {
    System.err.println("safecity-gateway: " + message);
    System.exit(code);
  }

  /** Starts everything; blocks the calling thread (never an event loop) until ready or failed. */
  public static Gateway start(GatewayConfig config) throws Exception {
    Gateway g = new Gateway(config);
    try {
      g.startAll();
    } catch (Exception e) {
      g.stop();
      throw e;
    }
    return g;
  }

  private void startAll() throws Exception {
    Files.createDirectories(config.dataDir());
    String uri = config.store().url().orElseGet(() -> {
      embedded = EmbeddedDatabase.start(config.dataDir(), config.store().embeddedPort());
      return embedded.uri();
    });
    vertx = startVertx();
    vertx.exceptionHandler(e -> {
      StackTraceElement[] at = e.getStackTrace();
      if (at.length > 0 && at[0].getClassName().startsWith("io.vertx.mqtt")) {
        // A client broke the MQTT protocol (vertx-mqtt closes that connection): not worth an error per packet.
        LOG.debug("mqtt protocol violation: {}", e.getMessage());
      } else {
        LOG.error("unhandled error on an event loop", e);
      }
    });

    database = Database.connect(vertx, uri, config.store());
    Migrations migrations = Migrations.fromClasspath();
    Blocking.await(migrations.apply(database.pool()), START_TIMEOUT, "database migration");
    readiness.probe("store", () -> database.probe().map(v -> Check.ok()));
    // The event log gets connections of its own: a connect storm's session and registry queries queue in the
    // main pool and can never starve the commits that devices are waiting on.
    eventLogDatabase = Database.connect(vertx, uri, config.store(), "safecity-event-log", 3);
    eventLog = new EventLog(vertx, eventLogDatabase.pool(), config.eventLog(), metrics);
    readiness.section("cluster", membership::toJson);
    membership.register(metrics);

    if (!role.runsEdges()) {
      startWorker(store(uri));
      return;
    }
    // Every node's commits, from PostgreSQL, published on this node once and in order (SSE, GraphQL, projections).
    eventTail = new EventTail(vertx, eventLog, Database.connectOptions(uri), metrics);
    Blocking.await(eventTail.start(), START_TIMEOUT, "following the event log");
    Contract contract = Blocking.await(Contract.load(vertx), START_TIMEOUT, "OpenAPI contract");
    PayloadValidator validator = PayloadValidator.fromClasspath(config.mqtt().maxPayloadBytes(),
        PayloadValidator.DEFAULT_MAX_DEPTH);

    // Hashing plain secrets from the file takes one bcrypt per box: allow for large fleets.
    registry = Blocking.await(DeviceRegistry.start(vertx, database.pool(), config.devices().file(),
            config.devices().bcryptCost()), Duration.ofMinutes(30), "device registry");
    health = new BoxHealthService(vertx, eventLog, config.health(), Clock.systemUTC(), metrics, membership.clustered());
    streams = new StreamHub(vertx, metrics, Clock.systemUTC(), config.rtsp().gopCacheBytes());
    streams.start();
    // Made before recognition: e-challan events go through it.
    outbox = new Outbox(vertx, database.pool(), eventLog);
    if (config.recognition().enabled()) {
      recognition = new Recognition(vertx, config.recognition(), config.dataDir(), metrics, registry::camera,
          database.pool(), eventLog, outbox::kick, membership);
      // Workers anywhere in the cluster (this node's own too, in role all) announce themselves to this fan-out.
      Blocking.await(recognition.fanOut().listen(), START_TIMEOUT, "following the recognition workers");
      if (role.runsRecognitionWorkers()) {
        recognition.start(readiness);
      }
      streams.frameSink(recognition.fanOut());
    }
    health.reload(registry.boxes());
    java.util.function.ToLongFunction<String> lastFrame = streams::lastFrameMillis;
    if (membership.clustered()) {
      // A camera streams to one edge; every edge judges it from the newest frame time any edge saw.
      cameraFrames = new CameraFrames(vertx, membership.self().id(), streams::lastFrameMillis,
          () -> registry.cameras().stream().map(CameraEntry::id).toList());
      Blocking.await(cameraFrames.start(config.health().tickInterval()), START_TIMEOUT, "camera frame times");
      lastFrame = cameraFrames::lastFrameMillis;
    }
    java.util.function.ToLongFunction<String> frames = lastFrame;
    health.cameras(watched(registry.cameras()), frames);
    registry.onChange(snapshot -> {
      health.reload(snapshot.boxes().values());
      health.cameras(watched(snapshot.cameras().values()), frames);
    });
    health.start(config.health().tickInterval());
    if (membership.clustered()) {
      // A box is judged by the node holding its connection; lost nodes' boxes are taken over with a grace.
      ownership = new BoxOwnership(vertx, database.pool(), membership, health,
          new NodeLoss(config.cluster().reconnectGrace()), Clock.systemUTC(), metrics);
      Blocking.await(ownership.start(), START_TIMEOUT, "box ownership");
    }
    config.devices().file().ifPresent(f -> registry.watch(config.devices().reloadInterval()));
    commands = new BoxCommands(vertx, database.pool(), eventLog, validator);

    SigningKeys keys = SigningKeys.load(config.auth().algorithm(), config.auth().privateKeyFile(),
        config.auth().publicKeyFile(), config.dataDir());
    tokens = new Tokens(vertx, keys, config.auth(), Clock.systemUTC());
    // People logging in at once (a shift change, crews starting their apps) wait their turn rather than get 503:
    // 16 a core wait at most, about a second at the default cost.
    int cores = Runtime.getRuntime().availableProcessors();
    accountSecrets = new CredentialVerifier(vertx, config.auth().passwordBcryptCost(), cores, 16 * cores);
    Blocking.await(accountSecrets.init(), START_TIMEOUT, "account secrets");
    Accounts accounts = new Accounts(database.pool(), accountSecrets);
    Optional<String> generatedAdminSecret = Blocking.await(accounts.bootstrap(config.bootstrapAdminSecret()),
        START_TIMEOUT, "bootstrap administrator");
    RateLimiter limiter = new RateLimiter(config.auth().requestsPerSecond(), config.auth().requestBurst());
    vertx.setPeriodic(60_000, id -> limiter.sweep(System.nanoTime()));
    outbox.start();
    alarms = new AlarmProjector(vertx, database.pool(), outbox, this::locate);
    alarms.start();
    Incidents incidents = new Incidents(database.pool(), outbox, Clock.systemUTC());
    readiness.expect("http");
    var http = new HttpVerticle.Services(config.http(), contract, eventLog, readiness, metrics,
        new CameraStatus(registry, streams, health), accounts, tokens, new Audit(database.pool()), limiter, incidents,
        new HttpVerticle.BoxRoutesDeps(registry, health, commands, database.pool()),
        config.sse(), new StreamSlots(config.auth().maxStreamsPerPrincipal(), metrics), config.graphql(),
        new GraphQLRoutes.Subscriptions(metrics),
        new PlateRoutes.Deps(new Hotlist(database.pool()), new Echallans(database.pool(), config.recognition().echallanWindow()),
            new PlateFormats(config.recognition().plateFormats(), config.recognition().plateConfusions()), registry,
            database.pool(), new Audit(database.pool()),
            () -> recognition == null ? Future.succeededFuture() : recognition.reloadHotlist()),
        new WatchlistRoutes.Deps(recognition != null ? recognition.watchlist() : new Watchlist(database.pool()),
            Optional.ofNullable(recognition), database.pool(), config.watchlist()));
    // One instance per core: SSE stream opens (token checks, replay queries) and GraphQL no longer queue behind
    // each other on one event loop; each instance has its own SSE hub fed by the same bus publish.
    deployEdge(() -> new HttpVerticle(http), perCore(config.http().instances()), "http");
    if (config.mqtt().enabled()) {
      readiness.expect("mqtt");
      var services = new MqttVerticle.Services(config.mqtt(), registry, validator, eventLog,
          new DeadLetters(database.pool()), health, commands, database.pool(), metrics);
      deployEdge(() -> new MqttVerticle(services), perCore(config.mqtt().instances()), "mqtt");
    }
    if (config.rtsp().enabled()) {
      readiness.expect("rtsp");
      RtspConfig rc = config.rtsp();
      UdpTransport udp = null;
      if (rc.udp()) {
        udp = new UdpTransport(rc.host(), rc.udpRtpPort(), rc.udpRtcpPort());
        edgeDeployments.add(Blocking.await(vertx.deployVerticle(udp), START_TIMEOUT, "rtsp udp"));
      }
      AtomicInteger connections = new AtomicInteger();
      PullSources pulls = new PullSources(rc, registry, streams, udp, metrics, membership);
      var services = new RtspVerticle.Services(rc, registry, new RtspAuth(registry, tokens, Clock.systemUTC()), streams, udp,
          new RtspVerticle.Metrics(metrics, connections), connections, pulls);
      deployEdge(() -> new RtspVerticle(services), perCore(rc.instances()), "rtsp");
      // Undeployed with the edges in stop(), so every pull session ends before the hub closes its streams.
      edgeDeployments.add(Blocking.await(vertx.deployVerticle(pulls), START_TIMEOUT, "rtsp pull sources"));
    }

    String store = store(uri);
    String host = shown(config.http().host());
    String banner = String.join(System.lineSeparator(),
        "SafeCity Gateway is up (config: " + config.source() + ")",
        "  Node     " + nodeLine(),
        "  API      http://" + host + ":" + config.http().port() + "/api/v1/events",
        "  GraphQL  http://" + host + ":" + config.http().port() + "/graphql (POST; WebSocket graphql-transport-ws)",
        "  Ready    http://" + host + ":" + config.http().port() + "/health/ready",
        "  Metrics  http://" + host + ":" + config.http().port() + "/metrics",
        config.mqtt().enabled() ? "  MQTT     mqtt" + (config.mqtt().tls() ? "s" : "") + "://" + shown(config.mqtt().host())
            + ":" + config.mqtt().port() + " (" + registry.boxes().size() + " boxes registered)" : "  MQTT     disabled",
        config.rtsp().enabled() ? "  RTSP     rtsp://" + shown(config.rtsp().host()) + ":" + config.rtsp().port()
            + "/<cameraId> (" + registry.cameras().size() + " cameras registered" + (config.rtsp().udp()
            ? ", UDP " + config.rtsp().udpRtpPort() + "-" + config.rtsp().udpRtcpPort() : ", TCP only") + ")" : "  RTSP     disabled",
        "  Store    " + store);
    System.out.println(banner);
    generatedAdminSecret.ifPresent(secret -> System.out.println(String.join(System.lineSeparator(),
        "  Admin    username 'admin', password " + secret,
        "           (generated on first start and shown only now; set " + Accounts.BOOTSTRAP_ENV + " to choose it)")));
    LOG.info("gateway started http={} store={}", config.http().port(), embedded != null ? "embedded" : "external");
  }

  /**
   * Vert.x, clustered when {@code cluster.enabled}: the event bus then spans every node (Hazelcast as the cluster
   * manager, configured in code by {@link HazelcastSetup}) and {@link #membership} follows the members.
   */
  private Vertx startVertx() throws Exception {
    VertxOptions options = new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true));
    var builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory(metrics));
    if (!config.cluster().enabled()) {
      membership = ClusterMembership.single(config.node().name(), role);
      return builder.with(options).build();
    }
    var cluster = config.cluster();
    options.getEventBusOptions().setHost(cluster.host()).setPort(cluster.busPort()).setClusterPublicHost(cluster.host());
    HazelcastClusterManager manager = new HazelcastClusterManager(HazelcastSetup.config(cluster, config.node()));
    Vertx clustered = Blocking.await(builder.with(options).withClusterManager(manager).buildClustered(),
        START_TIMEOUT, "joining the cluster " + cluster.members());
    membership = ClusterMembership.of(manager.getHazelcastInstance());
    long sameName = membership.members().stream().filter(n -> n.name().equals(config.node().name())).count();
    if (sameName > 1) {
      vertx = clustered;
      throw new ConfigException("node.name " + config.node().name() + " is already taken by another member of the cluster; "
          + "every node needs its own name");
    }
    LOG.info("joined the cluster as {} ({}): {} members", config.node().name(), role.wire(), membership.members().size());
    return clustered;
  }

  /** A recognition worker: the store (hits are committed events), the recognizers and the ops endpoints only. */
  private void startWorker(String store) throws Exception {
    Blocking.await(BoxOwnership.started(database.pool(), membership.self()), START_TIMEOUT, "recording this node");
    if (config.recognition().enabled()) {
      // No device registry here: each sampled frame carries what the recognizers need of its camera (region,
      // location, enforcement rule) from the edge that took it. E-challan events wait for an edge's outbox poll.
      recognition = new Recognition(vertx, config.recognition(), config.dataDir(), metrics, id -> Optional.empty(),
          database.pool(), eventLog, () -> { }, membership);
      recognition.start(readiness);
    } else {
      readiness.set("recognition", Check.failed("recognition.enabled is false: this worker has nothing to do"));
    }
    readiness.expect("http");
    deployEdge(() -> new OpsVerticle(config.http(), readiness, metrics), 1, "http");
    System.out.println(String.join(System.lineSeparator(),
        "SafeCity Gateway is up (config: " + config.source() + ")",
        "  Node     " + nodeLine(),
        "  Ready    http://" + shown(config.http().host()) + ":" + config.http().port() + "/health/ready (ops endpoints only)",
        "  Store    " + store));
    LOG.info("recognition worker started http={}", config.http().port());
  }

  private String nodeLine() {
    return config.node().name() + " (" + role.wire() + (membership.clustered()
        ? ", cluster " + config.cluster().host() + ":" + config.cluster().port() + ", " + membership.members().size()
        + " members)" : ", unclustered)");
  }

  private String store(String uri) {
    return embedded != null ? "embedded PostgreSQL on 127.0.0.1:" + embedded.port()
        + " (data " + config.dataDir().resolve("postgres").toAbsolutePath() + ")" : "PostgreSQL " + redact(uri);
  }

  /** Where a box or camera is installed, for incidents raised about it. */
  private Optional<GeoPoint> locate(String deviceId) {
    return registry.box(deviceId).map(Box::location).or(() -> registry.camera(deviceId).map(CameraEntry::location));
  }

  /**
   * The cameras whose silence means trouble: with rtsp.pullOnDemand a pulled camera is silent whenever nobody
   * reads it, so it is left out rather than reported stalled and offline all day.
   */
  private List<CameraWatch.Camera> watched(java.util.Collection<CameraEntry> cameras) {
    boolean onDemand = config.rtsp().enabled() && config.rtsp().pullOnDemand();
    return cameras.stream().filter(c -> !(onDemand && c.source().isPresent()))
        .map(c -> new CameraWatch.Camera(c.id(), c.boxId(), c.region())).toList();
  }

  /** A wildcard bind address is shown as localhost, which is what a person on this machine types. */
  private static String shown(String bindHost) {
    return "0.0.0.0".equals(bindHost) ? "localhost" : bindHost;
  }

  /** An edge's instance count: as configured, or one per core for 0. */
  private static int perCore(int configured) {
    return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
  }

  private void deployEdge(Supplier<Deployable> verticle, int instances, String part) throws Exception {
    String id = Blocking.await(vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(instances)),
        START_TIMEOUT, part + " edge");
    edgeDeployments.add(id);
    readiness.set(part, Check.ok());
  }

  /**
   * Graceful stop, bounded by {@code shutdown.timeout}: close the edges (no new work), let the event log
   * commit what it accepted, then close the pool, Vert.x and the embedded database. Blocks; idempotent.
   *
   * @return true when everything stopped in time
   */
  public boolean stop() {
    if (!stopping.compareAndSet(false, true)) {
      return true;
    }
    long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
    boolean clean = true;
    readiness.set("gateway", Check.failed("stopping"));
    if (ownership != null) {
      // Before the edges close: their disconnects are not the boxes' doing, and this stop is no node loss.
      clean &= step(ownership.stop(), deadline, "handing the boxes over");
    } else if (membership != null && membership.clustered() && database != null) {
      clean &= step(BoxOwnership.stopped(database.pool(), membership.self().id()), deadline, "recording the stop");
    }
    if (vertx != null) {
      List<Future<?>> undeploys = new ArrayList<>();
      synchronized (edgeDeployments) {
        edgeDeployments.forEach(id -> undeploys.add(vertx.undeploy(id)));
      }
      clean &= step(Future.join(undeploys), deadline, "closing the edges");
      if (streams != null) {
        streams.stop();
      }
      if (recognition != null) {
        clean &= step(recognition.stop(), deadline, "stopping the recognition workers");
      }
      if (cameraFrames != null) {
        clean &= step(cameraFrames.stop(), deadline, "stopping the camera frame times");
      }
      if (health != null) {
        health.stop();
        // Alarms derived from messages the boxes already had acknowledged are written before the log closes.
        clean &= step(health.flush(), deadline, "writing the health outcomes");
      }
      if (alarms != null) {
        alarms.stop();
      }
      if (outbox != null) {
        outbox.stop();
      }
      if (eventLog != null) {
        int pending = eventLog.pending();
        clean &= step(eventLog.close(), deadline, "committing " + pending + " queued events");
      }
      if (eventTail != null) {
        clean &= step(eventTail.stop(), deadline, "closing the event log's LISTEN connection");
      }
      if (registry != null) {
        clean &= step(registry.close(), deadline, "closing the device registry");
      }
      if (accountSecrets != null) {
        clean &= step(accountSecrets.close(), deadline, "closing the account secret checkers");
      }
      if (eventLogDatabase != null) {
        clean &= step(eventLogDatabase.close(), deadline, "closing the event log's pool");
      }
      if (database != null) {
        clean &= step(database.close(), deadline, "closing the database pool");
      }
      clean &= step(vertx.close(), deadline, "stopping Vert.x");
    }
    if (embedded != null) {
      embedded.close();
    }
    LOG.info("gateway stopped clean={}", clean);
    return clean;
  }

  private static boolean step(Future<?> f, long deadline, String what) {
    try {
      Blocking.await(f, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())), what);
      return true;
    } catch (Exception e) {
      LOG.error("shutdown step failed: {}: {}", what, e.getMessage());
      return false;
    }
  }

  @SuppressWarnings("restriction")
  private void installSignalHandlers() {
    sun.misc.SignalHandler handler = sig -> {
      Thread t = new Thread(() -> {
        LOG.info("received SIG{}, stopping", sig.getName());
        boolean clean = stop();
        System.exit(clean ? 0 : 1);
      }, "shutdown");
      t.start();
    };
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), handler);
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), handler);
  }

  private static String redact(String uri) {
    return uri.replaceAll("//([^:/@]+):[^@]*@", "//$1:***@");
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Issues and checks API tokens (tests mint tokens for their principals with it). */
  public Tokens tokens() {
    return tokens;
  }

  /** Every camera's live stream and stats. */
  public StreamHub streams() {
    return streams;
  }

  /** Recognition on this node; empty when recognition.enabled is false. */
  public Optional<Recognition> recognition() {
    return Optional.ofNullable(recognition);
  }

  public EventLog eventLog() {
    return eventLog;
  }

  public Database database() {
    return database;
  }

  public BoxCommands commands() {
    return commands;
  }

  public DeviceRegistry registry() {
    return registry;
  }

  public Readiness readiness() {
    return readiness;
  }

  public GatewayConfig config() {
    return config;
  }

  /** The cluster as this node sees it (a cluster of one when unclustered). */
  public ClusterMembership membership() {
    return membership;
  }

}
