package org.safecity.gateway.mqtt;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.safecity.gateway.bus.Addresses;
import org.safecity.gateway.core.NewEvent;
import org.safecity.gateway.store.EventLog;

/**
 * Commands to boxes (siren, camera power-cycle, sub-stream ...). A command is stored first, then delivered with
 * QoS 1 by whichever node holds the box's connection; it stays queued across the box's absence and is sent
 * when the box is back and subscribed. Each step is an event: queued, delivered (the box's PUBACK), result
 * (the box's {@code cmd-result}).
 */
public final class BoxCommands {
  public static final String QUEUED = "queued";
  public static final String SENT = "sent";
  public static final String DELIVERED = "delivered";

  private final Vertx vertx;
  private final Pool pool;
  private final EventLog log;
  private final PayloadValidator validator;

  public BoxCommands(Vertx vertx, Pool pool, EventLog log, PayloadValidator validator) {
    this.vertx = vertx;
    this.pool = pool;
    this.log = log;
    this.validator = validator;
  }

  /** A command as sent on {@code boxes/<id>/cmd}, and where it stands. */
  public record Command(String commandId, String boxId, JsonObject payload, String status) {
  }

  /**
   * Queues a command. {@code request} holds {@code action} and, as the contract requires, {@code cameraId} /
   * {@code durationSeconds}; the id and issue time are added here. Fails with {@link IllegalArgumentException}
   * when the command does not satisfy the device contract.
   */
  public Future<Command> submit(String boxId, JsonObject request, String requestedBy, String region) {
    JsonObject payload = request.copy()
        .put("commandId", "cmd-" + UUID.randomUUID())
        .put("issuedAt", Instant.now().toString());
    Validation v = validator.validate(TopicKind.CMD, payload.toBuffer());
    if (v instanceof Validation.Rejected r) {
      return Future.failedFuture(new IllegalArgumentException("command does not match the device contract: " + r.message()));
    }
    String id = payload.getString("commandId");
    return pool.preparedQuery("INSERT INTO box_commands (command_id, box_id, payload, status, requested_by) "
            + "VALUES ($1, $2, $3, $4, $5)")
        .execute(Tuple.of(id, boxId, payload, QUEUED, requestedBy))
        .compose(x -> log.append(new NewEvent("box.command-queued", boxId, region, Instant.now(),
            Map.of("commandId", id, "command", payload.getMap(), "requestedBy", String.valueOf(requestedBy)))))
        .map(e -> {
          vertx.eventBus().publish(Addresses.BOX_COMMANDS, new JsonObject().put("boxId", boxId));
          return new Command(id, boxId, payload, QUEUED);
        });
  }

  /** Commands not yet acknowledged by the box, oldest first. */
  public Future<List<Command>> pending(String boxId) {
    return pool.preparedQuery("SELECT command_id, box_id, payload, status FROM box_commands "
            + "WHERE box_id = $1 AND status IN ('queued', 'sent') ORDER BY created_at, command_id")
        .execute(Tuple.of(boxId))
        .map(rows -> {
          List<Command> out = new ArrayList<>();
          for (Row r : rows) {
            out.add(new Command(r.getString(0), r.getString(1), (JsonObject) r.getValue(2), r.getString(3)));
          }
          return out;
        });
  }

  public Future<Command> get(String commandId) {
    return pool.preparedQuery("SELECT command_id, box_id, payload, status FROM box_commands WHERE command_id = $1")
        .execute(Tuple.of(commandId))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          return new Command(r.getString(0), r.getString(1), (JsonObject) r.getValue(2), r.getString(3));
        });
  }

  Future<Void> markSent(String commandId) {
    return pool.preparedQuery("UPDATE box_commands SET status = 'sent', sent_at = now() "
            + "WHERE command_id = $1 AND status = 'queued'")
        .execute(Tuple.of(commandId)).mapEmpty();
  }

  /** The box's PUBACK for the command: it has it. */
  Future<Void> markDelivered(String boxId, String region, String commandId) {
    return pool.preparedQuery("UPDATE box_commands SET status = 'delivered', delivered_at = now() "
            + "WHERE command_id = $1 AND box_id = $2 AND status IN ('queued', 'sent')")
        .execute(Tuple.of(commandId, boxId))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture()
            : log.append(new NewEvent("box.command-delivered", boxId, region, Instant.now(),
                Map.of("commandId", commandId))).mapEmpty());
  }

  /** The box's {@code cmd-result} event: what it did with the command. */
  Future<Void> recordResult(String boxId, String region, String commandId, String status, String detail) {
    return pool.preparedQuery("UPDATE box_commands SET result = $3, result_at = now(), "
            + "status = CASE WHEN status IN ('queued', 'sent') THEN 'delivered' ELSE status END, "
            + "delivered_at = coalesce(delivered_at, now()) WHERE command_id = $1 AND box_id = $2")
        .execute(Tuple.of(commandId, boxId, status))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture()
            : log.append(new NewEvent("box.command-result", boxId, region, Instant.now(),
                detail == null ? Map.of("commandId", commandId, "status", status)
                    : Map.of("commandId", commandId, "status", status, "detail", detail))).mapEmpty());
  }
}
