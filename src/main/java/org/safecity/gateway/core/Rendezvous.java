package org.safecity.gateway.core;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Optional;

/**
 * Rendezvous (highest random weight) hashing: which one of a set of nodes owns a key, computed the same way by
 * every node from the same member list, with nothing to coordinate. When a node leaves, only its own keys move
 * (each to the node with the next-highest weight); when one joins, it takes about 1/N of the keys from the others.
 * Used for the cameras the gateway pulls: one edge node pulls each, and another takes over when it is lost.
 */
public final class Rendezvous {
  private Rendezvous() {
  }

  /** The owner of {@code key} among {@code nodes} (empty only when there is no node). */
  public static Optional<String> owner(String key, Collection<String> nodes) {
    String best = null;
    long bestWeight = 0;
    for (String node : nodes) {
      long w = weight(key, node);
      // Ties (as good as impossible with 64 bits) go to the smaller name, so every node still agrees.
      if (best == null || Long.compareUnsigned(w, bestWeight) > 0 || (w == bestWeight && node.compareTo(best) < 0)) {
        best = node;
        bestWeight = w;
      }
    }
    return Optional.ofNullable(best);
  }

  /** A well-mixed 64-bit weight of the pair: FNV-1a over both (separated), then MurmurHash3's finalizer. */
  static long weight(String key, String node) {
    long h = 0xcbf29ce484222325L;
    h = fnv(h, key.getBytes(StandardCharsets.UTF_8));
    h = (h ^ 0xff) * 0x100000001b3L;
    h = fnv(h, node.getBytes(StandardCharsets.UTF_8));
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  private static long fnv(long h, byte[] bytes) {
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
