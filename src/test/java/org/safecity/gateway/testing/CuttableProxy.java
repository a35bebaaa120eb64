package org.safecity.gateway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay in front of a server, to take a client's network away: {@link #cut()} drops every relayed
 * connection at once (as a phone changing cells), {@link #hold()} keeps new connections waiting until
 * {@link #release()}. It records the first bytes of every request so a test can see what a reconnecting
 * client sent.
 */
public final class CuttableProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<StringBuffer> requests = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private boolean held;
  private volatile boolean closed;

  public CuttableProxy(int targetPort) {
    this.targetPort = targetPort;
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread accept = new Thread(this::accept, "proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** The start of each request relayed so far (request line and headers), in arrival order. */
  public List<String> requests() {
    List<String> out = new ArrayList<>();
    requests.forEach(b -> out.add(b.toString()));
    return out;
  }

  public void cut() {
    sockets.forEach(CuttableProxy::closeQuietly);
    sockets.clear();
  }

  public void hold() {
    synchronized (gate) {
      held = true;
    }
  }

  public void release() {
    synchronized (gate) {
      held = false;
      gate.notifyAll();
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Thread t = new Thread(() -> relay(client), "proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void relay(Socket client) {
    try {
      synchronized (gate) {
        while (held && !closed) {
          gate.wait();
        }
      }
      Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
      sockets.add(client);
      sockets.add(upstream);
      StringBuffer head = new StringBuffer();
      requests.add(head);
      pump(client.getInputStream(), upstream.getOutputStream(), head, client, upstream);
      pump(upstream.getInputStream(), client.getOutputStream(), null, client, upstream);
    } catch (IOException | InterruptedException e) {
      closeQuietly(client);
    }
  }

  private static void pump(InputStream in, OutputStream out, StringBuffer head, Socket a, Socket b) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16384];
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (head != null && head.length() < 8192) {
            head.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // cut or closed
      } finally {
        closeQuietly(a);
        closeQuietly(b);
      }
    }, "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  @Override
  public void close() {
    closed = true;
    release();
    cut();
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
