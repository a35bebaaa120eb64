package org.safecity.gateway.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.safecity.gateway.Gateway;
import org.safecity.gateway.config.ConfigException;
import org.safecity.gateway.config.ConfigLoader;
import org.safecity.gateway.config.GatewayConfig;
import org.safecity.gateway.ops.Blocking;
import org.safecity.gateway.ops.Logging;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar safecity-gateway.jar demo}: the gateway on its embedded defaults, in a data directory of its
 * own, together with a simulated city that uses it the way real devices and people do — cameras pushing H.264
 * over RTSP, street boxes on MQTT, ERV crews posting positions over REST — and a scripted incident every so often.
 *
 * <p>The simulators run in this JVM on a Vert.x instance of their own and reach the gateway only through its
 * sockets, so nothing of the demo is active in a normal run, and nothing in the gateway knows the demo is there.
 */
public final class DemoCity {

  private static final Logger LOG = LoggerFactory.getLogger(DemoCity.class);
  private static final Duration SET_UP_TIMEOUT = Duration.ofSeconds(60);
  /** Simulated devices are throw-away and their secrets random: hashing them at the lowest cost saves start time. */
  private static final String DEVICE_BCRYPT_COST = "4";
  static final String HOTLIST_REASON = "stolen";

  private final DemoOptions options;
  private final GatewayConfig config;
  private final DemoCredentials credentials;
  private final CityPlan plan;
  private Gateway gateway;
  private Vertx sims;
  private final List<DemoCamera> cameras = new ArrayList<>();
  private final List<DemoBox> boxes = new ArrayList<>();

  private DemoCity(DemoOptions options, GatewayConfig config, DemoCredentials credentials, CityPlan plan) {
    this.options = options;
    this.config = config;
    this.credentials = credentials;
    this.plan = plan;
  }

