package org.safecity.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Free loopback ports for servers a test starts. */
public final class Ports {
  private Ports() {
  }

  public static int free() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An even UDP port whose successor is free too (RTP and RTCP). */
  public static int freeUdpPair() {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (java.net.DatagramSocket a = new java.net.DatagramSocket(0)) {
        int p = a.getLocalPort() & ~1;
        if (p < 1024 || p >= 65534) {
          continue;
        }
        a.close();
        try (java.net.DatagramSocket rtp = new java.net.DatagramSocket(p);
             java.net.DatagramSocket rtcp = new java.net.DatagramSocket(p + 1)) {
          return p;
        } catch (IOException busy) {
          // try another
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no free UDP port pair");
  }
}
