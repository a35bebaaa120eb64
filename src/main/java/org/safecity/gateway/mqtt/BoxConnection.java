package org.safecity.gateway.mqtt;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRecReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.safecity.gateway.core.Box;
import org.safecity.gateway.core.DeviceEvent;
import org.safecity.gateway.core.DisconnectCause;
import org.safecity.gateway.store.EventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One box's MQTT connection: the protocol state (who it is, QoS 2 packets awaiting release, the order of
 * acknowledgements, its command subscription) and the rules applied to each packet. Runs on its verticle's
 * event loop only.
 *
 * <p>The order of checks for a PUBLISH: authenticated → topic under {@code boxes/<own id>/} → payload valid
 * against the AsyncAPI schema → committed to the event log → acknowledged. Refusals are counted and, for
 * payloads, dead-lettered before they are acknowledged, so nothing accepted or refused is ever lost.
 */
final class BoxConnection {
  private static final Logger LOG = LoggerFactory.getLogger(BoxConnection.class);
  private static final int MQTT5 = 5;

  private final MqttEndpoint endpoint;
  private final MqttVerticle edge;
  private Box box;
  private boolean admitted;
  private boolean accepted;
  private boolean closed;
  private boolean cleanDisconnect;
  private boolean willDisconnect;
  boolean takenOver;
  private long lastPacketNanos = System.nanoTime();
  /** QoS 2 packet ids stored and PUBREC'd, awaiting PUBREL: a resend of one is not stored again. */
  private final Set<Integer> releasePending = new HashSet<>();
  /** PUBACK/PUBREC go out in receive order (MQTT 3.1.1 §4.6) though commits complete independently. */
  private Future<?> ackTail = Future.succeededFuture();
  private final Map<String, Integer> subscriptions = new HashMap<>();
  /** Command deliveries awaiting the box's PUBACK: MQTT packet id → command id. */
  private final Map<Integer, String> commandsInFlight = new HashMap<>();
  private final Set<String> commandsSending = new HashSet<>();
  private boolean persistent;

  BoxConnection(MqttEndpoint endpoint, MqttVerticle edge) {
    this.endpoint = endpoint;
    this.edge = edge;
  }

  String boxId() {
    return box == null ? null : box.id();
  }

  /**
   * Wire handlers, then authenticate. vertx-mqtt itself closes a connection that sends anything but CONNECT
   * before its CONNACK, so no PUBLISH can arrive (or be auto-acknowledged) while authentication is running.
   */
  void start() {
    endpoint.publishAutoAck(false);
    endpoint.subscriptionAutoAck(false);
    endpoint.autoKeepAlive(true);
    endpoint.publishHandler(this::onPublish);
    endpoint.publishReleaseHandler(this::onRelease);
    endpoint.subscribeHandler(this::onSubscribe);
    endpoint.unsubscribeHandler(m -> {
      touch();
      m.topics().forEach(subscriptions::remove);
      saveSession();
      endpoint.unsubscribeAcknowledge(m.messageId());
    });
    endpoint.publishAcknowledgeHandler(this::onCommandAck);
    endpoint.pingHandler(v -> touch());
    endpoint.disconnectMessageHandler(m -> {
      cleanDisconnect = m.code() != MqttDisconnectReasonCode.WITH_WILL_MESSAGE;
      willDisconnect = !cleanDisconnect;
    });
    endpoint.closeHandler(v -> onClosed());
    endpoint.exceptionHandler(e -> LOG.debug("mqtt connection error box={} remote={}: {}", boxId(),
        endpoint.remoteAddress(), e.getMessage()));
    authenticate();
  }

  private void authenticate() {
    admitted = edge.admit();
    if (!admitted) {
      refuseBusy();
      return;
    }
    var auth = endpoint.auth();
    if (auth == null || auth.getUsername() == null || auth.getPassword() == null) {
      refuseAuth("no username or password");
      return;
    }
    edge.directory().authenticate(auth.getUsername(), auth.getPassword()).onComplete(ar -> {
      if (closed) {
        return;
      }
      if (ar.failed() && ar.cause() instanceof BoxDirectory.BusyException) {
        refuseBusy();
        return;
      }
      if (ar.failed() || ar.result().isEmpty()) {
        refuseAuth(ar.failed() ? ar.cause().getMessage() : "wrong credentials");
        return;
      }
      box = ar.result().get();
      openSession();
    });
  }

  /** Full, or every credential verifier busy: "server busy" is what devices retry on. */
  private void refuseBusy() {
    edge.metrics().refusedBusy.increment();
    endpoint.reject(code(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
        MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_BUSY));
  }

