package org.safecity.load;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time and memory of a process and its descendants, from Linux's {@code /proc}: the gateway with its
 * embedded PostgreSQL, nginx's master with its workers.
 */
public final class ProcStats {

  /** Clock ticks per second of {@code /proc/<pid>/stat}: 100 on every Linux this runs on. */
  private static final double TICKS = 100.0;

  private ProcStats() {
  }

  /** {@code pid} and every process below it (children, grandchildren...). */
  public static List<Long> tree(long pid) {
    Map<Long, List<Long>> children = new HashMap<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : dir) {
        long ppid = parentOf(p);
        if (ppid > 0) {
          children.computeIfAbsent(ppid, k -> new ArrayList<>()).add(Long.parseLong(p.getFileName().toString()));
        }
      }
    } catch (IOException | RuntimeException e) {
      return List.of(pid);
    }
    List<Long> out = new ArrayList<>();
    out.add(pid);
    for (int i = 0; i < out.size(); i++) {
      out.addAll(children.getOrDefault(out.get(i), List.of()));
    }
    return out;
  }

  private static long parentOf(Path procDir) {
    try {
      String stat = Files.readString(procDir.resolve("stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Processes whose command line contains {@code fragment} (a PostgreSQL started for a data directory). */
  public static List<Long> withCommandLine(String fragment) {
    List<Long> out = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : dir) {
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), java.nio.charset.StandardCharsets.UTF_8)
              .replace('\0', ' ');
          if (cmd.contains(fragment)) {
            out.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException | RuntimeException gone) {
          // ended meanwhile
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return out;
  }

  /** User + system CPU seconds of {@code pid} so far; -1 when unknown (gone). */
  public static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** CPU seconds of the whole tree under {@code pid} (processes that ended are not counted). */
  public static double treeCpuSeconds(long pid) {
    double sum = 0;
    for (long p : tree(pid)) {
      double s = cpuSeconds(p);
      if (s > 0) {
        sum += s;
      }
    }
    return sum;
  }

  /** {@code {rss, pss}} in bytes of one process from {@code smaps_rollup} (pss -1 when not there); nulls when gone. */
  public static long[] memory(long pid) {
    long rss = -1;
    long pss = -1;
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
        if (line.startsWith("Rss:")) {
          rss = kb(line);
        } else if (line.startsWith("Pss:")) {
          pss = kb(line);
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall back to status
    }
    if (rss < 0) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
          if (line.startsWith("VmRSS:")) {
            rss = kb(line);
          }
        }
      } catch (IOException | RuntimeException e) {
        return new long[] {-1, -1};
      }
    }
    return new long[] {rss, pss};
  }

  /** RSS and PSS summed over {@code pids}: PSS shares each shared page among the processes mapping it. */
  public static long[] memory(List<Long> pids) {
    long rss = 0;
    long pss = 0;
    boolean pssKnown = true;
    for (long p : pids) {
      long[] m = memory(p);
      if (m[0] > 0) {
        rss += m[0];
      }
      if (m[1] >= 0) {
        pss += m[1];
      } else {
        pssKnown = false;
      }
    }
    return new long[] {rss, pssKnown ? pss : -1};
  }

  private static long kb(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
  }

  /**
   * SIGTERM to a process this benchmark started, up to {@code seconds} for it to exit, then SIGKILL to it and to
   * whatever of its tree is left (nginx workers, the gateway's PostgreSQL), each by its pid.
   */
  public static void stop(Process process, int seconds) {
    if (!process.isAlive()) {
      return;
    }
    // Handles taken now remember each process's start time: a pid reused later is never signalled.
    List<ProcessHandle> tree = new ArrayList<>();
    for (long pid : tree(process.pid())) {
      ProcessHandle.of(pid).ifPresent(tree::add);
    }
    process.destroy();
    try {
      if (!process.waitFor(seconds, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
      }
      Thread.sleep(200);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle h : tree) {
      if (h.isAlive()) {
        h.destroyForcibly();
      }
    }
  }

  /**
   * TCP listen-queue overflows and drops so far ({@code TcpExt: ListenOverflows ListenDrops} of
   * {@code /proc/net/netstat}), machine-wide (this network namespace): a SYN or a handshake dropped there is
   * retried by the client's kernel after 1 s, then 3 s, 7 s... {-1, -1} when unknown.
   */
  public static long[] listenOverflows() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"));
      for (int i = 0; i + 1 < lines.size(); i++) {
        if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
          String[] names = lines.get(i).trim().split("\\s+");
          String[] values = lines.get(i + 1).trim().split("\\s+");
          long overflows = -1;
          long drops = -1;
          for (int k = 1; k < names.length && k < values.length; k++) {
            if (names[k].equals("ListenOverflows")) {
              overflows = Long.parseLong(values[k]);
            } else if (names[k].equals("ListenDrops")) {
              drops = Long.parseLong(values[k]);
            }
          }
          return new long[] {overflows, drops};
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return new long[] {-1, -1};
  }
}
