package org.safecity.gateway.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.LinkedHashMap;
import java.util.Map;
import org.safecity.gateway.auth.Audit;
import org.safecity.gateway.auth.Principal;
import org.safecity.gateway.auth.Role;
import org.safecity.gateway.incidents.Incidents;
import org.safecity.gateway.recognition.Watchlist;

/**
 * Reading the face watchlist and its evidence, for REST and GraphQL alike: who may (staff, and agencies granted
 * {@code faces:read}; never an ERV crew, whatever its account says), region rules for hits and snapshots, and an
 * audit entry for every read — written before the answer, so no read goes unrecorded. Refusals are
 * {@link Incidents.Refused} with the REST status.
 */
public final class WatchlistService {
  /** The event type of a face hit (recognition.FaceHits). */
  static final String HIT = "recognition.face.hit";

  private final Watchlist watchlist;
  private final Pool pool;
  private final Audit audit;

  public WatchlistService(Watchlist watchlist, Pool pool, Audit audit) {
    this.watchlist = watchlist;
    this.pool = pool;
    this.audit = audit;
  }

  /** Staff, or an agency granted {@code faces:read}. ERV crews never: a watchlist is not a crew's business. */
  public static boolean mayRead(Principal p) {
    return p.role().isStaff() || (p.role() == Role.AGENCY && p.scopes().contains(Principal.FACES_READ));
  }

  /** Supervisors and admins change the list; operators act on hits but do not decide who is on it. */
  public static boolean mayWrite(Principal p) {
    return p.is(Role.SUPERVISOR, Role.ADMIN);
  }

  static final String READ_RULE = "command-centre staff, or an agency with scope " + Principal.FACES_READ;
  static final String WRITE_RULE = "supervisor or admin";

  Watchlist watchlist() {
    return watchlist;
  }

  /** A page of people (REST {@code listWatchlistPersons}). */
  public Future<JsonObject> persons(Principal p, String remote, String after, int limit, String via) {
    return allowed(p).compose(v -> watchlist.persons(after, limit))
        .compose(page -> audited(p, "watchlist.persons.read", "watchlist", remote, details(via, "after", after,
            "limit", limit, "returned", page.persons().size()), page))
        .map(page -> {
          JsonArray persons = new JsonArray();
          page.persons().forEach(x -> persons.add(json(x)));
          return new JsonObject().put("persons", persons).put("listVersion", page.version())
              .put("nextAfter", page.nextAfter());
        });
  }

  /** One person; a lookup of someone not on the list is audited too (asking is telling). */
  public Future<JsonObject> person(Principal p, String remote, String personId, String via) {
    return allowed(p).compose(v -> watchlist.person(personId))
        .compose(found -> audited(p, "watchlist.person.read", target(personId), remote,
            details(via, "found", found.isPresent()), found))
        .compose(found -> found.map(x -> Future.succeededFuture(json(x)))
            .orElseGet(() -> Future.failedFuture(new Incidents.Refused(404, "no person " + personId + " is on the watchlist"))));
  }

  /** Face hits, newest first, of the regions the caller sees. */
  public Future<JsonObject> hits(Principal p, String remote, String camera, String personId, long before, int limit,
      String via) {
    String[] regions = p.regions().isEmpty() ? null : p.regions().toArray(new String[0]);
    return allowed(p).compose(v -> pool.preparedQuery("SELECT id, source, region, ts, body FROM event_log "
                + "WHERE type = $1 AND ($2 = 0 OR id < $2) AND ($3::text IS NULL OR source = $3) "
                + "AND ($4::text IS NULL OR body->>'personId' = $4) AND ($5::text[] IS NULL OR region = ANY($5)) "
                + "ORDER BY id DESC LIMIT $6")
            .execute(Tuple.of(HIT, before, camera, personId, regions, limit + 1)))
        .map(rows -> {
          JsonArray hits = new JsonArray();
          long last = 0;
          for (Row r : rows) {
            if (hits.size() == limit) {
              return new JsonObject().put("hits", hits).put("nextBefore", last);
            }
            JsonObject b = r.getJsonObject("body");
            last = r.getLong("id");
            hits.add(new JsonObject().put("id", last).put("at", r.getOffsetDateTime("ts").toInstant().toString())
                .put("camera", r.getString("source")).put("region", r.getString("region"))
                .put("personId", b.getString("personId")).put("name", b.getString("name"))
                .put("reason", b.getString("reason")).put("score", b.getValue("score"))
                .put("listVersion", b.getValue("listVersion")).put("box", b.getJsonObject("box"))
                .put("snapshots", b.getJsonObject("snapshots")));
          }
          return new JsonObject().put("hits", hits).putNull("nextBefore");
        })
        .compose(page -> audited(p, "watchlist.hits.read", "watchlist-hits", remote, details(via, "camera", camera,
            "personId", personId, "before", before, "limit", limit, "returned", page.getJsonArray("hits").size()), page));
  }

  /** The stored face picture of an enrolled photo. */
  public Future<Watchlist.Thumbnail> photo(Principal p, String remote, String personId, long photoId) {
    return allowed(p).compose(v -> watchlist.thumbnail(personId, photoId))
        .compose(t -> audited(p, "watchlist.photo.read", target(personId), remote,
            details("rest", "photoId", photoId, "found", t.isPresent()), t))
        .compose(t -> t.map(Future::succeededFuture).orElseGet(() -> Future.failedFuture(new Incidents.Refused(404,
            "person " + personId + " has no photo " + photoId + " with a stored picture"))));
  }

  static String target(String personId) {
    return "watchlist-person:" + personId;
  }

  private static Future<Void> allowed(Principal p) {
    return mayRead(p) ? Future.succeededFuture() : Future.failedFuture(new Incidents.Refused(403,
        p.role().wire() + " " + p.id() + " may not read the watchlist: " + READ_RULE));
  }

  private <T> Future<T> audited(Principal p, String action, String target, String remote, Map<String, Object> details,
      T result) {
    return audit.record(p, action, target, remote, details).map(result);
  }

  /** Audit details: how the read came ({@code rest}, {@code graphql}) and the arguments given (nulls left out). */
  static Map<String, Object> details(String via, Object... pairs) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("via", via);
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i + 1] != null) {
        out.put((String) pairs[i], pairs[i + 1]);
      }
    }
    return out;
  }

  /** The contract's {@code WatchlistPerson}; GraphQL's type reads the same object. */
  public static JsonObject json(Watchlist.Person x) {
    JsonArray photos = new JsonArray();
    for (Watchlist.Photo f : x.photos()) {
      photos.add(new JsonObject().put("id", f.id()).put("label", f.label()).put("sha256", f.sha256())
          .put("width", f.width()).put("height", f.height())
          .put("face", f.faceX() == null ? null : new JsonObject().put("x", f.faceX()).put("y", f.faceY())
              .put("width", f.faceWidth()).put("height", f.faceHeight()))
          .put("picture", f.thumbnail() ? "/api/v1/watchlist/persons/" + x.id() + "/photos/" + f.id() : null)
          .put("addedAt", f.addedAt().toString()).put("addedBy", f.addedBy()));
    }
    return new JsonObject().put("id", x.id()).put("name", x.name()).put("reason", x.reason())
        .put("addedAt", x.addedAt().toString()).put("addedBy", x.addedBy())
        .put("updatedAt", x.updatedAt().toString()).put("updatedBy", x.updatedBy()).put("photos", photos);
  }
}
