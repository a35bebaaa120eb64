package org.safecity.gateway.rtsp;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * GStreamer's RTSP server (src/test/resources/gst-rtsp-server.py) as a child process: a real third-party camera
 * for the pull client. Killed with SIGKILL, as a camera losing power would be.
 */
final class GstRtspServer implements AutoCloseable {
  static final String MOUNT = "/stream1";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  private final int port;
  private final List<String> args;
  private final StringBuffer output = new StringBuffer();
  private Process process;

  /** {@code auth}: none, basic or digest. */
  GstRtspServer(int port, String auth, String user, String password) throws Exception {
    this.port = port;
    this.args = List.of("--port", String.valueOf(port), "--mount", MOUNT, "--auth", auth, "--user", user,
        "--password", password);
    start();
  }

  /** Starts (again) on the same port; retries while the port is still held by the previous process's socket. */
  synchronized void start() throws Exception {
    long end = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script().toString()));
      cmd.addAll(args);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      CompletableFuture<Boolean> ready = new CompletableFuture<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            output.append(line).append('\n');
            if (line.startsWith("ready ")) {
              ready.complete(true);
            }
          }
        } catch (Exception ignored) {
          // the process was killed
        }
        ready.complete(false);
      }, "gst-rtsp-server-" + port);
      reader.setDaemon(true);
      reader.start();
      long left = Math.max(1, end - System.nanoTime());
      if (ready.get(left, TimeUnit.NANOSECONDS)) {
        process = p;
        return;
      }
      p.destroyForcibly().waitFor();
      if (System.nanoTime() > end) {
        throw new AssertionError("gst-rtsp-server on port " + port + " did not start: " + output);
      }
      Thread.sleep(200);
    }
  }

  /** SIGKILL: the camera is gone at once, sockets and all. */
  synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  int port() {
    return port;
  }

  synchronized long pid() {
    return process.pid();
  }

  /** The source URL a devices file names, with credentials percent-encoded. */
  String url(String userinfo, String query) {
    return "rtsp://" + (userinfo.isEmpty() ? "" : userinfo + "@") + "127.0.0.1:" + port + MOUNT + query;
  }

  String output() {
    return output.toString();
  }

  private static Path script() throws Exception {
    return Path.of(GstRtspServer.class.getResource("/gst-rtsp-server.py").toURI());
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
