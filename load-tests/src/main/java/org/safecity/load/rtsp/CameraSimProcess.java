package org.safecity.load.rtsp;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The camera simulator as the benchmark's child process: watched through its stdout ({@code ramp-end}, the JSON
 * summary), driven through its stdin ({@code window}, {@code stop}, {@code exit}).
 */
final class CameraSimProcess implements AutoCloseable {

  private final Process process;
  private final OutputStream stdin;
  private final CountDownLatch rampEnd = new CountDownLatch(1);
  private final CountDownLatch summaryLatch = new CountDownLatch(1);
  private volatile String rampEndLine;
  private volatile JsonObject summary;
  private final List<String> tail = new ArrayList<>();

  private CameraSimProcess(Process process, Consumer<String> echo) {
    this.process = process;
    this.stdin = process.getOutputStream();
    Thread t = new Thread(() -> read(echo), "camera-sim-out");
    t.setDaemon(true);
    t.start();
  }

  static CameraSimProcess start(Path jar, List<String> javaOpts, List<String> simArgs, Path stderr,
                                Consumer<String> echo) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(javaOpts);
    cmd.add("-cp");
    cmd.add(jar.toString());
    cmd.add(CameraSimulator.class.getName());
    cmd.addAll(simArgs);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
        .redirectInput(ProcessBuilder.Redirect.PIPE).start();
    return new CameraSimProcess(p, echo);
  }

  private void read(Consumer<String> echo) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("{\"summary\"")) {
          summary = new JsonObject(line);
          summaryLatch.countDown();
          continue;
        }
        synchronized (tail) {
          tail.add(line);
          if (tail.size() > 20) {
            tail.remove(0);
          }
        }
        if (echo != null) {
          echo.accept(line);
        }
        if (line.startsWith("ramp-end")) {
          rampEndLine = line;
          rampEnd.countDown();
        }
      }
    } catch (IOException | RuntimeException e) {
      synchronized (tail) {
        tail.add("(reading its output failed: " + e + ")");
      }
    } finally {
      rampEnd.countDown();
      summaryLatch.countDown();
    }
  }

  /** The {@code ramp-end ...} line, or null when it did not come in time (or the process died). */
  String awaitRampEnd(long timeoutMillis) throws InterruptedException {
    rampEnd.await(timeoutMillis, TimeUnit.MILLISECONDS);
    return rampEndLine;
  }

  void command(String c) throws IOException {
    stdin.write((c + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }

  /** Sends {@code stop} and waits for the summary; null when none came. */
  JsonObject stop(long timeoutMillis) throws IOException, InterruptedException {
    command("stop");
    summaryLatch.await(timeoutMillis, TimeUnit.MILLISECONDS);
    return summary;
  }

  /** {@code exit}: every session is torn down and the process ends (killed when it does not in time). */
  void exit(long timeoutMillis) throws InterruptedException {
    try {
      command("exit");
    } catch (IOException e) {
      // already gone
    }
    if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String lastLines() {
    synchronized (tail) {
      return String.join("\n", tail);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
