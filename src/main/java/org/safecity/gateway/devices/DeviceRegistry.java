package org.safecity.gateway.devices;

import static org.safecity.gateway.devices.DeviceStore.boxPrincipal;
import static org.safecity.gateway.devices.DeviceStore.cameraPublishPrincipal;
import static org.safecity.gateway.devices.DeviceStore.cameraReadPrincipal;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.safecity.gateway.config.ConfigException;
import org.safecity.gateway.core.Box;
import org.safecity.gateway.devices.DeviceStore.Stored;
import org.safecity.gateway.devices.DeviceStore.StoredBox;
import org.safecity.gateway.devices.DeviceStore.StoredCamera;
import org.safecity.gateway.devices.DevicesFile.BoxSpec;
import org.safecity.gateway.devices.DevicesFile.CameraSpec;
import org.safecity.gateway.devices.DevicesFile.Devices;
import org.safecity.gateway.mqtt.BoxDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The boxes and cameras the gateway serves, and the check of a box's secret.
 *
 * <p>A load reads the devices file, hashes its plain secrets, makes the database hold exactly that file in one
 * transaction and then swaps in a new immutable {@link Snapshot}: readers never see half a reload, and a file
 * with any problem changes nothing. Without a file the database's content is served, so boxes registered
 * earlier keep working. Loads run one at a time; all methods may be called from any thread.
 */
