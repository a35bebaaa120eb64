package org.safecity.gateway.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.config.GatewayConfig.MqttConfig;
import org.safecity.gateway.health.BoxHealthService;
import org.safecity.gateway.ops.Listening;
import org.safecity.gateway.store.DeadLetters;
import org.safecity.gateway.store.EventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT edge (vertx-mqtt server): accepts boxes and hands each connection to a {@link BoxConnection}. Several
 * instances share the port, one per event loop, and one {@link LiveConnections} so that a second connection
 * of the same box takes over the first wherever it lives and commands reach the loop that holds the box.
 * Sessions and commands themselves live in PostgreSQL.
 */
public final class MqttVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MqttVerticle.class);

  /** What the edge depends on. */
  public record Services(MqttConfig config, BoxDirectory directory, PayloadValidator validator, EventLog log,
                         DeadLetters deadLetters, BoxHealthService health, BoxCommands commands,
                         io.vertx.sqlclient.Pool pool, MeterRegistry registry, LiveConnections live) {
    public Services(MqttConfig config, BoxDirectory directory, PayloadValidator validator, EventLog log,
                    DeadLetters deadLetters, BoxHealthService health, BoxCommands commands,
                    io.vertx.sqlclient.Pool pool, MeterRegistry registry) {
      this(config, directory, validator, log, deadLetters, health, commands, pool, registry, new LiveConnections());
    }
  }

  /** The edge's own counters, for /metrics. */
  static final class Metrics {
    final Counter authFailures;
    final Counter aclDenied;
    final Counter refusedBusy;
    final Counter duplicates;
    final Counter storeFailures;
    private final Map<TopicKind, Counter> messages = new EnumMap<>(TopicKind.class);
    private final Map<Validation.Reason, Counter> rejected = new EnumMap<>(Validation.Reason.class);

    Metrics(MeterRegistry r) {
      authFailures = Counter.builder("gateway_mqtt_auth_failures").description("CONNECTs refused as not authorized").register(r);
      aclDenied = Counter.builder("gateway_mqtt_acl_denied").description("PUBLISH/SUBSCRIBE outside the box's own topics").register(r);
      refusedBusy = Counter.builder("gateway_mqtt_refused_busy")
          .description("CONNECTs refused as server busy (mqtt.maxConnections reached, or every credential verifier busy)").register(r);
      duplicates = Counter.builder("gateway_mqtt_duplicates").description("resent messages acknowledged without a second event").register(r);
      storeFailures = Counter.builder("gateway_mqtt_store_failures").description("messages not committed (connection closed, box resends)").register(r);
      for (TopicKind k : TopicKind.values()) {
        if (!k.fromBox()) {
          continue;
        }
        messages.put(k, Counter.builder("gateway_mqtt_messages").tag("topic", k.suffix()).description("valid messages accepted").register(r));
      }
      for (Validation.Reason reason : Validation.Reason.values()) {
        rejected.put(reason, Counter.builder("gateway_mqtt_rejected").tag("reason", reason.name())
            .description("payloads refused and dead-lettered").register(r));
      }
    }

    Counter messages(TopicKind k) {
      return messages.get(k);
    }

    Counter rejected(Validation.Reason r) {
      return rejected.get(r);
    }
  }

  private final Services services;
  private final SessionStore sessions;
  private final LiveConnections live;
  private Metrics metrics;
  private MqttServer server;
  private MessageConsumer<JsonObject> commandConsumer;

  public MqttVerticle(Services services) {
    this.services = services;
    this.sessions = new SessionStore(services.pool());
    this.live = services.live();
  }

  @Override
  public Future<?> start() {
    metrics = new Metrics(services.registry());
    Gauge.builder("gateway_mqtt_connections", live.open(), AtomicInteger::get)
        .description("open MQTT connections (including those still authenticating)").register(services.registry());
    MqttConfig c = services.config();
    MqttServerOptions options = new MqttServerOptions()
        .setHost(c.host())
        .setPort(c.port())
        .setMaxMessageSize(c.maxPacketBytes())
        .setTimeoutOnConnect((int) Math.max(1, c.connectTimeout().toSeconds()))
        .setMaxClientIdLength(256)
        .setAutoClientId(true);
    options.setReuseAddress(true);
    if (c.tls()) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(c.tlsCertFile().get().toString()).setKeyPath(c.tlsKeyFile().get().toString()));
      c.tlsClientCaFile().ifPresent(ca -> {
        options.setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()));
        options.setClientAuth(ClientAuth.REQUIRED);
      });
    }
    server = MqttServer.create(vertx, options)
        .endpointHandler(endpoint -> new BoxConnection(endpoint, this).start())
        .exceptionHandler(e -> LOG.debug("mqtt protocol error: {}", e.getMessage()));
    commandConsumer = vertx.eventBus().consumer(Addresses.BOX_COMMANDS, m -> {
      // Every instance hears it; the one on whose event loop the box's connection lives delivers.
      LiveConnections.Live conn = live.get(m.body().getString("boxId"));
      if (conn != null && conn.context() == context) {
        conn.connection().deliverCommands();
      }
    });
    return server.listen()
        .recover(e -> Future.failedFuture(Listening.describe("MQTT", "mqtt.port", c.port(), e)))
        .compose(s -> commandConsumer.completion());
  }

  /** Stop accepting; tell connected MQTT 5 boxes the server is shutting down. */
  @Override
  public Future<?> stop() {
    for (LiveConnections.Live conn : live.all()) {
      if (conn.context() == context) {
        conn.connection().disconnect(MqttDisconnectReasonCode.SERVER_SHUTTING_DOWN);
      }
    }
    return Future.join(server == null ? Future.succeededFuture() : server.close(),
        commandConsumer == null ? Future.succeededFuture() : commandConsumer.unregister());
  }

  boolean admit() {
    if (live.open().incrementAndGet() > services.config().maxConnections()) {
      live.open().decrementAndGet();
      return false;
    }
    return true;
  }

  void release() {
    live.open().decrementAndGet();
  }

  /** A box's connection is accepted: it takes over any earlier one of the same box. */
  void attach(BoxConnection conn) {
    services.health().connected(conn.boxId());
    LiveConnections.Live old = live.put(conn.boxId(), conn, context);
    if (old != null && old.connection() != conn) {
      LOG.info("mqtt session taken over box={}", conn.boxId());
      old.context().runOnContext(v -> old.connection().takeOver());
    }
  }

  void detach(BoxConnection conn) {
    live.remove(conn.boxId(), conn);
  }

  Metrics metrics() {
    return metrics;
  }

  MqttConfig mqttConfig() {
    return services.config();
  }

  BoxDirectory directory() {
    return services.directory();
  }

  PayloadValidator validator() {
    return services.validator();
  }

  EventLog log() {
    return services.log();
  }

  DeadLetters deadLetters() {
    return services.deadLetters();
  }

  BoxHealthService health() {
    return services.health();
  }

  BoxCommands commands() {
    return services.commands();
  }

  SessionStore sessions() {
    return sessions;
  }
}
