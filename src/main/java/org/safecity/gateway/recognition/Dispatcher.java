package org.safecity.gateway.recognition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.safecity.gateway.recognition.WorkerAnnouncement.Interest;
import org.safecity.gateway.recognition.WorkerAnnouncement.Offer;

/**
 * Spreads one edge node's sampled frames over the live recognition workers of each type, with at most a worker's
 * credits of jobs in flight to it from this edge. A job that finds no free credit waits here in arrival order (the
 * samplers keep at most one frame per camera and type in flight, so at most cameras x types jobs ever wait) and is
 * dropped as {@link Outcome#EXPIRED} when its turn comes past its deadline. When a worker is lost (its node left
 * the cluster, or it stopped announcing itself), each of its jobs in flight is sent once more to another worker of
 * the type if it is still within its deadline, else it ends as {@link Outcome#WORKER_LOST}; a worker that joins
 * takes waiting jobs at once.
 *
 * <p>Plain Java, no Vert.x: the {@link Transport} sends and reports replies back through {@link #replied}. Safe
 * from any thread: state changes under one lock, and sends and completions run after it is released (a job's
 * completion is called exactly once).
 */
final class Dispatcher {

  /** Sends a job to a worker's address; its reply (or failure) must come back through {@link #replied}. */
  interface Transport {
    void send(String address, Job job, int attempt);
  }

  /** One sampled frame on its way to a worker type. */
  static final class Job {
    final String type;
    final SampledFrame frame;
    final long deadlineMillis;
    private final Consumer<Outcome> done;
    private Worker at;
    private int attempts;
    private boolean finished;

    Job(String type, SampledFrame frame, long deadlineMillis, Consumer<Outcome> done) {
      this.type = type;
      this.frame = frame;
      this.deadlineMillis = deadlineMillis;
      this.done = done;
    }
  }

  /** One worker of one type as this edge sees it. */
  private static final class Worker {
    final String node;
    final String name;
    final String type;
    String address;
    int credits;
    Interest cameras;
    boolean leaving;
    long lastSeenMillis;
    final Set<Job> inFlight = new LinkedHashSet<>();

    Worker(String node, String name, String type) {
      this.node = node;
      this.name = name;
      this.type = type;
    }

    int free() {
      return leaving ? 0 : credits - inFlight.size();
    }
  }

  /** Everything about one worker type. */
  private static final class Type {
    final List<Worker> workers = new ArrayList<>();
    final Deque<Job> waiting = new ArrayDeque<>();
    Interest lastInterest = Interest.NONE;
    long retried;
    long lost;
    int next; // round-robin start among equally free workers
  }

  /** A type's figures now, for metrics. */
  record Figures(int workers, int credits, int inFlight, int waiting, long retried, long lost) {
  }

  private final Transport transport;
  private final long deadlineMillis;
  private final LongSupplier clock;
  private final Map<String, Type> types = new LinkedHashMap<>();
  private volatile Map<String, Interest> interests = Map.of();

  /**
   * @param deadlineMillis a frame's deadline from its arrival at the edge (recognition.deadline)
   * @param clock          wall-clock milliseconds (frames carry wall-clock arrival times)
   */
  Dispatcher(Transport transport, long deadlineMillis, LongSupplier clock) {
    this.transport = transport;
    this.deadlineMillis = deadlineMillis;
    this.clock = clock;
  }

  /** What to do once the lock is released. */
  private static final class After {
    final List<Runnable> actions = new ArrayList<>();

    void send(Transport t, Worker w, Job job) {
      String address = w.address;
      int attempt = job.attempts;
      actions.add(() -> t.send(address, job, attempt));
    }

    void finish(Job job, Outcome outcome) {
      job.finished = true;
      actions.add(() -> job.done.accept(outcome));
    }

    void run() {
      for (Runnable r : actions) {
        r.run();
      }
    }
  }

  /**
   * The worker types known here and which cameras they want now (the widest of their live workers'), including
   * types whose workers are all gone (their last interest): frames for those are counted as
   * {@link Outcome#NO_WORKER} rather than silently not taken. Read without the lock.
   */
  Map<String, Interest> interests() {
    return interests;
  }

