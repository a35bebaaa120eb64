package org.safecity.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The scale-out report of {@code cluster-bench.sh}: reads the results each benchmark wrote for each node count
 * ({@code <dir>/<mqtt|rtsp|sse>-<nodes>/*.json}) and prints, per figure, the value at every node count, the
 * ratio to one node and the gain per added node; writes {@code <dir>/cluster-<timestamp>.json}.
 */
public final class ClusterReport {
  /** One figure: where it is in a benchmark's results. */
  record Figure(String bench, String name, Function<JsonObject, Double> read) {
  }

  static final List<Figure> FIGURES = List.of(
      new Figure("mqtt", "MQTT connections/s (median of runs)",
          r -> number(r.getJsonObject("targets").getJsonObject("gateway").getJsonObject("connectRate"), "medianPerSecond")),
      new Figure("mqtt", "MQTT QoS 1 telemetry msgs/s committed (median)",
          r -> number(r.getJsonObject("targets").getJsonObject("gateway").getJsonObject("throughput"), "medianMsgsPerS")),
      new Figure("rtsp", "RTSP streams held with zero loss (largest step)",
          r -> number(r.getJsonObject("summary"), "gatewayMaxStreamsZeroLoss")),
      new Figure("rtsp", "RTSP ingest Mbit/s at that step", r -> rtspStep(r, "ingestMbitPerS")),
      new Figure("rtsp", "RTSP server CPU cores at that step (all nodes)", r -> rtspStep(r, "serverCpuCores")),
      new Figure("sse", "SSE subscribers held with zero loss (largest step)", r -> sse(r, true)),
      new Figure("sse", "SSE deliveries/s at that step", r -> sse(r, false)));

  private ClusterReport() {
  }

  public static void main(String[] argv) throws Exception {
    if (argv.length != 1) {
      System.err.println("usage: ClusterReport <dir>   (the directory cluster-bench.sh wrote)");
      System.exit(2);
    }
    Path dir = Path.of(argv[0]);
    JsonObject out = new JsonObject().put("benchmark", "cluster").put("at", Instant.now().toString());
    JsonArray figures = new JsonArray();
    StringBuilder table = new StringBuilder();
    List<Integer> counts = nodeCounts(dir);
    table.append(String.format(Locale.ROOT, "%-52s", "figure (all nodes together)"));
    counts.forEach(n -> table.append(String.format(Locale.ROOT, "%12s", n + (n == 1 ? " node" : " nodes"))));
    table.append(String.format(Locale.ROOT, "%14s%16s%n", "x vs 1 node", "per added node"));
    for (Figure f : FIGURES) {
      JsonObject row = new JsonObject().put("figure", f.name());
      List<Double> values = new ArrayList<>();
      table.append(String.format(Locale.ROOT, "%-52s", f.name()));
      for (int n : counts) {
        Double v = read(dir, f, n);
        values.add(v);
        row.put(Integer.toString(n), v);
        table.append(String.format(Locale.ROOT, "%12s", v == null ? "-" : String.format(Locale.ROOT, v < 100 ? "%.2f" : "%,.0f", v)));
      }
      Double first = values.get(0);
      Double last = values.get(values.size() - 1);
      int added = counts.get(counts.size() - 1) - counts.get(0);
      if (first != null && last != null && first > 0 && added > 0) {
        double ratio = last / first;
        // The share of one node's figure each added node brings: 1.0 is linear scaling, 0 none, below 0 a loss.
        double perNode = (last - first) / first / added;
        row.put("ratio", ratio).put("gainPerAddedNode", perNode);
        table.append(String.format(Locale.ROOT, "%14.2f%16.2f%n", ratio, perNode));
      } else {
        table.append(String.format(Locale.ROOT, "%14s%16s%n", "-", "-"));
      }
      figures.add(row);
    }
    System.out.println("== scale-out (same machine, one run per node count; a node count's runs one after another)");
    System.out.print(table);
    System.out.println("note: 'x vs 1 node' = figure at the most nodes / figure at 1 node; 'per added node' = the gain each"
        + " added node brings, as a share of one node's figure (1.00 = linear, 0 = none, below 0 = a loss).");
    System.out.println("note: every node count is a cluster (Hazelcast, one shared PostgreSQL), 1 node included, so the"
        + " ratios show what adding nodes brings, not the cost of clustering. On a machine with fewer cores than nodes"
        + " the nodes share the cores with each other, PostgreSQL and the load generators.");
    out.put("nodeCounts", new JsonArray(counts)).put("figures", figures)
        .put("cores", Runtime.getRuntime().availableProcessors());
    Path file = dir.resolve("cluster-" + Instant.now().toString().replace(':', '-').replaceAll("\\.\\d+", "") + ".json");
    Files.writeString(file, out.encodePrettily());
    System.out.println("results: " + file);
  }

  static List<Integer> nodeCounts(Path dir) throws IOException {
    TreeMap<Integer, Boolean> found = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.map(p -> p.getFileName().toString()).filter(n -> n.matches("(mqtt|rtsp|sse)-\\d+"))
          .forEach(n -> found.put(Integer.parseInt(n.substring(n.indexOf('-') + 1)), true));
    }
    if (found.isEmpty()) {
      throw new IOException("no results under " + dir + " (expected mqtt-<n>, rtsp-<n>, sse-<n>)");
    }
    return new ArrayList<>(found.keySet());
  }

  /** The figure from the newest results file of that benchmark and node count, or null. */
  static Double read(Path dir, Figure f, int n) {
    Path sub = dir.resolve(f.bench() + "-" + n);
    if (!Files.isDirectory(sub)) {
      return null;
    }
    try (Stream<Path> s = Files.list(sub)) {
      Optional<Path> newest = s.filter(p -> p.toString().endsWith(".json")).max(Path::compareTo);
      if (newest.isEmpty()) {
        return null;
      }
      return f.read().apply(new JsonObject(Files.readString(newest.get())));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static Double number(JsonObject o, String key) {
    return o == null || o.getValue(key) == null ? null : ((Number) o.getValue(key)).doubleValue();
  }

  /** A figure of the largest RTSP step held with zero loss. */
  static Double rtspStep(JsonObject r, String key) {
    Double held = number(r.getJsonObject("summary"), "gatewayMaxStreamsZeroLoss");
    for (Object o : r.getJsonArray("steps")) {
      JsonObject g = ((JsonObject) o).getJsonObject("gateway");
      if (g != null && held != null && number(g, "streams") != null && number(g, "streams").equals(held)) {
        return number(g, key);
      }
    }
    return null;
  }

  /** The largest step held with zero loss: its subscribers ({@code held}) or its deliveries/s. */
  static Double sse(JsonObject r, boolean held) {
    Double best = null;
    Double deliveries = null;
    for (Object o : r.getJsonArray("steps")) {
      JsonObject g = ((JsonObject) o).getJsonObject("gateway");
      if (g == null) {
        continue;
      }
      if (Boolean.TRUE.equals(g.getBoolean("zeroLoss"))) {
        best = number(g, "subscribers");
        deliveries = g.getJsonObject("window") == null ? null : number(g.getJsonObject("window"), "deliveriesPerS");
      }
    }
    return held ? best : deliveries;
  }
}
