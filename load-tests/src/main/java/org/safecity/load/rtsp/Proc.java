package org.safecity.load.rtsp;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Linux {@code /proc} readings of a process: CPU time (alone or with its descendants), RSS, threads. */
final class Proc {

  /** Clock ticks per second of utime/stime; 100 on every Linux this runs on (getconf CLK_TCK). */
  static final double TICKS = 100.0;

  private Proc() {
  }

  /** {utime+stime ticks, ppid} of one process, or null when it is gone. */
  private static long[] stat(Path statFile) {
    try {
      String stat = Files.readString(statFile);
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[1])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** User + system CPU seconds of {@code pid}; -1 when unknown. */
  static double cpuSeconds(long pid) {
    long[] s = pid > 0 ? stat(Path.of("/proc", Long.toString(pid), "stat")) : null;
    return s == null ? -1 : s[0] / TICKS;
  }

  /**
   * CPU seconds of {@code pid} and every live descendant (the gateway's embedded PostgreSQL runs as child
   * processes). A descendant that exited in between takes its time with it: read both ends of a window with the
   * same set in place.
   */
  static double treeCpuSeconds(long pid) {
    Map<Long, long[]> all = new HashMap<>();
    try (DirectoryStream<Path> d = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : d) {
        long[] s = stat(p.resolve("stat"));
        if (s != null) {
          all.put(Long.parseLong(p.getFileName().toString()), s);
        }
      }
    } catch (IOException | RuntimeException e) {
      return cpuSeconds(pid);
    }
    if (!all.containsKey(pid)) {
      return -1;
    }
    Map<Long, List<Long>> children = new HashMap<>();
    all.forEach((child, s) -> children.computeIfAbsent(s[1], k -> new java.util.ArrayList<>()).add(child));
    long ticks = 0;
    Set<Long> seen = new HashSet<>();
    ArrayDeque<Long> todo = new ArrayDeque<>(List.of(pid));
    while (!todo.isEmpty()) {
      long p = todo.poll();
      if (!seen.add(p)) {
        continue;
      }
      ticks += all.get(p)[0];
      todo.addAll(children.getOrDefault(p, List.of()));
    }
    return ticks / TICKS;
  }

  /** Resident set size in bytes from {@code /proc/<pid>/status}; -1 when unknown. */
  static long rssBytes(long pid) {
    long kb = statusField(pid, "VmRSS:");
    return kb < 0 ? -1 : kb * 1024;
  }

  static long threads(long pid) {
    return statusField(pid, "Threads:");
  }

  private static long statusField(long pid, String field) {
    if (pid <= 0) {
      return -1;
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // gone or not Linux
    }
    return -1;
  }
}
