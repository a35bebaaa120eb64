package org.safecity.gateway.testing;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;

/**
 * A Server-Sent Events reader on {@link HttpClient}, parsing the stream as the WHATWG spec says (fields
 * {@code id}, {@code event}, {@code data}, {@code retry}; comments; a blank line dispatches). Every comment and
 * every dispatched block becomes a {@link Frame}, in arrival order; the end of the stream is a last frame of
 * kind {@link Kind#END}.
 */
public final class SseClient implements AutoCloseable {
  public enum Kind { EVENT, COMMENT, END }

  /**
   * One happening on the stream. For {@code EVENT}: {@code id} is the block's {@code id:} field (null when
   * it had none), {@code event} its name (null: an unnamed message), {@code data} its data; for
   * {@code COMMENT}: {@code data} is the comment; {@code END}: {@code data} says why.
   */
  public record Frame(Kind kind, String id, String event, String data, long atNanos) {
    public long longId() {
      return Long.parseLong(id);
    }

    public JsonObject json() {
      return new JsonObject(data);
    }

    /** A log event (an unnamed message). */
    public boolean isMessage() {
      return kind == Kind.EVENT && event == null;
    }

    public boolean isNotice(String name) {
      return kind == Kind.EVENT && name.equals(event);
    }
  }

  private static final HttpClient HTTP1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final HttpResponse<InputStream> response;
  private final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  /** The body of a response other than 200, line by line. */
  private final StringBuffer raw = new StringBuffer();
  private final Thread reader;
  private volatile String lastEventId = "";
  private volatile Integer retry;

  private SseClient(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::read, "sse-client");
    reader.setDaemon(true);
    reader.start();
  }

  /** A request for the stream at {@code pathAndQuery} with a Bearer token (null: none). */
  public static HttpRequest.Builder request(int port, String pathAndQuery, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .header("Accept", "text/event-stream").GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  /** Sends over HTTP/1.1 (what browsers' EventSource uses on http://); returns once the headers are in. */
  public static SseClient open(HttpRequest request) throws IOException, InterruptedException {
    return open(HTTP1, request);
  }

  public static SseClient open(HttpClient client, HttpRequest request) throws IOException, InterruptedException {
    return new SseClient(client.send(request, HttpResponse.BodyHandlers.ofInputStream()));
  }

  public int status() {
    return response.statusCode();
  }

  public HttpResponse<InputStream> response() {
    return response;
  }

  /** The response with its whole body read as text: for refusals, which end at once. */
  public HttpResponse<String> refusal(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Frame f = frames.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (f == null) {
        throw new AssertionError("the " + status() + " response's body did not end within " + timeout);
      }
      if (f.kind() == Kind.END) {
        return new TextResponse(response, raw.toString());
      }
    }
  }

  /** The next frame; fails when none comes within {@code timeout}. */
  public Frame next(Duration timeout) throws InterruptedException {
    Frame f = frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (f == null) {
      throw new AssertionError("no SSE frame within " + timeout);
    }
    return f;
  }

  /** The next frame, or empty when none comes within {@code timeout}. */
  public Optional<Frame> poll(Duration timeout) throws InterruptedException {
    return Optional.ofNullable(frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
  }

  /** The next event or end, skipping comments. */
  public Frame nextEvent(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Frame f = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (f.kind() != Kind.COMMENT) {
        return f;
      }
    }
  }

  /**
   * Log events (unnamed messages) until {@code n} have come, skipping comments and {@code position} notices
   * (which may come with any heartbeat); fails on another notice, the end, or the timeout.
   */
  public List<Frame> messages(int n, Duration timeout) throws InterruptedException {
    List<Frame> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (out.size() < n) {
      Frame f = nextEvent(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (f.isNotice("position")) {
        continue;
      }
      if (!f.isMessage()) {
        throw new AssertionError("expected log events, got " + f + " after " + out.size() + " of " + n);
      }
      out.add(f);
    }
    return out;
  }

  /** The stream's last event id, as an EventSource would send it on reconnecting ("" when none yet). */
  public String lastEventId() {
    return lastEventId;
  }

  public Integer retry() {
    return retry;
  }

  /** Drops the connection, as a client whose network went away. */
  @Override
  public void close() {
    try {
      response.body().close();
    } catch (IOException ignored) {
      // closing
    }
    reader.interrupt();
  }

  private void read() {
    String id = null;
    boolean sawId = false;
    String event = null;
    StringBuilder data = null;
    String why = "end of stream";
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (response.statusCode() != 200) {
          raw.append(line).append('\n');
          continue;
        }
        if (line.isEmpty()) {
          if (sawId) {
            lastEventId = id;
          }
          if (data != null) {
            frames.add(new Frame(Kind.EVENT, sawId ? id : null, event, data.toString(), System.nanoTime()));
          }
          id = null;
          sawId = false;
          event = null;
          data = null;
          continue;
        }
        if (line.startsWith(":")) {
          frames.add(new Frame(Kind.COMMENT, null, null, line.substring(1).trim(), System.nanoTime()));
          continue;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
          value = value.substring(1);
        }
        switch (field) {
          case "id" -> {
            id = value;
            sawId = true;
          }
          case "event" -> event = value;
          case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
          case "retry" -> retry = Integer.valueOf(value);
          default -> throw new IOException("unknown SSE field in line: " + line);
        }
      }
    } catch (IOException e) {
      why = "connection failed: " + e;
    }
    frames.add(new Frame(Kind.END, null, null, why, System.nanoTime()));
  }

  /** A response whose body was read as text (for {@link OpenApiResponses#check}). */
  private record TextResponse(HttpResponse<InputStream> delegate, String body) implements HttpResponse<String> {
    @Override
    public int statusCode() {
      return delegate.statusCode();
    }

    @Override
    public HttpRequest request() {
      return delegate.request();
    }

    @Override
    public Optional<HttpResponse<String>> previousResponse() {
      return Optional.empty();
    }

    @Override
    public HttpHeaders headers() {
      return delegate.headers();
    }

    @Override
    public Optional<SSLSession> sslSession() {
      return delegate.sslSession();
    }

    @Override
    public URI uri() {
      return delegate.uri();
    }

    @Override
    public HttpClient.Version version() {
      return delegate.version();
    }
  }
}
