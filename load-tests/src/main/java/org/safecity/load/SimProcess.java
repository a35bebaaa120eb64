package org.safecity.load;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One simulator child process of the benchmark: started with a command line, watched through its stdout
 * lines ({@code stats}, {@code connect-phase-end}, the JSON summary), stopped with SIGTERM (clean
 * DISCONNECTs and a summary) or SIGKILL (sockets die with the process: no DISCONNECT, the broker's
 * last-will path).
 */
final class SimProcess implements AutoCloseable {

  private static final Pattern CONNECTED = Pattern.compile("\\bconnected=(\\d+)/(\\d+)");
  private static final Pattern LOST = Pattern.compile("\\blost=(\\d+)");

  final String name;
  private final Process process;
  private final CountDownLatch phaseEnd = new CountDownLatch(1);
  private final CountDownLatch summaryLatch = new CountDownLatch(1);
  private final Thread reader;
  private volatile int connected;
  private volatile long lost;
  private volatile String phaseEndLine;
  private volatile JsonObject summary;
  private final List<String> tail = new ArrayList<>();
  private volatile Exception readError;

  private SimProcess(String name, Process process, Consumer<String> echo) {
    this.name = name;
    this.process = process;
    this.reader = new Thread(() -> read(echo), "sim-out-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code java <javaOpts> -cp <jar> org.safecity.load.BoxSimulator <simArgs>}, stderr into
   * {@code stderrFile}. {@code echo} sees each stdout line (null = silent).
   */
  static SimProcess start(String name, Path jar, List<String> javaOpts, List<String> simArgs, Path stderrFile,
                          Consumer<String> echo) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(javaOpts);
    cmd.add("-cp");
    cmd.add(jar.toString());
    cmd.add(BoxSimulator.class.getName());
    cmd.addAll(simArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectError(ProcessBuilder.Redirect.appendTo(stderrFile.toFile()))
        .redirectInput(ProcessBuilder.Redirect.PIPE);
    return new SimProcess(name, pb.start(), echo);
  }

  private void read(Consumer<String> echo) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (tail) {
          tail.add(line);
          if (tail.size() > 20) {
            tail.remove(0);
          }
        }
        if (echo != null && !line.startsWith("{")) {
          echo.accept(line);
        }
        if (line.startsWith("stats ")) {
          Matcher m = CONNECTED.matcher(line);
          if (m.find()) {
            connected = Integer.parseInt(m.group(1));
          }
          Matcher l = LOST.matcher(line);
          if (l.find()) {
            lost = Long.parseLong(l.group(1));
          }
        } else if (line.startsWith("connect-phase-end")) {
          Matcher m = CONNECTED.matcher(line.replace(" of=", "/"));
          if (m.find()) {
            connected = Integer.parseInt(m.group(1));
          }
          phaseEndLine = line;
          phaseEnd.countDown();
        } else if (line.startsWith("{\"summary\"")) {
          summary = new JsonObject(line);
          summaryLatch.countDown();
        }
      }
    } catch (IOException | RuntimeException e) {
      readError = e;
    } finally {
      phaseEnd.countDown();
      summaryLatch.countDown();
    }
  }

  /** Waits for the end of the connect phase; false on timeout or when the process died first. */
  boolean awaitConnectPhase(long timeoutMillis) throws InterruptedException {
    return phaseEnd.await(timeoutMillis, TimeUnit.MILLISECONDS) && phaseEndLine != null;
  }

  /** The latest connected count it printed. */
  int connected() {
    return connected;
  }

  long lost() {
    return lost;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM, then waits for the summary (clean DISCONNECT of every box first). Null when none came. */
  JsonObject terminate(long timeoutMillis) throws InterruptedException {
    // Not process.destroy(): that also closes our end of its stdout, and the summary with it.
    process.toHandle().destroy();
    return awaitSummary(timeoutMillis);
  }

  /** Waits for the process to finish on its own and print its summary. */
  JsonObject awaitSummary(long timeoutMillis) throws InterruptedException {
    summaryLatch.await(timeoutMillis, TimeUnit.MILLISECONDS);
    if (summary == null) {
      process.destroyForcibly();
    }
    process.waitFor(5, TimeUnit.SECONDS);
    return summary;
  }

  /** SIGKILL: the kernel closes its sockets, no MQTT DISCONNECT is sent. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  String lastLines() {
    synchronized (tail) {
      return String.join("\n", tail) + (readError == null ? "" : "\n(reading its output failed: " + readError + ")");
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
