package org.safecity.gateway.testing;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real GraphQL subscriber in a child process: {@code src/test/resources/graphql/subscribe.cjs} on Node.js with the
 * graphql-ws reference client (graphql-transport-ws) and ws, pinned by {@code .ci/graphql-ws-client/package-lock.json}
 * and installed there on first use (as {@code .ci/lint-specs} installs its linters). Each line the script prints is
 * one JSON message, kept in arrival order.
 */
public final class GraphQLSubscriber implements AutoCloseable {
  static final Path CLIENT = Path.of(".ci", "graphql-ws-client");

  private final Process process;
  private final LinkedBlockingQueue<JsonObject> lines = new LinkedBlockingQueue<>();
  private final List<JsonObject> seen = new ArrayList<>();
  private final StringBuffer stderr = new StringBuffer();

  private GraphQLSubscriber(Process process) {
    this.process = process;
    Thread out = new Thread(() -> read(process.getInputStream(), line -> lines.add(new JsonObject(line))), "graphql-subscriber-out");
    Thread err = new Thread(() -> read(process.getErrorStream(), line -> stderr.append(line).append('\n')), "graphql-subscriber-err");
    out.setDaemon(true);
    err.setDaemon(true);
    out.start();
    err.start();
  }

  /** Starts the script: it connects to {@code url} with {@code initPayload} as connection_init and subscribes. */
  public static GraphQLSubscriber start(String url, JsonObject initPayload, String query, JsonObject variables)
      throws Exception {
    install();
    List<String> cmd = new ArrayList<>(List.of("node", script().toString(), url, initPayload.encode(), query));
    if (variables != null) {
      cmd.add(variables.encode());
    }
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("NODE_PATH", CLIENT.resolve("node_modules").toAbsolutePath().toString());
    return new GraphQLSubscriber(pb.start());
  }

  /** Installs the pinned client unless it is there already in the pinned version. */
  static synchronized void install() throws Exception {
    JsonObject pins = new JsonObject(Files.readString(CLIENT.resolve("package.json")));
    String pinned = pins.getJsonObject("dependencies").getString("graphql-ws");
    Path installed = CLIENT.resolve("node_modules/graphql-ws/package.json");
    if (Files.isRegularFile(installed) && pinned.equals(new JsonObject(Files.readString(installed)).getString("version"))) {
      return;
    }
    Process npm = new ProcessBuilder("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
        .directory(CLIENT.toFile()).redirectErrorStream(true).start();
    npm.getOutputStream().close();
    String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      throw new AssertionError("npm ci in " + CLIENT + " failed: " + out);
    }
  }

  private static Path script() throws Exception {
    return Path.of(GraphQLSubscriber.class.getResource("/graphql/subscribe.cjs").toURI());
  }

  /** The next message, waiting up to {@code timeout}. */
  public JsonObject next(Duration timeout) throws InterruptedException {
    JsonObject m = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (m == null) {
      throw new AssertionError("no message from the subscriber within " + timeout + "; so far " + seen
          + (process.isAlive() ? "" : "; it exited with " + process.exitValue()) + "; stderr: " + stderr);
    }
    seen.add(m);
    return m;
  }

  /** Messages up to and including the first that matches, waiting up to {@code timeout} for it. */
  public List<JsonObject> until(Predicate<JsonObject> last, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    List<JsonObject> out = new ArrayList<>();
    while (true) {
      JsonObject m = next(Duration.ofNanos(Math.max(1, end - System.nanoTime())));
      out.add(m);
      if (last.test(m)) {
        return out;
      }
    }
  }

  /** Messages that arrived and were not taken yet (none waited for). */
  public List<JsonObject> drain() {
    List<JsonObject> out = new ArrayList<>();
    lines.drainTo(out);
    seen.addAll(out);
    return out;
  }

  /** Every message taken so far, in arrival order. */
  public List<JsonObject> seen() {
    return List.copyOf(seen);
  }

  public boolean exited(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public String stderr() {
    return stderr.toString();
  }

  /** Closes stdin (the script disposes of its client and the socket closes), then makes sure the process is gone. */
  @Override
  public void close() throws Exception {
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // already gone
    }
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  private static void read(java.io.InputStream in, java.util.function.Consumer<String> sink) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        sink.accept(line);
      }
    } catch (IOException ignored) {
      // the process ended
    }
  }
}
