package org.safecity.gateway.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real command-line client (mosquitto_pub, mosquitto_sub ...) and captures what it printed. */
public final class Cli {
  public record Result(int exit, String output) {
  }

  private Cli() {
  }

  public static Result run(Duration timeout, String stdin, String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish within " + timeout + ": "
          + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  /** Starts a long-running client; the caller kills it. */
  public static Process start(String... cmd) throws IOException {
    return new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
  }
}