  /**
   * Sends {@code frame} to a worker of {@code type} now, or queues it until one has a free credit. {@code done} is
   * called exactly once with the frame's outcome, on whichever thread settles it.
   */
  void submit(String type, SampledFrame frame, Consumer<Outcome> done) {
    Job job = new Job(type, frame, frame.arrivedAtMillis() + deadlineMillis, done);
    After after = new After();
    synchronized (this) {
      Type t = types.get(type);
      if (t == null || t.workers.isEmpty()) {
        after.finish(job, Outcome.NO_WORKER);
      } else {
        t.waiting.addLast(job);
        pump(t, after);
      }
    }
    after.run();
  }

  /** A worker's reply (or the bus's failure) to attempt {@code attempt} of {@code job}. */
  void replied(Job job, int attempt, Outcome outcome) {
    After after = new After();
    synchronized (this) {
      if (job.finished || job.attempts != attempt || job.at == null) {
        return; // settled already (its worker was lost, and it was sent again or counted)
      }
      Worker w = job.at;
      Type t = types.get(job.type);
      w.inFlight.remove(job);
      job.at = null;
      if (outcome == Outcome.NO_WORKER) {
        // Nobody listens at the worker's address (yet: a registration may reach this node a moment after the
        // worker's announcement; or any more: its next announcement will not offer the type). Once more, else
        // counted as not delivered.
        retryOr(t, job, Outcome.NO_WORKER, after);
      } else {
        after.finish(job, outcome);
      }
      pump(t, after);
    }
    after.run();
  }

  /**
   * A worker node's announcement: adds its types' workers, updates their credits and interests, or marks them
   * leaving. A type the node no longer offers is removed like a lost worker.
   *
   * @param creditsShare this edge's share of an offer's credits (the edges divide each worker's credits)
   * @return the types the node was not known to run until now
   */
  List<String> announce(WorkerAnnouncement a, java.util.function.IntUnaryOperator creditsShare) {
    long now = clock.getAsLong();
    After after = new After();
    List<String> added = new ArrayList<>();
    synchronized (this) {
      Set<String> offered = new java.util.HashSet<>();
      for (Offer o : a.offers()) {
        offered.add(o.type());
        Type t = types.computeIfAbsent(o.type(), k -> new Type());
        Worker w = find(t, a.node());
        if (w == null) {
          w = new Worker(a.node(), a.name(), o.type());
          t.workers.add(w);
          added.add(o.type());
        }
        w.address = o.address();
        w.credits = Math.max(1, creditsShare.applyAsInt(o.credits()));
        w.cameras = o.cameras();
        w.leaving = a.leaving();
        w.lastSeenMillis = now;
        pump(t, after);
      }
      for (Map.Entry<String, Type> e : types.entrySet()) {
        Worker w = find(e.getValue(), a.node());
        if (w != null && !offered.contains(e.getKey())) {
          lose(e.getValue(), List.of(w), after);
        }
      }
      refreshInterests();
    }
    after.run();
    return added;
  }

  /**
   * Every worker on {@code node} is gone (the node left the cluster): their jobs in flight are retried or lost.
   *
   * @return the types it had workers of
   */
  List<String> nodeLeft(String node) {
    After after = new After();
    List<String> gone = new ArrayList<>();
    synchronized (this) {
      for (Map.Entry<String, Type> e : types.entrySet()) {
        Worker w = find(e.getValue(), node);
        if (w != null) {
          gone.add(e.getKey());
          lose(e.getValue(), List.of(w), after);
        }
      }
      refreshInterests();
    }
    after.run();
    return gone;
  }

  /**
   * Workers not heard from since {@code silentSinceMillis} are treated as lost.
   *
   * @return "name/type" of each
   */
  List<String> expire(long silentSinceMillis) {
    After after = new After();
    List<String> gone = new ArrayList<>();
    synchronized (this) {
      for (Map.Entry<String, Type> e : types.entrySet()) {
        List<Worker> silent = e.getValue().workers.stream().filter(w -> w.lastSeenMillis < silentSinceMillis).toList();
        if (!silent.isEmpty()) {
          silent.forEach(w -> gone.add(w.name + "/" + e.getKey()));
          lose(e.getValue(), silent, after);
        }
      }
      if (!gone.isEmpty()) {
        refreshInterests();
      }
    }
    after.run();
    return gone;
  }

