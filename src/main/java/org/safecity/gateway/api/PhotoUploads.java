package org.safecity.gateway.api;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.json.schema.JsonSchemaValidationException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidationContext;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.safecity.gateway.config.GatewayConfig.WatchlistConfig;
import org.safecity.gateway.incidents.Incidents;
import org.safecity.gateway.recognition.FacePhotos;

/**
 * Bodies with photos (the contract marks their operations {@code x-safecity-streamed-body}): the router leaves them
 * unread and paused ({@link #pauses}), so the handler authenticates, authorizes and checks that photos can be embedded
 * at all before a byte of a photo is taken in; then {@link #read} takes the body, bounded per photo and in total, into
 * memory (photos are never written to disk). Two forms, one meaning:
 * <ul>
 *   <li>{@code multipart/form-data}: text fields, and one file part {@code photo} per photo (what {@code curl -F} and
 *   HTML forms send; the natural choice for an integrator uploading files);</li>
 *   <li>{@code application/json}: the same fields and {@code photos: [{"filename", "content": base64}]}, for systems
 *   that only speak JSON; validated against the contract's schema.</li>
 * </ul>
 * A photo over {@code watchlist.maxPhotoBytes} is 413 naming it; a body over {@code watchlist.maxUploadBytes} is 413
 * before it is read when its length is declared (and no {@code 100 Continue} is sent), else as soon as it passes.
 */
final class PhotoUploads {
  /** The contract's vendor extension on operations whose handler reads the body. */
  static final String STREAMED = "x-safecity-streamed-body";
  private static final String CONTINUED = "safecity.upload.continued";
  /** How long an unwanted body is read and dropped after the answer before the connection is closed. */
  static final long LINGER_MILLIS = 2_000;
  /** Photos in one request (the contract's {@code maxItems}). */
  static final int MAX_PHOTOS = 10;

  /** What was uploaded: the text fields (as the JSON form names them) and the photos, in order. */
  record Upload(JsonObject fields, List<FacePhotos.Upload> photos) {
  }

  private final Vertx vertx;
  private final OpenAPIContract contract;
  private final WatchlistConfig limits;

  PhotoUploads(Vertx vertx, OpenAPIContract contract, WatchlistConfig limits) {
    this.vertx = vertx;
    this.contract = contract;
    this.limits = limits;
  }

  /**
   * For the router's body handler: when the request is for a streamed operation, pauses it and arranges what happens
   * to an unread body after an early answer (a refusal before {@link #read}); true when it did.
   */
  static boolean pauses(RoutingContext rc, OpenAPIContract contract) {
    HttpServerRequest req = rc.request();
    Operation op = contract.findOperation(req.path(), req.method());
    if (op == null || !op.getExtensions().containsKey(STREAMED)) {
      return false;
    }
    req.pause();
    rc.addBodyEndHandler(v -> afterAnswer(rc));
    return true;
  }

  /**
   * The answer is out but the body was not (wholly) read. A client that sent {@code Expect: 100-continue} and got no
   * 100 never sends the body: its connection (HTTP/2: its stream) is cut at once. Any other client may be sending
   * still: closing at once would make its TCP stack drop the answer it has not read yet, and some HTTP/2 clients (the
   * JDK 17 one) never finish a request whose stream is reset under them. So what it sends is read and dropped for up
   * to {@link #LINGER_MILLIS} (a lingering close, as nginx does): a body that ends in time leaves the connection
   * usable, one that does not is cut (HTTP/1.1: the connection; HTTP/2: the stream, RST_STREAM NO_ERROR). Memory
   * stays flat either way.
   */
  private static void afterAnswer(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    if (req.isEnded()) {
      return;
    }
    boolean h2 = req.version() == io.vertx.core.http.HttpVersion.HTTP_2;
    Runnable cut = h2 ? () -> req.response().reset(0) : () -> req.connection().close();
    if ("100-continue".equalsIgnoreCase(req.getHeader("Expect")) && !Boolean.TRUE.equals(rc.get(CONTINUED))) {
      cut.run();
      return;
    }
    long timer = rc.vertx().setTimer(LINGER_MILLIS, t -> cut.run());
    req.handler(b -> { });
    req.exceptionHandler(e -> { });
    req.endHandler(v -> rc.vertx().cancelTimer(timer));
    req.resume();
  }

