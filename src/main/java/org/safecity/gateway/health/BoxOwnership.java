package org.safecity.gateway.health;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.cluster.ClusterMembership;
import org.safecity.gateway.core.BoxMemento;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.core.NodeLoss;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which gateway node judges each box's health, kept in PostgreSQL ({@code box_owners}), and the node-lost rule.
 *
 * <ul>
 *   <li><b>One owner at a time.</b> The node that accepts a box's MQTT connection claims it: in one transaction it
 *       reads the state the previous owner left and makes itself the owner, then tells every node (bus
 *       {@link Addresses#BOX_OWNER}); the previous owner stops judging it. The owner writes the box's state back
 *       every {@value #PERSIST_MS} ms while it changes, so the state survives the box moving on, even from a node
 *       that is killed.</li>
 *   <li><b>A coordinator</b> — the oldest edge member, which every member computes alike from the membership — owns
 *       the boxes no node has held yet (never-seen is judged once, not by every node), and takes over the boxes of
 *       a node that leaves: one {@code gateway-node-lost} alarm when it left without a clean stop
 *       ({@link NodeLoss}), and {@code cluster.reconnectGrace} for its boxes to reconnect anywhere before box alarms.
 *       The takeover is one conditional update ({@code lost_at IS NULL}), so it happens once even if two nodes
 *       briefly both believe they coordinate.</li>
 * </ul>
 */
public final class BoxOwnership {
  private static final Logger LOG = LoggerFactory.getLogger(BoxOwnership.class);
  static final long PERSIST_MS = 1000;
  private static final long RECONCILE_MS = 5000;

  /** Outcome of a claim: the previous owner's state of the box (if any) and the claim's time (the database's clock). */
  record Claim(BoxMemento previous, Instant since) {
  }

  private final Vertx vertx;
  private final Context context;
  private final Pool pool;
  private final ClusterMembership membership;
  private final BoxHealthService health;
  private final NodeLoss rule;
  private final Clock clock;
  private final String self;
  private final Map<String, String> written = new HashMap<>();
  private final Counter claims;
  private final Counter takenOver;
  private MessageConsumer<JsonObject> consumer;
  private long persistTimer = -1;
  private long reconcileTimer = -1;
  private boolean reconciling;
  private boolean again;
  private boolean persisting;

  public BoxOwnership(Vertx vertx, Pool pool, ClusterMembership membership, BoxHealthService health, NodeLoss rule,
      Clock clock, MeterRegistry metrics) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.pool = pool;
    this.membership = membership;
    this.health = health;
    this.rule = rule;
    this.clock = clock;
    this.self = membership.self().id();
    this.claims = Counter.builder("gateway_box_claims").description("boxes this node took over because their connection came here")
        .register(metrics);
    this.takenOver = Counter.builder("gateway_box_takeovers")
        .description("boxes this node took over from a lost or stopped node (given the reconnect grace)").register(metrics);
  }

  /** Records this node, listens for claims and membership changes, starts persisting and reconciling. */
  public Future<Void> start() {
    return started(pool, membership.self())
        .compose(v -> Future.<Void>future(p -> context.runOnContext(x -> {
          consumer = vertx.eventBus().consumer(Addresses.BOX_OWNER, m -> {
            JsonObject b = m.body();
            if (!self.equals(b.getString("node"))) {
              health.releasedTo(b.getString("box"), Instant.parse(b.getString("since")));
            }
          });
          membership.onChange(change -> context.runOnContext(y -> reconcile(change)));
          persistTimer = vertx.setPeriodic(PERSIST_MS, t -> persist());
          reconcileTimer = vertx.setPeriodic(RECONCILE_MS, t -> reconcile(null));
          consumer.completion().onComplete(ar -> {
            reconcile(null);
            p.handle(ar);
          });
        })))
        .onSuccess(v -> health.ownership(this));
  }

  /**
   * The box's connection is on this node: make this node its owner and return what the previous owner left.
   * Every node is told, and the one that judged it so far stops.
   */
  Future<Claim> claim(String boxId) {
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT state FROM box_owners WHERE box_id = $1 FOR UPDATE")
            .execute(Tuple.of(boxId))
            .compose(rows -> {
              Object state = rows.size() == 0 ? null : rows.iterator().next().getValue(0);
              return conn.preparedQuery("INSERT INTO box_owners (box_id, node_id, since) VALUES ($1, $2, clock_timestamp()) "
                      + "ON CONFLICT (box_id) DO UPDATE SET node_id = $2, since = clock_timestamp(), grace_until = NULL RETURNING since")
                  .execute(Tuple.of(boxId, self))
                  .map(r -> new Claim(state == null ? null : MementoJson.fromJson(json(state)),
                      r.iterator().next().getOffsetDateTime(0).toInstant()));
            }))
        .onSuccess(c -> {
          claims.increment();
          written.remove(boxId);
          vertx.eventBus().publish(Addresses.BOX_OWNER, new JsonObject().put("box", boxId).put("node", self)
              .put("since", c.since().toString()));
        });
  }

  /** Writes the state of the boxes judged here that changed, only where this node is still the owner. */
  private Future<Void> persist() {
    if (persisting) {
      return Future.succeededFuture();
    }
    persisting = true;
    return health.mementos().compose(all -> {
      List<String> ids = new ArrayList<>();
      List<String> states = new ArrayList<>();
      all.forEach((id, m) -> {
        String s = m.encode();
        if (!s.equals(written.get(id))) {
          ids.add(id);
          states.add(s);
        }
      });
      if (ids.isEmpty()) {
        return Future.succeededFuture();
      }
      return pool.preparedQuery("UPDATE box_owners o SET state = x.state::jsonb FROM unnest($1::text[], $2::text[]) AS x(box_id, state) "
              + "WHERE o.box_id = x.box_id AND o.node_id = $3")
          .execute(Tuple.of(ids.toArray(new String[0]), states.toArray(new String[0]), self))
          .onSuccess(r -> {
            for (int i = 0; i < ids.size(); i++) {
              written.put(ids.get(i), states.get(i));
            }
          }).mapEmpty();
    }).onComplete(ar -> {
      persisting = false;
      if (ar.failed()) {
        LOG.debug("box states not stored yet: {}", ar.cause().getMessage());
      }
    }).<Void>mapEmpty();
  }

  /** The states other nodes stored of the boxes they judge, by box id (for the API on this node). */
  Future<Map<String, JsonObject>> statesElsewhere() {
    return pool.preparedQuery("SELECT box_id, state FROM box_owners WHERE node_id <> $1 AND state IS NOT NULL")
        .execute(Tuple.of(self)).map(rows -> {
          Map<String, JsonObject> out = new HashMap<>();
          for (Row r : rows) {
            out.put(r.getString(0), json(r.getValue(1)));
          }
          return out;
        });
  }

  /** The oldest edge member coordinates (every member computes the same from Hazelcast's ordered member list). */
  boolean coordinator() {
    return membership.members().stream().filter(n -> n.role().runsEdges()).findFirst()
        .map(n -> n.id().equals(self)).orElse(false);
  }

  private void reconcile(ClusterMembership.Change change) {
    if (reconciling) {
      again = true;
      return;
    }
    if (!coordinator()) {
      return;
    }
    reconciling = true;
    Future<Void> rejoin = change != null && change.joined() ? clearRejoined(change.node().name()) : Future.succeededFuture();
    rejoin.compose(v -> takeOverLost()).compose(v -> ownUnowned()).onComplete(ar -> {
      reconciling = false;
      if (ar.failed()) {
        LOG.warn("box ownership not reconciled yet: {}", ar.cause().getMessage());
      }
      if (again) {
        again = false;
        reconcile(null);
      }
    });
  }

  /** Every node that is gone and not yet handled: take its boxes over (with the grace), raise node-lost if it crashed. */
  private Future<Void> takeOverLost() {
    Set<String> live = membership.members().stream().map(ClusterMembership.Node::id).collect(Collectors.toSet());
    // A node that joined seconds ago may not be in this member's list yet: it is judged on a later pass.
    return pool.query("SELECT node_id FROM gateway_nodes WHERE lost_at IS NULL AND started_at < now() - interval '5 seconds'")
        .execute().compose(rows -> {
      Future<Void> chain = Future.succeededFuture();
      for (Row r : rows) {
        String id = r.getString(0);
        if (!live.contains(id)) {
          chain = chain.compose(v -> takeOver(id));
        }
      }
      return chain;
    });
  }

  private Future<Void> takeOver(String lostNode) {
    Instant now = clock.instant();
    Instant graceUntil = rule.graceEnds(now);
    return pool.withTransaction(conn -> conn.preparedQuery("UPDATE gateway_nodes SET lost_at = now() "
            + "WHERE node_id = $1 AND lost_at IS NULL RETURNING name, role, stopped_at IS NOT NULL")
        .execute(Tuple.of(lostNode))
        .compose(nodes -> {
          if (nodes.size() == 0) {
            return Future.succeededFuture(Optional.<Lost>empty()); // handled already (by another coordinator)
          }
          Row n = nodes.iterator().next();
          return conn.preparedQuery("UPDATE box_owners SET node_id = $2, since = clock_timestamp(), grace_until = $3 "
                  + "WHERE node_id = $1 RETURNING box_id, state")
              .execute(Tuple.of(lostNode, self, graceUntil.atOffset(ZoneOffset.UTC)))
              .map(boxes -> {
                Map<String, BoxMemento> taken = new LinkedHashMap<>();
                for (Row b : boxes) {
                  Object state = b.getValue(1);
                  taken.put(b.getString(0), state == null ? null : MementoJson.fromJson(json(state)));
                }
                return Optional.of(new Lost(n.getString(0), n.getString(1), n.getBoolean(2), taken));
              });
        }))
        .map(found -> {
          found.ifPresent(lost -> {
            lost.boxes().forEach((box, state) -> health.own(box, state, graceUntil));
            takenOver.increment(lost.boxes().size());
            LOG.warn("cluster node {} ({}) {}: this node judges its {} boxes now, reconnect grace until {}", lost.name(),
                lost.role(), lost.clean() ? "stopped" : "lost", lost.boxes().size(), graceUntil);
            rule.left(lost.name(), lost.role(), lost.clean(), lost.boxes().size(), now).ifPresent(a -> {
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("key", a.key());
              body.put("kind", a.kind());
              body.put("severity", a.severity().name());
              body.put("summary", a.summary());
              body.put("details", a.details());
              health.nodeAlarm(new NewEvent(BoxHealthService.ALARM_RAISED, a.node(), null, a.at(), body));
              LOG.warn("alarm raised kind={} node={} severity={} summary={}", a.kind(), a.node(), a.severity(), a.summary());
            });
          });
          return null;
        });
  }

  private record Lost(String name, String role, boolean clean, Map<String, BoxMemento> boxes) {
  }

  /** Boxes no node has held yet are judged by the coordinator (so never-seen is raised once). */
  private Future<Void> ownUnowned() {
    return health.registered().compose(boxes -> {
      List<String> ids = new ArrayList<>(boxes.keySet());
      if (ids.isEmpty()) {
        return Future.succeededFuture();
      }
      return pool.preparedQuery("INSERT INTO box_owners (box_id, node_id, since) SELECT b, $2, clock_timestamp() "
              + "FROM unnest($1::text[]) AS b ON CONFLICT (box_id) DO NOTHING RETURNING box_id")
          .execute(Tuple.of(ids.toArray(new String[0]), self))
          .map(rows -> {
            for (Row r : rows) {
              health.own(r.getString(0), null, null);
            }
            return null;
          });
    });
  }

  /** A node of that name is back: its lost-node alarm, if active, clears. */
  private Future<Void> clearRejoined(String name) {
    String key = NodeLoss.key(name);
    return pool.preparedQuery("SELECT 1 FROM alarms WHERE key = $1 AND cleared_at IS NULL").execute(Tuple.of(key))
        .map(rows -> {
          if (rows.size() > 0) {
            var c = rule.rejoined(name, clock.instant());
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("key", c.key());
            body.put("kind", c.kind());
            body.put("reason", c.clearReason());
            health.nodeAlarm(new NewEvent(BoxHealthService.ALARM_CLEARED, name, null, c.at(), body));
          }
          return null;
        });
  }

  /**
   * Clean stop: the last states are written and the node is marked stopped, so whoever takes its boxes over raises
   * no node-lost alarm. Call before the edges close.
   */
  public Future<Void> stop() {
    health.freeze();
    return Future.<Void>future(p -> context.runOnContext(v -> {
      vertx.cancelTimer(persistTimer);
      vertx.cancelTimer(reconcileTimer);
      persisting = false;
      persist().onComplete(p);
    })).compose(v -> stopped(pool, self))
        .compose(v -> consumer == null ? Future.<Void>succeededFuture() : consumer.unregister());
  }

  /** Records a node that joined (a worker too: a lost worker raises its own alarm). */
  public static Future<Void> started(Pool pool, ClusterMembership.Node me) {
    return pool.preparedQuery("INSERT INTO gateway_nodes (node_id, name, role, started_at) VALUES ($1, $2, $3, now()) "
        + "ON CONFLICT (node_id) DO NOTHING").execute(Tuple.of(me.id(), me.name(), me.role().wire())).mapEmpty();
  }

  /** Records a clean stop, before the node leaves the cluster. */
  public static Future<Void> stopped(Pool pool, String nodeId) {
    return pool.preparedQuery("UPDATE gateway_nodes SET stopped_at = now() WHERE node_id = $1")
        .execute(Tuple.of(nodeId)).mapEmpty();
  }

  private static JsonObject json(Object state) {
    return state instanceof JsonObject j ? j : new JsonObject(String.valueOf(state));
  }

}