  public static void main(String[] args) {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (DemoOptions.HelpRequested h) {
      System.out.println(DemoOptions.USAGE);
      return;
    } catch (IllegalArgumentException e) {
      exit(2, "demo: " + e.getMessage() + " (try demo --help)");
      return;
    }
    DemoCity city;
    try {
      city = prepare(options, System.getenv());
    } catch (ConfigException e) {
      exit(2, e.getMessage());
      return;
    } catch (IOException e) {
      exit(1, "demo: cannot prepare its data directory: " + e.getMessage());
      return;
    }
    Logging.configure(city.config.log());
    // Two dozen simulated boxes each logging their connection would bury the lines a person watches for.
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.vertx.mqtt.impl.MqttClientImpl"))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    try {
      city.start();
    } catch (Exception e) {
      LOG.error("demo start-up failed: {}", e.getMessage(), e);
      city.stop();
      exit(1, "could not start the demo: " + e.getMessage());
      return;
    }
    city.installSignalHandlers();
  }

  private static void exit(int code, String message) {
    System.err.println("safecity-gateway: " + message);
    System.exit(code);
  }

  /**
   * The demo's configuration: the gateway's usual settings (file and environment: ports, logging ...) with the
   * data directory, the store and the devices replaced by the demo's own, so a demo never touches a normal run's
   * data or a configured PostgreSQL server.
   */
  static DemoCity prepare(DemoOptions options, Map<String, String> environment) throws IOException {
    GatewayConfig usual = ConfigLoader.load(options.config(), environment);
    Path dataDir = options.dataDir().orElseGet(() -> Path.of(usual.dataDir() + "-demo")).normalize();
    DemoCredentials credentials = DemoCredentials.loadOrCreate(dataDir);
    CityPlan plan = new CityPlan(options.boxes(), options.cameras(), credentials);
    Path devices = dataDir.resolve("devices.yaml");
    Path tmp = dataDir.resolve("devices.yaml.tmp");
    Files.writeString(tmp, plan.devicesYaml(), StandardCharsets.UTF_8);
    Files.move(tmp, devices, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

    Map<String, String> env = new HashMap<>(environment);
    env.put("SAFECITY_DATA_DIR", dataDir.toString());
    env.put("SAFECITY_STORE_URL", "");
    env.put("SAFECITY_DEVICES_FILE", devices.toString());
    env.put("SAFECITY_DEVICES_BCRYPT_COST", DEVICE_BCRYPT_COST);
    env.put("SAFECITY_MQTT_ENABLED", "true");
    env.put("SAFECITY_RTSP_ENABLED", "true");
    env.put("SAFECITY_BOOTSTRAP_ADMIN_SECRET", credentials.admin());
    return new DemoCity(options, ConfigLoader.load(options.config(), env), credentials, plan);
  }

  private void start() throws Exception {
    gateway = Gateway.start(config);
    sims = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(1));
    String httpHost = loopbackIfWildcard(config.http().host());
    int httpPort = config.http().port();

    // People first: the accounts and units the city's crews and the person evaluating it log in with.
    DemoApi admin = new DemoApi(sims, httpHost, httpPort, "admin", credentials.admin());
    Blocking.await(admin.login().recover(e -> Future.failedFuture(new IllegalStateException(e.getMessage()
            + " (the demo's data directory " + config.dataDir() + " has another admin password than its "
            + DemoCredentials.FILE + "; delete the directory to start over)"))), SET_UP_TIMEOUT, "demo admin login");
    Blocking.await(ensure(admin, "/api/v1/accounts", new JsonObject().put("id", DemoCredentials.OPERATOR)
        .put("kind", "user").put("role", "operator").put("secret", credentials.operator())), SET_UP_TIMEOUT, "operator");
    for (CityPlan.UnitPlan u : plan.units) {
      Blocking.await(ensure(admin, "/api/v1/units", new JsonObject().put("id", u.id()).put("region", u.region())),
          SET_UP_TIMEOUT, "unit " + u.id());
      Blocking.await(ensure(admin, "/api/v1/accounts", new JsonObject().put("id", u.crew()).put("kind", "user")
          .put("role", "erv-crew").put("unit", u.id()).put("regions", new JsonArray().add(u.region()))
          .put("secret", credentials.crew())), SET_UP_TIMEOUT, "crew " + u.crew());
    }
    // The hotlisted-plate scene's car, on the list as a supervisor or administrator puts it there.
    Blocking.await(admin.post("/api/v1/hotlist", new JsonObject().put("plate", DemoClip.HOTLISTED_PLATE)
            .put("reason", HOTLIST_REASON).put("note", "demo city: the car of the hotlisted-plate scene"))
        .compose(r -> r.ok() ? Future.<Void>succeededFuture()
            : Future.failedFuture(new DemoApi.Refused("POST /api/v1/hotlist " + DemoClip.HOTLISTED_PLATE, r))),
        SET_UP_TIMEOUT, "hotlist");
    Blocking.await(admin.close(), SET_UP_TIMEOUT, "demo admin");

    // Devices: every camera and box is a verticle of its own, spread over the simulators' event loops.
    DemoClip clip = DemoClip.shipped();
    String rtspHost = loopbackIfWildcard(config.rtsp().host());
    Map<String, DemoCamera> byId = new HashMap<>();
    long seed = credentials.seed().hashCode();
    for (CityPlan.CameraPlan c : plan.cameras) {
      DemoCamera cam = new DemoCamera(c.id(), c.id(), c.publishSecret(), rtspHost, config.rtsp().port(), clip,
          seed ^ c.id().hashCode());
      cameras.add(cam);
      byId.put(c.id(), cam);
    }
    String mqttHost = loopbackIfWildcard(config.mqtt().host());
    for (CityPlan.BoxPlan b : plan.boxes) {
      boxes.add(new DemoBox(b, b.cameras().stream().map(byId::get).toList(), mqttHost, config.mqtt().port(),
          config.mqtt().tls(), options.boxKeepalive(), seed ^ b.id().hashCode()));
    }
    List<Future<?>> deployed = new ArrayList<>();
    cameras.forEach(c -> deployed.add(sims.deployVerticle(c)));
    boxes.forEach(b -> deployed.add(sims.deployVerticle(b)));
    for (CityPlan.UnitPlan u : plan.units) {
      deployed.add(sims.deployVerticle(new ErvCrew(u, new DemoApi(sims, httpHost, httpPort, u.crew(), credentials.crew()))));
    }
    HotlistPlateScene plate = new HotlistPlateScene(Set.copyOf(plan.enforcementCameras().values()),
        DemoClip.hotlistedCar(), clip);
    plate.watch(sims, new DemoApi(sims, httpHost, httpPort, "anonymous", ""));
    List<IncidentScript.Scene> scenes = IncidentScript.defaultScenes(boxes, plate);
    deployed.add(sims.deployVerticle(new IncidentScript(boxes, scenes, options.firstIncidentAfter(),
        options.incidentEvery(), options.incidentStep(), options.recoverAfter())));
    Blocking.await(Future.all(deployed), SET_UP_TIMEOUT, "demo simulators");
    System.out.println(banner(IncidentScript.described(scenes)));
    reportWhenUp(System.nanoTime());
  }

  private String banner(List<String> scenes) {
    String http = "http://" + shown(config.http().host()) + ":" + config.http().port();
    CityPlan.UnitPlan first = plan.units.get(0);
    List<String> lines = new ArrayList<>(List.of(
        "SafeCity demo city: " + plan.cameras.size() + " cameras and " + plan.boxes.size() + " street boxes in "
            + String.join(" and ", CityPlan.REGIONS.stream().map(CityPlan.Region::name).toList()) + ", ERV units "
            + String.join(" and ", plan.units.stream().map(CityPlan.UnitPlan::id).toList()),
        "  Console  " + http + "/  (log in with one of these)",
        "  Login    admin / " + credentials.admin() + "  (administrator)",
        "  Login    " + DemoCredentials.OPERATOR + " / " + credentials.operator() + "  (command centre)",
        "  Login    " + first.crew() + " / " + credentials.crew() + "  (ERV crew of " + first.id() + ", region "
            + first.region() + "; the other crews have the same password)"));
    if (!plan.cameras.isEmpty()) {
      lines.add("  Video    ffplay -rtsp_transport tcp rtsp://" + DemoCredentials.VIEWER + ":" + credentials.viewer()
          + "@" + shown(config.rtsp().host()) + ":" + config.rtsp().port() + "/" + plan.cameras.get(0).id());
    }
    lines.add("  Hotlist  " + DemoClip.HOTLISTED_PLATE + " (" + HOTLIST_REASON + ")" + (plan.cameras.isEmpty() ? ""
        : "; red-light cameras (e-challans): " + String.join(", ", plan.enforcementCameras().values())));
    lines.add("  Script   first incident in " + seconds(options.firstIncidentAfter()) + ", then one every "
        + seconds(options.incidentEvery()) + ", in turn: " + String.join(", ", scenes)
        + " (the log says 'demo incident')");
    lines.add("  State    " + config.dataDir().toAbsolutePath().normalize()
        + " (the demo's own; delete it to start over)");
    return String.join(System.lineSeparator(), lines);
  }

  /** Logs once every camera streams and every box is online (or what is still missing after a minute). */
  private void reportWhenUp(long since) {
    sims.setTimer(1000, t -> {
      long streaming = cameras.stream().filter(DemoCamera::streaming).count();
      long online = boxes.stream().filter(DemoBox::online).count();
      boolean all = streaming == cameras.size() && online == boxes.size();
      boolean late = System.nanoTime() - since > SET_UP_TIMEOUT.toNanos();
      if (all || late) {
        LOG.info("demo city up: {}/{} cameras streaming, {}/{} boxes online after {} s", streaming, cameras.size(),
            online, boxes.size(), (System.nanoTime() - since) / 1_000_000_000L);
      } else {
        reportWhenUp(since);
      }
    });
  }

  /** Creates {@code body} at {@code path}; one that exists already (a restarted demo) is fine. */
  private static Future<Void> ensure(DemoApi api, String path, JsonObject body) {
    return api.post(path, body).compose(r -> r.ok() || r.status() == 409 ? Future.<Void>succeededFuture()
        : Future.failedFuture(new DemoApi.Refused("POST " + path + " " + body.getString("id"), r)));
  }

  /** Stops the simulators (boxes say goodbye), then the gateway. Blocks; bounded. */
  boolean stop() {
    if (sims != null) {
      try {
        Blocking.await(sims.close(), Duration.ofSeconds(10), "stopping the demo simulators");
      } catch (Exception e) {
        LOG.warn("demo simulators did not stop cleanly: {}", e.getMessage());
      }
    }
    return gateway == null || gateway.stop();
  }

  @SuppressWarnings("restriction")
  private void installSignalHandlers() {
    sun.misc.SignalHandler handler = sig -> new Thread(() -> {
      LOG.info("received SIG{}, stopping the demo", sig.getName());
      System.exit(stop() ? 0 : 1);
    }, "shutdown").start();
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), handler);
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), handler);
  }

  /** Where a simulator connects to reach a server bound to {@code host}. */
  static String loopbackIfWildcard(String host) {
    return host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
  }

  private static String shown(String host) {
    return host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }
}
