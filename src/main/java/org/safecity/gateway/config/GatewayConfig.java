package org.safecity.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The whole configuration, typed. Built only by {@link ConfigLoader}, so every value here was validated. */
public record GatewayConfig(
    Path dataDir,
    StoreConfig store,
    EventLogConfig eventLog,
    HttpConfig http,
    GraphQLConfig graphql,
    AuthConfig auth,
    SseConfig sse,
    MqttConfig mqtt,
    RtspConfig rtsp,
    DevicesConfig devices,
    HealthConfig health,
    RecognitionConfig recognition,
    NodeConfig node,
    ClusterConfig cluster,
    WatchlistConfig watchlist,
    LogConfig log,
    Duration shutdownTimeout,
    String source,
    Optional<String> bootstrapAdminSecret) {

  /** The bootstrap secret is a credential: it never appears when the config is logged. */
  @Override
  public String toString() {
    return "GatewayConfig[source=" + source + ", http=" + http + ", mqtt=" + mqtt + ", rtsp=" + rtsp + "]";
  }

  /** {@code url} empty means: start the embedded PostgreSQL. */
  public record StoreConfig(Optional<String> url, int poolSize, int embeddedPort, Duration connectTimeout) {
  }

  public record EventLogConfig(int maxBatch, int maxPending) {
  }

  public record HttpConfig(String host, int port, int maxBodyBytes, int instances, TrustedProxies trustedProxies) {
  }

  /** Limits of GraphQL operations, checked before they run. */
  public record GraphQLConfig(int maxDepth, int maxComplexity) {
  }

  /** Empty key files: generate a key pair under data.dir/keys on first start. */
  public record AuthConfig(String algorithm, Optional<Path> privateKeyFile, Optional<Path> publicKeyFile, String issuer,
                           String audience, Duration tokenLifetime, Duration clockSkew, int passwordBcryptCost,
                           int requestsPerSecond, int requestBurst, int maxStreamsPerPrincipal) {
  }

  /** The event stream: heartbeat interval, how far back a resume may replay, and each stream's queue bound. */
  public record SseConfig(Duration heartbeat, int replayWindow, int maxQueuedEvents, int recentEvents) {
  }

  public record MqttConfig(boolean enabled, String host, int port, int instances, Optional<Path> tlsCertFile,
                           Optional<Path> tlsKeyFile, Optional<Path> tlsClientCaFile, int maxPayloadBytes,
                           int maxPacketBytes, int maxConnections, Duration connectTimeout, Duration sessionExpiry) {
    public boolean tls() {
      return tlsCertFile.isPresent();
    }
  }

  public record RtspConfig(boolean enabled, String host, int port, int instances, int udpRtpPort, int udpRtcpPort,
                           int maxHeaderBytes, int maxSdpBytes, int maxSessionsPerConnection, int maxReadersPerCamera,
                           int maxConnections, Duration sessionTimeout, int gopCacheBytes, int readerBacklogBytes,
                           Duration pullRetryMin, Duration pullRetryMax, boolean pullOnDemand) {
    public boolean udp() {
      return udpRtpPort > 0;
    }
  }

  public record DevicesConfig(Optional<Path> file, int bcryptCost, Duration reloadInterval) {
  }

  public record HealthConfig(Duration boxSilentAfter, Duration theftWindow, Duration batteryCriticalBelow,
                             Duration cameraStalledAfter, Duration cameraOfflineAfter, Duration tickInterval) {
  }

  /**
   * {@code sampleMode}: "keyframes" or "fps"; {@code modelsDir} empty: {@code data.dir/models}; plate formats and
   * confusions as {@link org.safecity.gateway.core.PlateFormats} takes them (checked by the loader).
   */
  public record RecognitionConfig(boolean enabled, String sampleMode, int maxFps, Duration deadline, int threads,
                                  int credits, int maxGopBytes, Optional<Path> modelsDir, boolean fetchModels, int faceMinSimilarity,
                                  Duration faceRepeatAfter, List<String> plateFormats, List<String> plateConfusions,
                                  int plateMinConfidence, Duration plateRepeatAfter, Duration echallanWindow,
                                  ZoneId enforcementTimeZone) {
  }

  /** {@code name} is never empty here: the loader fills in the default. */
  public record NodeConfig(NodeRole role, String name) {
  }

  /** {@code members}: host:port entries, parsed and checked by the loader. */
  public record ClusterConfig(boolean enabled, String name, String host, int port, int busPort,
                              java.util.List<String> members, Duration failureTimeout, Duration reconnectGrace) {
  }

  /** Bounds on the photos enrolled over the API ({@code POST /api/v1/watchlist/persons}). */
  public record WatchlistConfig(int maxPhotoBytes, int maxUploadBytes, int maxPhotoPixels) {
  }

  public record LogConfig(String level, String format) {
  }

  static GatewayConfig from(Map<String, Object> v, String source, Optional<String> bootstrapAdminSecret) {
    return new GatewayConfig(
        Path.of((String) v.get("data.dir")),
        new StoreConfig(nonEmpty(v.get("store.url")), (int) v.get("store.poolSize"), (int) v.get("store.embeddedPort"),
            (Duration) v.get("store.connectTimeout")),
        new EventLogConfig((int) v.get("eventLog.maxBatch"), (int) v.get("eventLog.maxPending")),
        new HttpConfig((String) v.get("http.host"), (int) v.get("http.port"), (int) v.get("http.maxBodyBytes"),
            (int) v.get("http.instances"), TrustedProxies.parse((String) v.get("http.trustedProxies"))),
        new GraphQLConfig((int) v.get("graphql.maxDepth"), (int) v.get("graphql.maxComplexity")),
        new AuthConfig((String) v.get("auth.algorithm"), nonEmpty(v.get("auth.privateKeyFile")).map(Path::of),
            nonEmpty(v.get("auth.publicKeyFile")).map(Path::of), (String) v.get("auth.issuer"), (String) v.get("auth.audience"),
            (Duration) v.get("auth.tokenLifetime"), (Duration) v.get("auth.clockSkew"), (int) v.get("auth.passwordBcryptCost"),
            (int) v.get("auth.requestsPerSecond"), (int) v.get("auth.requestBurst"), (int) v.get("auth.maxStreamsPerPrincipal")),
        new SseConfig((Duration) v.get("sse.heartbeat"), (int) v.get("sse.replayWindow"), (int) v.get("sse.maxQueuedEvents"),
            (int) v.get("sse.recentEvents")),
        new MqttConfig((boolean) v.get("mqtt.enabled"), (String) v.get("mqtt.host"), (int) v.get("mqtt.port"),
            (int) v.get("mqtt.instances"),
            nonEmpty(v.get("mqtt.tlsCertFile")).map(Path::of), nonEmpty(v.get("mqtt.tlsKeyFile")).map(Path::of),
            nonEmpty(v.get("mqtt.tlsClientCaFile")).map(Path::of),
            (int) v.get("mqtt.maxPayloadBytes"), (int) v.get("mqtt.maxPacketBytes"), (int) v.get("mqtt.maxConnections"),
            (Duration) v.get("mqtt.connectTimeout"), (Duration) v.get("mqtt.sessionExpiry")),
        new RtspConfig((boolean) v.get("rtsp.enabled"), (String) v.get("rtsp.host"), (int) v.get("rtsp.port"),
            (int) v.get("rtsp.instances"), (int) v.get("rtsp.udpRtpPort"), (int) v.get("rtsp.udpRtcpPort"),
            (int) v.get("rtsp.maxHeaderBytes"), (int) v.get("rtsp.maxSdpBytes"), (int) v.get("rtsp.maxSessionsPerConnection"),
            (int) v.get("rtsp.maxReadersPerCamera"), (int) v.get("rtsp.maxConnections"), (Duration) v.get("rtsp.sessionTimeout"),
            (int) v.get("rtsp.gopCacheBytes"), (int) v.get("rtsp.readerBacklogBytes"), (Duration) v.get("rtsp.pullRetryMin"),
            (Duration) v.get("rtsp.pullRetryMax"), (boolean) v.get("rtsp.pullOnDemand")),
        new DevicesConfig(nonEmpty(v.get("devices.file")).map(Path::of), (int) v.get("devices.bcryptCost"),
            (Duration) v.get("devices.reloadInterval")),
        new HealthConfig((Duration) v.get("health.boxSilentAfter"), (Duration) v.get("health.theftWindow"),
            (Duration) v.get("health.batteryCriticalBelow"), (Duration) v.get("health.cameraStalledAfter"),
            (Duration) v.get("health.cameraOfflineAfter"), (Duration) v.get("health.tickInterval")),
        new RecognitionConfig((boolean) v.get("recognition.enabled"), (String) v.get("recognition.sampleMode"),
            (int) v.get("recognition.maxFps"), (Duration) v.get("recognition.deadline"), (int) v.get("recognition.threads"),
            (int) v.get("recognition.credits"), (int) v.get("recognition.maxGopBytes"), nonEmpty(v.get("recognition.modelsDir")).map(Path::of),
            (boolean) v.get("recognition.fetchModels"), (int) v.get("recognition.faceMinSimilarity"),
            (Duration) v.get("recognition.faceRepeatAfter"), strings(v.get("recognition.plateFormats")),
            strings(v.get("recognition.plateConfusions")), (int) v.get("recognition.plateMinConfidence"),
            (Duration) v.get("recognition.plateRepeatAfter"), (Duration) v.get("recognition.echallanWindow"),
            zone((String) v.get("recognition.enforcementTimeZone"))),
        new NodeConfig(NodeRole.parse((String) v.get("node.role")), nodeName(v)),
        new ClusterConfig((boolean) v.get("cluster.enabled"), ((String) v.get("cluster.name")).trim(),
            ((String) v.get("cluster.host")).trim(), (int) v.get("cluster.port"),
            (int) v.get("cluster.busPort"), members((String) v.get("cluster.members")), (Duration) v.get("cluster.failureTimeout"),
            (Duration) v.get("cluster.reconnectGrace")),
        new WatchlistConfig((int) v.get("watchlist.maxPhotoBytes"), (int) v.get("watchlist.maxUploadBytes"),
            (int) v.get("watchlist.maxPhotoPixels")),
        new LogConfig((String) v.get("log.level"), (String) v.get("log.format")),
        (Duration) v.get("shutdown.timeout"),
        source,
        bootstrapAdminSecret);
  }

  private static List<String> strings(Object list) {
    return ((List<?>) list).stream().map(String.class::cast).toList();
  }

  private static ZoneId zone(String id) {
    try {
      return ZoneId.of(id.trim());
    } catch (java.time.DateTimeException e) {
      throw new ConfigException("recognition.enforcementTimeZone: expected a time zone such as UTC or Asia/Karachi, got \""
          + id + "\"");
    }
  }

  private static String nodeName(Map<String, Object> v) {
    return nonEmpty(v.get("node.name")).orElseGet(() -> (boolean) v.get("cluster.enabled")
        ? ((String) v.get("cluster.host")).trim() + ":" + v.get("cluster.port") : "local");
  }

  private static java.util.List<String> members(String list) {
    return java.util.Arrays.stream(list.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
  }

  private static Optional<String> nonEmpty(Object s) {
    return Optional.ofNullable((String) s).map(String::trim).filter(x -> !x.isEmpty());
  }
}