  static long contentLength(HttpServerRequest req) {
    String h = req.getHeader("Content-Length");
    if (h == null) {
      return -1;
    }
    try {
      return Long.parseLong(h.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Reads the paused body of {@code operationId} and checks its form; fails with {@link Incidents.Refused} (400, 413,
   * 415) saying precisely what is wrong. {@code fieldNames} are the text fields the operation takes.
   */
  Future<Upload> read(RoutingContext rc, String operationId, Set<String> fieldNames) {
    HttpServerRequest req = rc.request();
    String type = req.getHeader("Content-Type") == null ? "" : req.getHeader("Content-Type").toLowerCase(Locale.ROOT);
    boolean multipart = type.startsWith("multipart/form-data");
    if (!multipart && !type.startsWith("application/json")) {
      return Future.failedFuture(new Incidents.Refused(415, "send the photos as multipart/form-data (one file part "
          + "'photo' per photo) or as application/json with base64 content; not " + (type.isEmpty() ? "no Content-Type" : type)));
    }
    long declared = contentLength(req);
    if (declared > limits.maxUploadBytes()) {
      return Future.failedFuture(tooLarge(declared));
    }
    if ("100-continue".equalsIgnoreCase(req.getHeader("Expect"))) {
      rc.put(CONTINUED, true);
      req.response().writeContinue();
    }
    Reader reader = new Reader(rc, fieldNames);
    try {
      if (multipart) {
        reader.multipart();
      } else {
        reader.json();
      }
    } catch (IllegalStateException e) {
      // vertx refuses a multipart Content-Type without a boundary (and such) before reading
      return Future.failedFuture(new Incidents.Refused(400, "the multipart body cannot be read: " + e.getMessage()));
    }
    req.resume();
    return reader.done.future().compose(read -> read instanceof Upload u ? Future.succeededFuture(u)
        : vertx.executeBlocking(() -> fromJson(operationId, (Buffer) read)));
  }

  private Incidents.Refused tooLarge(long bytes) {
    return new Incidents.Refused(413, (bytes >= 0 ? "the request body is " + bytes + " bytes; at most "
        : "the request body is over ") + limits.maxUploadBytes() + " bytes are accepted (watchlist.maxUploadBytes)");
  }

  /** The JSON form, checked against the contract's schema, photos decoded (on a worker: it can be megabytes). */
  private Upload fromJson(String operationId, Buffer body) {
    Object json;
    try {
      json = io.vertx.core.json.Json.decodeValue(body);
    } catch (RuntimeException e) {
      throw new Incidents.Refused(400, "the body is not JSON: " + e.getMessage());
    }
    MediaType media = contract.operation(operationId).getRequestBody().getContent().get("application/json");
    OutputUnit result = contract.getSchemaRepository().validator(media.getSchema()).validate(json);
    try {
      result.checkValidity();
    } catch (JsonSchemaValidationException e) {
      throw new Incidents.Refused(400, SchemaValidationException.createInvalidValueBody(result, ValidationContext.REQUEST, e)
          .getMessage());
    }
    JsonObject o = (JsonObject) json;
    JsonArray items = o.getJsonArray("photos");
    List<FacePhotos.Upload> photos = new ArrayList<>();
    Base64.Decoder base64 = Base64.getDecoder();
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      String filename = item.getString("filename", "");
      FacePhotos.Upload named = new FacePhotos.Upload(i + 1, filename, new byte[0]);
      String content = item.getString("content");
      // 4 base64 characters carry 3 bytes: refuse before decoding what cannot fit.
      if ((long) content.length() / 4 * 3 > limits.maxPhotoBytes() + 2L) {
        throw photoTooLarge(named);
      }
      byte[] bytes;
      try {
        bytes = base64.decode(content);
      } catch (IllegalArgumentException e) {
        throw new Incidents.Refused(400, named.label() + ": content is not base64 (" + e.getMessage() + ")");
      }
      if (bytes.length > limits.maxPhotoBytes()) {
        throw photoTooLarge(named);
      }
      photos.add(new FacePhotos.Upload(i + 1, filename, bytes));
    }
    JsonObject fields = o.copy();
    fields.remove("photos");
    return new Upload(fields, photos);
  }

  private Incidents.Refused photoTooLarge(FacePhotos.Upload u) {
    return new Incidents.Refused(413, u.label() + " is larger than " + limits.maxPhotoBytes()
        + " bytes (watchlist.maxPhotoBytes)");
  }

  /** One request's body being read; every handler runs on the request's event loop. */
  private final class Reader {
    final HttpServerRequest req;
    final Set<String> fieldNames;
    /** The JSON form's body (a Buffer), or the multipart form's {@link Upload}. */
    final Promise<Object> done = Promise.promise();
    long total;
    int uploadsOpen;
    boolean ended;
    /** The first problem found; reading goes on (within the total bound) so the answer can be given whole. */
    Incidents.Refused problem;
    final List<FacePhotos.Upload> photos = new ArrayList<>();

    Reader(RoutingContext rc, Set<String> fieldNames) {
      this.req = rc.request();
      this.fieldNames = fieldNames;
    }

    void json() {
      Buffer body = Buffer.buffer();
      req.handler(b -> {
        if (count(b)) {
          body.appendBuffer(b);
        }
      });
      req.exceptionHandler(e -> fail(new Incidents.Refused(400, "the body could not be read: " + e.getMessage())));
      req.endHandler(v -> {
        if (!done.future().isComplete()) {
          done.complete(body);
        }
      });
    }

    void multipart() {
      req.setExpectMultipart(true);
      req.uploadHandler(this::upload);
      req.handler(this::count);
      req.exceptionHandler(e -> fail(new Incidents.Refused(400, "the multipart body could not be read: " + e.getMessage())));
      req.endHandler(v -> {
        ended = true;
        finishMultipart();
      });
    }

    /** Counts body bytes against the total; past it, answers at once and the connection closes. */
    boolean count(Buffer b) {
      total += b.length();
      if (total > limits.maxUploadBytes()) {
        fail(tooLarge(-1));
        return false;
      }
      return !done.future().isComplete();
    }

    void upload(HttpServerFileUpload upload) {
      if (!"photo".equals(upload.name())) {
        note(new Incidents.Refused(400, "unexpected file field '" + upload.name() + "': photos go in file fields named 'photo'"));
        upload.handler(b -> { });
        return;
      }
      int index = photos.size() + 1;
      FacePhotos.Upload named = new FacePhotos.Upload(index, upload.filename(), new byte[0]);
      photos.add(named);
      if (index > MAX_PHOTOS) {
        note(new Incidents.Refused(400, "at most " + MAX_PHOTOS + " photos per request"));
        upload.handler(b -> { });
        return;
      }
      Buffer data = Buffer.buffer();
      boolean[] over = {false};
      uploadsOpen++;
      upload.handler(b -> {
        if (over[0] || done.future().isComplete()) {
          return; // refused already: the rest is only counted
        }
        if (data.length() + b.length() > limits.maxPhotoBytes()) {
          over[0] = true;
          note(photoTooLarge(named));
          return;
        }
        data.appendBuffer(b);
      });
      upload.exceptionHandler(e -> fail(new Incidents.Refused(400, named.label() + " could not be read: " + e.getMessage())));
      upload.endHandler(v -> {
        uploadsOpen--;
        if (!over[0]) {
          photos.set(index - 1, new FacePhotos.Upload(index, upload.filename(), data.getBytes()));
        }
        finishMultipart();
      });
    }

    /** Completes once the request and all its file parts have ended. */
    void finishMultipart() {
      if (!ended || uploadsOpen > 0 || done.future().isComplete()) {
        return;
      }
      if (problem != null) {
        done.fail(problem);
        return;
      }
      JsonObject fields = new JsonObject();
      Map<String, List<String>> given = new LinkedHashMap<>();
      req.formAttributes().forEach(e -> given.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
      Set<String> allowed = fieldNames;
      for (var e : given.entrySet()) {
        if (!allowed.contains(e.getKey())) {
          done.fail(new Incidents.Refused(400, "unexpected field '" + e.getKey() + "'" + (allowed.isEmpty()
              ? ": only 'photo' file fields are taken" : "; the fields are " + String.join(", ", allowed.stream().sorted().toList())
              + " and 'photo' files")));
          return;
        }
        if (e.getValue().size() > 1) {
          done.fail(new Incidents.Refused(400, "field '" + e.getKey() + "' is given " + e.getValue().size() + " times"));
          return;
        }
        fields.put(e.getKey(), e.getValue().get(0));
      }
      if (photos.isEmpty()) {
        done.fail(new Incidents.Refused(400, "no photo: send one or more file fields named 'photo'"));
        return;
      }
      done.complete(new Upload(fields, List.copyOf(photos)));
    }

    void note(Incidents.Refused r) {
      if (problem == null) {
        problem = r;
      }
    }

    void fail(Incidents.Refused r) {
      if (!done.future().isComplete()) {
        done.fail(r);
      }
    }
  }
}
