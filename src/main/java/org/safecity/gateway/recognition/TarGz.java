package org.safecity.gateway.recognition;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads a gzip-compressed tar (as {@code npm pack} writes: ustar, maybe pax or GNU long names) and writes the
 * entries asked for. Only regular files are taken; nothing is written outside the given files.
 */
final class TarGz {
  private static final int BLOCK = 512;

  private TarGz() {
  }

  /**
   * @param wanted tar path → where to write it
   * @return the tar paths found and written
   */
  static java.util.Set<String> extract(Path tarball, Map<String, Path> wanted) throws IOException {
    java.util.Set<String> written = new java.util.HashSet<>();
    try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(tarball), 65_536), 65_536)) {
      byte[] header = new byte[BLOCK];
      String longName = null;
      while (true) {
        if (!readFully(in, header)) {
          break;
        }
        if (allZero(header)) {
          break; // end of archive
        }
        String name = text(header, 0, 100);
        String prefix = text(header, 345, 155);
        if (!prefix.isEmpty() && "ustar".equals(text(header, 257, 5))) {
          name = prefix + "/" + name;
        }
        long size = octal(header, 124, 12);
        char type = (char) header[156];
        if (longName != null) {
          name = longName;
          longName = null;
        }
        switch (type) {
          case 'x' -> longName = paxPath(new String(readBytes(in, size), StandardCharsets.UTF_8));
          case 'L' -> longName = text(readBytes(in, size), 0, (int) size);
          case '0', '\0' -> {
            Path target = wanted.get(name);
            if (target != null) {
              try (OutputStream out = Files.newOutputStream(target)) {
                copy(in, out, size);
              }
              written.add(name);
            } else {
              skip(in, size);
            }
            skip(in, padding(size));
          }
          default -> {
            skip(in, size);
            skip(in, padding(size));
          }
        }
      }
    }
    return written;
  }

  private static String paxPath(String records) {
    Map<String, String> values = new HashMap<>();
    for (String line : records.split("\n")) {
      int space = line.indexOf(' ');
      int eq = line.indexOf('=');
      if (space > 0 && eq > space) {
        values.put(line.substring(space + 1, eq), line.substring(eq + 1));
      }
    }
    return values.get("path");
  }

  private static byte[] readBytes(InputStream in, long size) throws IOException {
    if (size > 1 << 20) {
      throw new IOException("tar: a header record of " + size + " bytes");
    }
    byte[] b = new byte[(int) size];
    if (!readFully(in, b)) {
      throw new EOFException("tar: truncated");
    }
    skip(in, padding(size));
    return b;
  }

  private static long padding(long size) {
    return (BLOCK - size % BLOCK) % BLOCK;
  }

  private static void copy(InputStream in, OutputStream out, long size) throws IOException {
    byte[] buf = new byte[65_536];
    long left = size;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new EOFException("tar: truncated inside an entry");
      }
      out.write(buf, 0, n);
      left -= n;
    }
  }

  private static void skip(InputStream in, long n) throws IOException {
    long left = n;
    while (left > 0) {
      long s = in.skip(left);
      if (s <= 0) {
        if (in.read() < 0) {
          throw new EOFException("tar: truncated");
        }
        s = 1;
      }
      left -= s;
    }
  }

  private static boolean readFully(InputStream in, byte[] b) throws IOException {
    int at = 0;
    while (at < b.length) {
      int n = in.read(b, at, b.length - at);
      if (n < 0) {
        if (at == 0) {
          return false;
        }
        throw new EOFException("tar: truncated header");
      }
      at += n;
    }
    return true;
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String text(byte[] b, int at, int len) {
    int end = at;
    while (end < at + len && end < b.length && b[end] != 0) {
      end++;
    }
    return new String(b, at, end - at, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] b, int at, int len) throws IOException {
    String s = text(b, at, len).trim();
    if (s.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(s, 8);
    } catch (NumberFormatException e) {
      throw new IOException("tar: bad size field '" + s + "'");
    }
  }
}
