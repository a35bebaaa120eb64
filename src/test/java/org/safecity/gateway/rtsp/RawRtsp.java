package org.safecity.gateway.rtsp;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A byte-level RTSP client for tests that must send what no well-behaved client would: raw bytes out, whole
 * responses back ({@code $}-framed packets in between are collected, not mistaken for responses).
 */
final class RawRtsp implements AutoCloseable {
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private int cseq;
  long interleavedFrames;
  /** Interleaved packets seen while waiting for responses: channel, then the packet. */
  final java.util.List<java.util.Map.Entry<Integer, byte[]>> frames = new java.util.concurrent.CopyOnWriteArrayList<>();

  RawRtsp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void sendRaw(String s) throws IOException {
    sendRaw(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** A well-formed request with the next CSeq and Basic credentials when given. */
  Response request(String method, String url, Map<String, String> headers, String body) throws IOException {
    StringBuilder b = new StringBuilder(method + " " + url + " RTSP/1.0\r\nCSeq: " + (++cseq) + "\r\n");
    headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (content.length > 0) {
      b.append("Content-Length: ").append(content.length).append("\r\n");
    }
    b.append("\r\n");
    sendRaw(b.toString());
    if (content.length > 0) {
      sendRaw(content);
    }
    return read();
  }

  static String basic(String user, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** One interleaved packet. */
  void interleaved(int channel, byte[] packet) throws IOException {
    byte[] h = {'$', (byte) channel, (byte) (packet.length >> 8), (byte) packet.length};
    out.write(h);
    out.write(packet);
    out.flush();
  }

  /** The next response, skipping interleaved packets. */
  Response read() throws IOException {
    while (true) {
      int first = in.read();
      if (first < 0) {
        throw new EOFException("connection closed by the server");
      }
      if (first == '$') {
        int channel = in.readUnsignedByte();
        int len = in.readUnsignedShort();
        frames.add(java.util.Map.entry(channel, in.readNBytes(len)));
        interleavedFrames++;
        continue;
      }
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      head.write(first);
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int c = in.read();
        if (c < 0) {
          throw new EOFException("connection closed inside a response");
        }
        head.write(c);
      }
      String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim(),
              (a, b) -> a + "\n" + b);
        }
      }
      int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
      return new Response(status, headers, body);
    }
  }

  /** True when the server closed the connection (read returns end of stream) within the socket timeout. */
  boolean closedByServer() throws IOException {
    try {
      while (true) {
        int b = in.read();
        if (b < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
