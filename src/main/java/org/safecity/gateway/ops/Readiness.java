package org.safecity.gateway.ops;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What {@code /health/ready} answers from. Each part registers a check: either a live probe (the store: a
 * round trip now, so readiness flips as soon as the database goes) or a flag the part keeps (an edge is up
 * once its server listens, down once it stops accepting).
 */
public final class Readiness {
  /** Outcome of one check. */
  public record Check(boolean up, String detail) {
    public static Check ok() {
      return new Check(true, null);
    }

    public static Check failed(String detail) {
      return new Check(false, detail);
    }
  }

  private final Map<String, Supplier<Future<Check>>> checks = new ConcurrentHashMap<>();
  private final Map<String, Check> flags = new ConcurrentHashMap<>();
  private final java.util.Set<String> informational = ConcurrentHashMap.newKeySet();
  private final Map<String, Supplier<JsonObject>> sections = new ConcurrentHashMap<>();

  public void probe(String part, Supplier<Future<Check>> probe) {
    checks.put(part, probe);
  }

  /** Sets a part's state; a part with no flag yet counts as down ("starting"). */
  public void set(String part, Check state) {
    flags.put(part, state);
    checks.putIfAbsent(part, () -> Future.succeededFuture(flags.getOrDefault(part, Check.failed("starting"))));
  }

  /**
   * A part that is reported (marked {@code "informational": true}) but never makes the gateway unready, such as
   * a recognizer whose models are missing: the gateway serves everything else.
   */
  public void info(String part, Supplier<Check> state) {
    informational.add(part);
    checks.put(part, () -> Future.succeededFuture(state.get()));
  }

  /** A top-level object shown beside {@code checks} (the cluster's members), never a reason to be unready. */
  public void section(String name, Supplier<JsonObject> content) {
    sections.put(name, content);
  }

  public void expect(String part) {
    set(part, Check.failed("starting"));
  }

  /** Runs every check; the JSON has {@code status} UP only when all are up. */
  public Future<JsonObject> evaluate() {
    List<String> names = new ArrayList<>(checks.keySet());
    names.sort(null);
    List<Future<Check>> results = new ArrayList<>();
    for (String n : names) {
      results.add(checks.get(n).get().recover(e -> Future.succeededFuture(Check.failed(describe(e)))));
    }
    return Future.join(results).map(v -> {
      JsonObject parts = new JsonObject();
      boolean all = true;
      for (int i = 0; i < names.size(); i++) {
        Check c = results.get(i).result();
        JsonObject j = new JsonObject().put("status", c.up() ? "UP" : "DOWN");
        if (c.detail() != null) {
          j.put("detail", c.detail());
        }
        if (informational.contains(names.get(i))) {
          j.put("informational", true);
        } else {
          all &= c.up();
        }
        parts.put(names.get(i), j);
      }
      JsonObject out = new JsonObject().put("status", all ? "UP" : "DOWN").put("checks", parts);
      sections.forEach((name, content) -> out.put(name, content.get()));
      return out;
    });
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