  private void refuseAuth(String why) {
    edge.metrics().authFailures.increment();
    LOG.info("mqtt connect refused user={} remote={} reason={}", safe(endpoint.auth() == null ? null
        : endpoint.auth().getUsername()), endpoint.remoteAddress(), why);
    endpoint.reject(code(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED,
        MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5));
  }

  private MqttConnectReturnCode code(MqttConnectReturnCode v3, MqttConnectReturnCode v5) {
    return endpoint.protocolVersion() >= MQTT5 ? v5 : v3;
  }

  /** Persistent session (clean session off): restore its subscriptions; clean session: forget any. */
  private void openSession() {
    // 3.1.1: clean session off. MQTT 5: clean start off resumes; a session expiry keeps it after we part.
    boolean resume = !endpoint.isCleanSession();
    persistent = resume || (endpoint.protocolVersion() >= MQTT5 && !sessionExpiry().isZero());
    Future<Optional<JsonObject>> restored;
    if (resume) {
      restored = edge.sessions().load(sessionKey());
    } else {
      // A clean session starts empty whatever is stored; dropping the old row need not delay the CONNACK.
      edge.sessions().delete(sessionKey())
          .onFailure(e -> LOG.warn("old mqtt session not dropped box={}: {}", box.id(), e.getMessage()));
      restored = Future.succeededFuture(Optional.empty());
    }
    restored.onComplete(ar -> {
      if (closed) {
        return;
      }
      if (ar.failed()) {
        LOG.warn("mqtt session store unavailable, refusing box={}: {}", box.id(), ar.cause().getMessage());
        endpoint.reject(code(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
            MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5));
        return;
      }
      boolean present = ar.result().isPresent();
      ar.result().ifPresent(subs -> subs.forEach(e -> subscriptions.put(e.getKey(), ((Number) e.getValue()).intValue())));
      MqttProperties props = new MqttProperties();
      if (endpoint.protocolVersion() >= MQTT5) {
        props.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value(),
            edge.mqttConfig().maxPacketBytes()));
        props.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), 0));
        props.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE.value(), 0));
      }
      endpoint.accept(present, props);
      accepted = true;
      edge.attach(this);
      if (persistent) {
        saveSession();
      }
      deliverCommands();
    });
  }

  /**
   * Sessions are keyed by the authenticated box, not by the client id it chose: a box could otherwise name
   * another box's client id and overwrite that box's session.
   */
  private String sessionKey() {
    return box.id();
  }

  private void saveSession() {
    if (persistent && box != null) {
      JsonObject subs = new JsonObject();
      subscriptions.forEach(subs::put);
      edge.sessions().save(sessionKey(), box.id(), subs)
          .onFailure(e -> LOG.warn("mqtt session not saved box={}: {}", box.id(), e.getMessage()));
    }
  }

  private void touch() {
    lastPacketNanos = System.nanoTime();
  }

  // ---- PUBLISH from the box ----

  private void onPublish(MqttPublishMessage msg) {
    touch();
    if (!accepted) {
      endpoint.close();
      return;
    }
    int qos = msg.qosLevel().value();
    if (qos == 2 && releasePending.contains(msg.messageId())) {
      // A resend of a message already stored: acknowledge again, store nothing.
      edge.metrics().duplicates.increment();
      ack(msg, Future.succeededFuture(), null, null);
      return;
    }
    Optional<TopicKind> kind = Topics.fromBox(box.id(), msg.topicName());
    if (kind.isEmpty()) {
      refuseTopic(msg);
      return;
    }
    Buffer payload = msg.payload();
    Validation v = edge.validator().validate(kind.get(), payload);
    if (v instanceof Validation.Rejected r) {
      edge.metrics().rejected(r.reason()).increment();
      LOG.info("mqtt payload refused box={} topic={} reason={} detail={}", box.id(), msg.topicName(), r.reason(), r.message());
      Future<Long> stored = edge.deadLetters().record(box.id(), msg.topicName(), r.reason().name(), r.message(), payload);
      ack(msg, stored, MqttPubAckReasonCode.PAYLOAD_FORMAT_INVALID, r.message());
      return;
    }
    JsonObject json = ((Validation.Ok) v).payload();
    Instant received = Instant.now();
    String key = DeviceMessages.dedupKey(box, kind.get(), json);
    var entry = DeviceMessages.logEntry(box, kind.get(), json, received);
    Future<EventLog.Appended> durable = key == null
        ? edge.log().append(entry).map(e -> new EventLog.Appended(List.of(e), false, 0))
        : edge.log().appendOnce(entry, key);
    edge.metrics().messages(kind.get()).increment();
    TopicKind k = kind.get();
    ack(msg, durable.onSuccess(a -> {
      if (a.duplicate()) {
        edge.metrics().duplicates.increment();
      } else {
        feedHealth(k, json, received);
      }
    }), null, null);
  }

  /** Passes a committed message to the health model (and command results to the command store). */
  private void feedHealth(TopicKind kind, JsonObject json, Instant received) {
    switch (kind) {
      case TELEMETRY -> edge.health().telemetry(box.id(), DeviceMessages.telemetry(json, received));
      case GPS -> edge.health().gps(box.id(), DeviceMessages.gps(json, received));
      case EVENTS -> {
        DeviceEvent e = DeviceMessages.event(json, received);
        edge.health().event(box.id(), e);
        if ("cmd-result".equals(e.type())) {
          edge.commands().recordResult(box.id(), box.region(), json.getString("commandId"), json.getString("status"),
              json.getString("detail")).onFailure(x -> LOG.warn("command result not stored: {}", x.getMessage()));
        }
      }
      case STATUS -> {
        if (Boolean.FALSE.equals(json.getBoolean("online"))) {
          // The box announces it is going away (or its will was published by a broker in front of us).
          edge.health().disconnected(box.id(), DisconnectCause.WILL);
        }
      }
      case CMD -> {
      }
    }
  }

  /**
   * Acknowledges {@code msg} once {@code durable} has committed, after every earlier acknowledgement. If the
   * store failed, nothing is acknowledged and the connection is closed, so the box resends after reconnecting.
   */
  private void ack(MqttPublishMessage msg, Future<?> durable, MqttPubAckReasonCode refusal, String reason) {
    int qos = msg.qosLevel().value();
    int id = msg.messageId();
    Future<?> previous = ackTail;
    ackTail = Future.join(previous, durable).onComplete(ar -> {
      if (closed) {
        return;
      }
      if (durable.failed()) {
        LOG.warn("mqtt message not stored, closing box={} so it resends: {}", boxId(), durable.cause().getMessage());
        edge.metrics().storeFailures.increment();
        disconnect(MqttDisconnectReasonCode.SERVER_BUSY);
        return;
      }
      boolean v5 = endpoint.protocolVersion() >= MQTT5;
      MqttProperties props = reasonString(v5 ? reason : null);
      if (qos == 1) {
        if (v5 && refusal != null) {
          endpoint.publishAcknowledge(id, refusal, props);
        } else {
          endpoint.publishAcknowledge(id);
        }
      } else if (qos == 2) {
        releasePending.add(id);
        if (v5 && refusal != null) {
          endpoint.publishReceived(id, MqttPubRecReasonCode.valueOf(refusal.value()), props);
        } else {
          endpoint.publishReceived(id);
        }
      }
    });
  }

  private static MqttProperties reasonString(String reason) {
    MqttProperties props = new MqttProperties();
    if (reason != null) {
      props.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(),
          reason.length() > 500 ? reason.substring(0, 500) : reason));
    }
    return props;
  }

  private void onRelease(int messageId) {
    touch();
    releasePending.remove(messageId);
    endpoint.publishComplete(messageId);
  }

  /** Outside {@code boxes/<own id>/}: MQTT 5 gets "not authorized" and keeps its connection; 3.1.1 is closed. */
  private void refuseTopic(MqttPublishMessage msg) {
    edge.metrics().aclDenied.increment();
    LOG.warn("mqtt publish refused box={} topic={} reason=outside its own topics", box.id(), safe(msg.topicName()));
    if (endpoint.protocolVersion() < MQTT5) {
      disconnect(MqttDisconnectReasonCode.NOT_AUTHORIZED);
      return;
    }
    String why = "box " + box.id() + " may publish only under boxes/" + box.id() + "/";
    ack(msg, Future.succeededFuture(), MqttPubAckReasonCode.NOT_AUTHORIZED, why);
    if (msg.qosLevel().value() == 0) {
      // QoS 0 has no acknowledgement to carry the refusal: the DISCONNECT reason code says it.
      disconnect(MqttDisconnectReasonCode.NOT_AUTHORIZED);
    }
  }

  // ---- SUBSCRIBE: only the box's own subtree; commands come on boxes/<id>/cmd ----

  private void onSubscribe(MqttSubscribeMessage m) {
    touch();
    if (!accepted) {
      endpoint.close();
      return;
    }
    List<MqttSubAckReasonCode> codes = new ArrayList<>();
    List<MqttQoS> granted = new ArrayList<>();
    for (MqttTopicSubscription s : m.topicSubscriptions()) {
      if (Topics.subscribable(box.id(), s.topicName())) {
        int qos = Math.min(1, s.qualityOfService().value());
        subscriptions.put(s.topicName(), qos);
        codes.add(MqttSubAckReasonCode.qosGranted(MqttQoS.valueOf(qos)));
        granted.add(MqttQoS.valueOf(qos));
      } else {
        edge.metrics().aclDenied.increment();
        LOG.warn("mqtt subscribe refused box={} filter={}", box.id(), safe(s.topicName()));
        codes.add(MqttSubAckReasonCode.NOT_AUTHORIZED);
        granted.add(MqttQoS.FAILURE);
      }
    }
    if (endpoint.protocolVersion() >= MQTT5) {
      endpoint.subscribeAcknowledge(m.messageId(), codes, MqttProperties.NO_PROPERTIES);
    } else {
      endpoint.subscribeAcknowledge(m.messageId(), granted);
    }
    saveSession();
    deliverCommands();
  }

  // ---- commands to the box ----

  boolean receivesCommands() {
    String cmd = "boxes/" + box.id() + "/cmd";
    return subscriptions.keySet().stream().anyMatch(f -> Topics.matches(f, cmd));
  }

  /** Sends every queued command not already on its way; called on subscribe, connect and new commands. */
  void deliverCommands() {
    if (!accepted || closed || !receivesCommands()) {
      return;
    }
    edge.commands().pending(box.id()).onSuccess(list -> {
      for (BoxCommands.Command c : list) {
        if (closed || !commandsSending.add(c.commandId())) {
          continue;
        }
        endpoint.publish("boxes/" + box.id() + "/cmd", c.payload().toBuffer(), MqttQoS.AT_LEAST_ONCE, false, false)
            .onSuccess(packetId -> {
              commandsInFlight.put(packetId, c.commandId());
              edge.commands().markSent(c.commandId());
            })
            .onFailure(e -> commandsSending.remove(c.commandId()));
      }
    }).onFailure(e -> LOG.warn("pending commands not read box={}: {}", box.id(), e.getMessage()));
  }

  private void onCommandAck(int packetId) {
    touch();
    String commandId = commandsInFlight.remove(packetId);
    if (commandId != null) {
      commandsSending.remove(commandId);
      edge.commands().markDelivered(box.id(), box.region(), commandId)
          .onFailure(e -> LOG.warn("command delivery not recorded {}: {}", commandId, e.getMessage()));
    }
  }

  // ---- going away ----

  void takeOver() {
    takenOver = true;
    disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER);
  }

  void disconnect(MqttDisconnectReasonCode code) {
    if (closed) {
      return;
    }
    if (accepted && endpoint.protocolVersion() >= MQTT5) {
      endpoint.disconnect(code, MqttProperties.NO_PROPERTIES);
    }
    endpoint.close();
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    if (admitted) {
      edge.release();
    }
    if (!accepted) {
      return;
    }
    edge.detach(this);
    if (persistent) {
      edge.sessions().expireIn(sessionKey(), sessionExpiry())
          .onFailure(e -> LOG.warn("mqtt session expiry not set box={}: {}", box.id(), e.getMessage()));
    }
    DisconnectCause cause = cause();
    LOG.info("mqtt box disconnected box={} cause={}", box.id(), cause);
    edge.health().disconnected(box.id(), cause);
  }

  private DisconnectCause cause() {
    if (takenOver) {
      return DisconnectCause.TAKEN_OVER;
    }
    if (cleanDisconnect) {
      return DisconnectCause.CLEAN;
    }
    if (willDisconnect || endpoint.will().isWillFlag()) {
      return DisconnectCause.WILL;
    }
    long idleMs = (System.nanoTime() - lastPacketNanos) / 1_000_000;
    int keepAlive = endpoint.keepAliveTimeSeconds();
    return keepAlive > 0 && idleMs >= keepAlive * 1500L - 250 ? DisconnectCause.KEEPALIVE_EXPIRED
        : DisconnectCause.SOCKET_CLOSED;
  }

  /** MQTT 5: the client's Session Expiry Interval, capped by configuration; 3.1.1: the configured expiry. */
  private Duration sessionExpiry() {
    Duration max = edge.mqttConfig().sessionExpiry();
    if (endpoint.protocolVersion() >= MQTT5) {
      var p = endpoint.connectProperties().getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value());
      long secs = p == null ? 0 : ((Number) p.value()).longValue() & 0xFFFFFFFFL;
      return Duration.ofSeconds(Math.min(secs, max.toSeconds()));
    }
    return max;
  }

  private static String safe(String s) {
    if (s == null) {
      return "-";
    }
    String t = s.replaceAll("[^\\x20-\\x7e]", "?");
    return t.length() > 120 ? t.substring(0, 120) + "..." : t;
  }
}