public final class DeviceRegistry implements BoxDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceRegistry.class);
  /** About 0.1 s per hash on a current core: slow for an attacker, once per box for the gateway (then cached). */
  public static final int DEFAULT_BCRYPT_COST = 10;

  /**
   * RTSP Digest (RFC 2617/7616) needs MD5(user:realm:secret), which a bcrypt hash cannot give; it is derived
   * from plain secrets at load and kept in memory only. A camera whose file entry holds a bcrypt hash can still
   * log in with Basic.
   */
  public static final String DIGEST_REALM = "SafeCity";

  private record State(Snapshot snapshot, Map<String, String> hashes, Map<String, String> digests) {
  }

  private record Listener(Context context, Consumer<Snapshot> consumer) {
  }

  /** What tells the watcher the file changed. */
  private record Stamp(long modifiedMillis, long size) {
  }

  private record FileRead(Stamp stamp, Devices devices, ConfigException problem) {
  }

  private final Vertx vertx;
  private final DeviceStore store;
  private final Optional<Path> file;
  private final CredentialVerifier credentials;
  private final AtomicReference<State> state =
      new AtomicReference<>(new State(new Snapshot(0, Map.of(), Map.of()), Map.of(), Map.of()));
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private Future<Integer> lastLoad = Future.succeededFuture(0); // guarded by lock
  private long timerId = -1; // guarded by lock
  private final AtomicBoolean checking = new AtomicBoolean();
  private volatile Stamp loadedStamp;
  private volatile Stamp pendingStamp;
  private volatile boolean unreadableReported;

  DeviceRegistry(Vertx vertx, Pool pool, Optional<Path> file, CredentialVerifier credentials) {
    this.vertx = vertx;
    this.store = new DeviceStore(pool);
    this.file = file;
    this.credentials = credentials;
  }

  /**
   * Loads the registry: from {@code file} when given (which then replaces the database's content), else from
   * the database. Fails with a {@link ConfigException} naming every problem when the file is bad.
   * Verifications run at most one per core at a time.
   *
   * @param bcryptCost cost of new hashes (and of the dummy hash unknown ids are checked against), 4..31
   */
  public static Future<DeviceRegistry> start(Vertx vertx, Pool pool, Optional<Path> file, int bcryptCost) {
    return start(vertx, pool, file, bcryptCost, Runtime.getRuntime().availableProcessors());
  }

  /**
   * As {@link #start(Vertx, Pool, Optional, int)}, with the number of bcrypt verifications that may run at
   * once; logins beyond it are refused at once rather than queued.
   */
  public static Future<DeviceRegistry> start(Vertx vertx, Pool pool, Optional<Path> file, int bcryptCost,
      int maxConcurrentVerifications) {
    CredentialVerifier credentials;
    try {
      credentials = new CredentialVerifier(vertx, bcryptCost, maxConcurrentVerifications);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    DeviceRegistry registry = new DeviceRegistry(vertx, pool, file, credentials);
    return credentials.init()
        .compose(v -> registry.serial(registry::load))
        .map(v -> registry)
        .onFailure(e -> credentials.close());
  }

  /**
   * Completes with the box when {@code secret} is its secret. bcrypt runs on a worker, at most
   * {@code maxConcurrentVerifications} at a time (beyond that: empty at once); a secret that verified before
   * is recognised without bcrypt; an unknown id costs a bcrypt check against a dummy hash, so timing does not
   * tell which ids exist.
   */
  @Override
  public Future<Optional<Box>> authenticate(String boxId, String secret) {
    if (boxId == null || secret == null || secret.isEmpty() || !DevicesFile.ID.matcher(boxId).matches()
        || !Bcrypt.fits(secret)) {
      // Refused before any lookup: the answer depends on nothing the registry holds.
      return Future.succeededFuture(Optional.empty());
    }
    State s = state.get();
    Box box = s.snapshot().boxes().get(boxId);
    String principal = boxPrincipal(boxId);
    String hash = box == null ? null : s.hashes().get(principal);
    return credentials.verify(principal, secret, hash).map(ok -> ok ? Optional.of(box) : Optional.<Box>empty());
  }

  /**
   * Completes true when {@code user} and {@code secret} are the camera's publish or read credentials (RTSP
   * Basic). Same bounds and timing behaviour as {@link #authenticate}.
   */
  public Future<Boolean> authenticateCamera(String cameraId, CameraAccess access, String user, String secret) {
    if (cameraId == null || user == null || secret == null || secret.isEmpty() || !Bcrypt.fits(secret)) {
      return Future.succeededFuture(false);
    }
    State s = state.get();
    CameraEntry camera = s.snapshot().cameras().get(cameraId);
    String principal = access.principal(cameraId);
    boolean userMatches = camera != null && access.user(camera).filter(user::equals).isPresent();
    String hash = userMatches ? s.hashes().get(principal) : null;
    return credentials.verify(principal, secret, hash);
  }

  /**
   * MD5(user:{@link #DIGEST_REALM}:secret) for the camera's credentials when {@code user} is its user and the
   * file gave the secret in plain text; empty otherwise (then only Basic can work for it).
   */
  public Optional<String> cameraDigest(String cameraId, CameraAccess access, String user) {
    State s = state.get();
    CameraEntry camera = s.snapshot().cameras().get(cameraId);
    if (camera == null || user == null || access.user(camera).filter(user::equals).isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(s.digests().get(access.principal(cameraId)));
  }

  /** True when {@link #cameraDigest} can answer for the camera's configured user. */
  public boolean digestAvailable(String cameraId, CameraAccess access) {
    return state.get().digests().containsKey(access.principal(cameraId));
  }

  @Override
  public Optional<Box> box(String boxId) {
    return Optional.ofNullable(state.get().snapshot().boxes().get(boxId));
  }

  /** In id order. */
  public Collection<Box> boxes() {
    return state.get().snapshot().boxes().values();
  }

  public Optional<CameraEntry> camera(String cameraId) {
    return Optional.ofNullable(state.get().snapshot().cameras().get(cameraId));
  }

  /** In id order. */
  public Collection<CameraEntry> cameras() {
    return state.get().snapshot().cameras().values();
  }

  /** The current version of everything, consistent with itself. */
  public Snapshot snapshot() {
    return state.get().snapshot();
  }

  /** 1 after start, one more after every successful reload. */
  public int version() {
    return state.get().snapshot().version();
  }

  public Optional<Path> file() {
    return file;
  }

  /**
   * Calls {@code listener} with each new snapshot after a successful reload, on the context this method was
   * called from (a verticle's own event loop), so a listener needs no locking of its own.
   */
  public void onChange(Consumer<Snapshot> listener) {
    listeners.add(new Listener(vertx.getOrCreateContext(), listener));
  }

  /**
   * Loads the file again (or re-reads the database when there is no file) and completes with the new
   * version. When the file has a problem or the store fails, the running registry stays as it was, the
   * problem is logged and the future fails with it.
   */
  public Future<Integer> reload() {
    return serial(this::load).onFailure(e -> LOG.warn("devices not reloaded from {}; keeping version {}: {}",
        source(), version(), e.getMessage()));
  }

  /**
   * Checks the file's modification time and size every {@code interval} and reloads once it has changed and
   * then stayed the same for one interval, so a file caught half-written is not loaded. Does nothing without a
   * file; a second call replaces the interval.
   */
  public void watch(Duration interval) {
    if (file.isEmpty()) {
      LOG.info("no devices file configured; the registry serves what the database holds and watches nothing");
      return;
    }
    long ms = Math.max(1, interval.toMillis());
    synchronized (lock) {
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
      }
      timerId = vertx.setPeriodic(ms, id -> checkFile(file.get()));
    }
  }

  /** Stops watching and releases the bcrypt workers. */
  public Future<Void> close() {
    synchronized (lock) {
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
        timerId = -1;
      }
    }
    return credentials.close();
  }

  CredentialVerifier credentials() {
    return credentials;
  }

  private String source() {
    return file.map(p -> "devices file " + p).orElse("the database");
  }

  /** Runs loads one after another, whoever asks, so versions and the database follow the same order. */
  private Future<Integer> serial(Supplier<Future<Integer>> load) {
    synchronized (lock) {
      Future<Integer> next = lastLoad.transform(ignored -> {
        try {
          return load.get();
        } catch (RuntimeException e) {
          return Future.failedFuture(e);
        }
      });
      lastLoad = next;
      return next;
    }
  }

  private Future<Integer> load() {
    if (file.isEmpty()) {
      return store.read().map(stored -> swap(stored, Map.of(), "(read only)"));
    }
    Path path = file.get();
    return vertx.executeBlocking(() -> readFile(path), false).compose(read -> {
      if (read.problem() != null) {
        loadedStamp = read.stamp(); // the watcher waits for the next edit instead of reporting this one again
        return Future.failedFuture(read.problem());
      }
      return store.read()
          .compose(current -> withHashes(read.devices(), current.hashes()).compose(wanted -> store.replace(wanted)
              .map(replaced -> {
                loadedStamp = read.stamp();
                return swap(replaced.stored(), digests(read.devices()), "changed=" + replaced.changed() + " removed=" + replaced.removed()
                    + " newHashes=" + newHashes(wanted.hashes(), current.hashes()));
              })));
    });
  }

  private static FileRead readFile(Path path) {
    Stamp stamp = null;
    try {
      // Taken before reading: if the file changes meanwhile, the watcher sees a newer stamp and loads again.
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      stamp = new Stamp(a.lastModifiedTime().toMillis(), a.size());
    } catch (IOException e) {
      // DevicesFile.read reports it
    }
    try {
      return new FileRead(stamp, DevicesFile.read(path), null);
    } catch (ConfigException e) {
      return new FileRead(stamp, null, e);
    }
  }

  /** The file's entries with every secret turned into the hash to store. */
  private Future<Stored> withHashes(Devices devices, Map<String, String> current) {
    List<Future<String>> boxHashes = new ArrayList<>();
    for (BoxSpec b : devices.boxes()) {
      String principal = boxPrincipal(b.box().id());
      boxHashes.add(credentials.resolve(principal, b.secret(), current.get(principal)));
    }
    List<Future<String>> publishHashes = new ArrayList<>();
    List<Future<String>> readHashes = new ArrayList<>();
    for (CameraSpec c : devices.cameras()) {
      String id = c.camera().id();
      publishHashes.add(c.publishSecret().map(s -> credentials.resolve(cameraPublishPrincipal(id), s,
          current.get(cameraPublishPrincipal(id)))).orElse(Future.succeededFuture(null)));
      readHashes.add(c.readSecret().map(s -> credentials.resolve(cameraReadPrincipal(id), s,
          current.get(cameraReadPrincipal(id)))).orElse(Future.succeededFuture(null)));
    }
    List<Future<String>> all = new ArrayList<>(boxHashes);
    all.addAll(publishHashes);
    all.addAll(readHashes);
    return Future.all(all).map(v -> {
      List<StoredBox> boxes = new ArrayList<>();
      for (int i = 0; i < devices.boxes().size(); i++) {
        boxes.add(new StoredBox(devices.boxes().get(i).box(), boxHashes.get(i).result()));
      }
      List<StoredCamera> cameras = new ArrayList<>();
      for (int i = 0; i < devices.cameras().size(); i++) {
        cameras.add(new StoredCamera(devices.cameras().get(i).camera(),
            Optional.ofNullable(publishHashes.get(i).result()), Optional.ofNullable(readHashes.get(i).result())));
      }
      return new Stored(boxes, cameras);
    });
  }

  private static Map<String, String> digests(Devices devices) {
    Map<String, String> out = new HashMap<>();
    for (CameraSpec c : devices.cameras()) {
      for (CameraAccess access : CameraAccess.values()) {
        Optional<Secret> secret = access == CameraAccess.PUBLISH ? c.publishSecret() : c.readSecret();
        Optional<String> user = access.user(c.camera());
        if (secret.isPresent() && !secret.get().isHash() && user.isPresent()) {
          out.put(access.principal(c.camera().id()), md5Hex(user.get() + ":" + DIGEST_REALM + ":" + secret.get().value()));
        }
      }
    }
    return out;
  }

  /** Lower-case hex MD5 of the UTF-8 bytes: Digest's HA1 here, and every Digest hash of the RTSP edge. */
  public static String md5Hex(String s) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
          .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has MD5", e);
    }
  }

  private static long newHashes(Map<String, String> wanted, Map<String, String> current) {
    return wanted.entrySet().stream().filter(e -> !e.getValue().equals(current.get(e.getKey()))).count();
  }

  /** Installs what the database now holds as the next version and tells the listeners. */
  private int swap(Stored stored, Map<String, String> digests, String detail) {
    int version = state.get().snapshot().version() + 1; // loads are serial, so no other swap runs
    Map<String, Box> boxes = new HashMap<>();
    stored.boxes().forEach(b -> boxes.put(b.box().id(), b.box()));
    Map<String, CameraEntry> cameras = new HashMap<>();
    stored.cameras().forEach(c -> cameras.put(c.camera().id(), c.camera()));
    Snapshot snapshot = new Snapshot(version, boxes, cameras);
    Map<String, String> hashes = Map.copyOf(stored.hashes());
    state.set(new State(snapshot, hashes, Map.copyOf(digests)));
    credentials.retain(hashes);
    LOG.info("devices loaded from {} version={} boxes={} cameras={} {}", source(), version, boxes.size(),
        cameras.size(), detail);
    for (Listener l : listeners) {
      l.context().runOnContext(v -> {
        try {
          l.consumer().accept(snapshot);
        } catch (RuntimeException e) {
          LOG.error("device registry listener failed on version {}", version, e);
        }
      });
    }
    return version;
  }

  private void checkFile(Path path) {
    if (!checking.compareAndSet(false, true)) {
      return; // the previous check (or its reload) is still running
    }
    vertx.fileSystem().props(path.toString()).onComplete(ar -> {
      if (ar.failed()) {
        if (!unreadableReported) {
          unreadableReported = true;
          LOG.warn("devices file {} cannot be checked for changes; keeping version {}: {}", path, version(),
              ar.cause().getMessage());
        }
        checking.set(false);
        return;
      }
      unreadableReported = false;
      Stamp seen = new Stamp(ar.result().lastModifiedTime(), ar.result().size());
      if (seen.equals(loadedStamp)) {
        pendingStamp = null;
        checking.set(false);
      } else if (!seen.equals(pendingStamp)) {
        pendingStamp = seen; // changed: load once it has stopped changing
        checking.set(false);
      } else {
        pendingStamp = null;
        reload().onComplete(x -> checking.set(false));
      }
    });
  }
}
