package org.safecity.gateway.recognition;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What a recognition worker node tells every edge, published on {@code safecity.recognition.workers} every second
 * and whenever it changes: its node, and per worker type it runs the address that takes its jobs, how many jobs it
 * takes at once (its credits, shared by the edges) and which cameras' frames it wants now. JSON on the bus, so any
 * node (and a person reading a bus dump) understands it.
 *
 * @param node    the Vert.x node id (the cluster membership's id: its leaving ends the worker)
 * @param name    the node's configured name, for logs and metrics
 * @param leaving the node is stopping: no new jobs, the ones in flight still come back
 * @param offers  one per worker type running there
 */
public record WorkerAnnouncement(String node, String name, boolean leaving, List<Offer> offers) {

  /** Which cameras a worker type wants frames of now; the edge decides per camera, so nothing is decoded in vain. */
  public enum Interest {
    /** Every camera (a non-empty watchlist or hotlist). */
    ALL,
    /** Enforcement cameras only (plates with an empty hotlist: only e-challans can come of it). */
    ENFORCEMENT,
    /** None now (an empty watchlist): the type is known, frames are not taken for it. */
    NONE;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Interest fromWire(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }

    /** The wider of two interests: a type wants what any of its workers wants. */
    Interest or(Interest other) {
      return ordinal() <= other.ordinal() ? this : other;
    }
  }

  /**
   * One worker type on the node.
   *
   * @param type    the worker type ({@code face}, {@code plate}, ...)
   * @param address where its jobs go (this node's consumer only)
   * @param credits jobs it takes at once, from all edges together
   * @param cameras which cameras it wants frames of
   */
  public record Offer(String type, String address, int credits, Interest cameras) {
    public Offer {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(cameras, "cameras");
      if (credits < 1) {
        throw new IllegalArgumentException("a worker takes at least one job at a time, not " + credits);
      }
    }
  }

  public WorkerAnnouncement {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(name, "name");
    offers = List.copyOf(offers);
  }

  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    for (Offer o : offers) {
      list.add(new JsonObject().put("type", o.type()).put("address", o.address()).put("credits", o.credits())
          .put("cameras", o.cameras().wire()));
    }
    return new JsonObject().put("node", node).put("name", name).put("leaving", leaving).put("types", list);
  }

  /**
   * Reads {@link #toJson()}.
   *
   * @throws IllegalArgumentException when a member is missing or wrong
   */
  public static WorkerAnnouncement fromJson(JsonObject j) {
    try {
      List<Offer> offers = new ArrayList<>();
      for (Object o : j.getJsonArray("types", new JsonArray())) {
        JsonObject t = (JsonObject) o;
        offers.add(new Offer(t.getString("type"), t.getString("address"), t.getInteger("credits"),
            Interest.fromWire(t.getString("cameras"))));
      }
      return new WorkerAnnouncement(j.getString("node"), j.getString("name", ""), j.getBoolean("leaving", false), offers);
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("not a worker announcement: " + j.encode(), e);
    }
  }
}