  synchronized Figures figures(String type) {
    Type t = types.get(type);
    if (t == null) {
      return new Figures(0, 0, 0, 0, 0, 0);
    }
    int credits = 0;
    int inFlight = 0;
    for (Worker w : t.workers) {
      credits += w.leaving ? 0 : w.credits;
      inFlight += w.inFlight.size();
    }
    return new Figures(t.workers.size(), credits, inFlight, t.waiting.size(), t.retried, t.lost);
  }

  /** The nodes with a live worker of {@code type}, by name. */
  synchronized List<String> workers(String type) {
    Type t = types.get(type);
    return t == null ? List.of() : t.workers.stream().map(w -> w.name).toList();
  }

  private static Worker find(Type t, String node) {
    for (Worker w : t.workers) {
      if (w.node.equals(node)) {
        return w;
      }
    }
    return null;
  }

  /** Removes workers whose jobs in flight can no longer be answered. */
  private void lose(Type t, List<Worker> lost, After after) {
    List<Job> orphans = remove(t, lost, after);
    for (Job job : orphans) {
      retryOr(t, job, Outcome.WORKER_LOST, after);
    }
    pump(t, after);
  }

  /** Takes workers out of the type; returns their jobs in flight (no longer at any worker). */
  private List<Job> remove(Type t, List<Worker> gone, After after) {
    List<Job> orphans = new ArrayList<>();
    for (Worker w : gone) {
      t.workers.remove(w);
      for (Job j : w.inFlight) {
        j.at = null;
        orphans.add(j);
      }
      w.inFlight.clear();
    }
    if (t.workers.isEmpty()) {
      // Nobody left to take what waits here.
      while (!t.waiting.isEmpty()) {
        after.finish(t.waiting.pollFirst(), Outcome.NO_WORKER);
      }
    }
    return orphans;
  }

  /** A job its worker did not take: once more (to any live worker) while within its deadline, else {@code failure}. */
  private void retryOr(Type t, Job job, Outcome failure, After after) {
    boolean live = t.workers.stream().anyMatch(w -> !w.leaving);
    if (job.attempts < 2 && live && clock.getAsLong() <= job.deadlineMillis) {
      t.retried++;
      t.waiting.addFirst(job); // it is older than everything waiting
    } else {
      if (failure == Outcome.WORKER_LOST) {
        t.lost++;
      }
      after.finish(job, failure);
    }
  }

  /** Hands waiting jobs to workers with free credits, oldest first; expired ones end here. */
  private void pump(Type t, After after) {
    long now = clock.getAsLong();
    while (!t.waiting.isEmpty()) {
      Worker w = freest(t);
      if (w == null) {
        return;
      }
      Job job = t.waiting.pollFirst();
      if (now > job.deadlineMillis) {
        after.finish(job, Outcome.EXPIRED);
        continue;
      }
      job.at = w;
      job.attempts++;
      w.inFlight.add(job);
      after.send(transport, w, job);
    }
  }

  /** The worker with the most free credits; equals take turns. Null when none has one. */
  private static Worker freest(Type t) {
    int n = t.workers.size();
    Worker best = null;
    for (int i = 0; i < n; i++) {
      Worker w = t.workers.get((t.next + i) % n);
      if (w.free() > 0 && (best == null || w.free() > best.free())) {
        best = w;
      }
    }
    if (best != null) {
      t.next = (t.workers.indexOf(best) + 1) % n;
    }
    return best;
  }

  private void refreshInterests() {
    Map<String, Interest> out = new HashMap<>();
    for (Map.Entry<String, Type> e : types.entrySet()) {
      Type t = e.getValue();
      Interest i = null;
      for (Worker w : t.workers) {
        if (!w.leaving) {
          i = i == null ? w.cameras : i.or(w.cameras);
        }
      }
      if (i != null) {
        t.lastInterest = i;
      }
      out.put(e.getKey(), t.lastInterest);
    }
    if (!out.equals(interests)) {
      interests = Map.copyOf(out); // a new object only on a change: the fan-out re-derives its routing then
    }
  }

  /** For tests: the jobs in flight at the worker on {@code node}. */
  synchronized int inFlight(String type, String node) {
    Type t = types.get(type);
    Worker w = t == null ? null : find(t, node);
    return w == null ? 0 : w.inFlight.size();
  }
}
