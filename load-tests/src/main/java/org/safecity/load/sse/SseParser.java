package org.safecity.load.sse;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental {@code text/event-stream} parser, as an {@code EventSource} reads it (WHATWG HTML, "Server-sent
 * events", interpreting an event stream), fed with bytes as they come off the socket: lines may be split anywhere
 * across chunks, end in CRLF, LF or CR, and a UTF-8 BOM may open the stream.
 *
 * <p>Like an {@code EventSource}: {@code id:} sets the last event id when the event is dispatched (also when it
 * carries no data: a notice with an id still moves the resume point), an event without data is not dispatched,
 * {@code retry:} with digits only sets the reconnection time, comments ({@code :...}) are ignored, and an
 * {@code id} containing U+0000 is ignored. Event names default to {@code message}.
 *
 * <p>One per connection, so it is kept small: the line buffer starts at 128 bytes and grows only for long lines.
 */
public final class SseParser {

  /** What the parser reports. Called on the thread that feeds it. */
  public interface Listener {
    /**
     * One dispatched event.
     *
     * @param lastEventId the stream's last event id after this event (what a reconnect would send); "" for none
     * @param event       the event name ({@code message} when the stream named none)
     * @param data        the data lines joined with {@code \n}
     */
    void onEvent(String lastEventId, String event, String data);

    /** A {@code retry:} field with a valid value. */
    default void onRetry(long millis) {
    }
  }

  private static final byte LF = '\n';
  private static final byte CR = '\r';

  private final Listener listener;
  private byte[] line = new byte[128];
  private int lineLength;
  /** The previous chunk ended in CR: an LF opening the next one belongs to that line end. */
  private boolean afterCr;
  private boolean started;
  private int bomSeen;
  private StringBuilder data;
  private String eventType;
  private String idBuffer = "";
  private String lastEventId = "";

  public SseParser(Listener listener) {
    this.listener = listener;
  }

  /** A parser that resumes with a known last event id (the {@code Last-Event-ID} a reconnect sent). */
  public SseParser(Listener listener, String lastEventId) {
    this(listener);
    this.lastEventId = lastEventId == null ? "" : lastEventId;
    this.idBuffer = this.lastEventId;
  }

  /** The last event id: what {@code Last-Event-ID} should say on a reconnect. */
  public String lastEventId() {
    return lastEventId;
  }

  public void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  public void feed(byte[] bytes, int offset, int length) {
    int end = offset + length;
    int i = offset;
    if (!started) {
      // An optional UTF-8 BOM (EF BB BF) at the very start of the stream, possibly split across chunks.
      byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
      while (i < end && bomSeen < 3 && bytes[i] == bom[bomSeen]) {
        bomSeen++;
        i++;
      }
      if (i < end || bomSeen == 3) {
        if (bomSeen > 0 && bomSeen < 3) {
          // Not a BOM after all: those bytes were content.
          append(bom, 0, bomSeen);
        }
        started = true;
      } else {
        return;
      }
    }
    while (i < end) {
      byte b = bytes[i];
      if (afterCr) {
        afterCr = false;
        if (b == LF) {
          i++;
          continue;
        }
      }
      // Scan to the next line end inside this chunk.
      int j = i;
      while (j < end && bytes[j] != LF && bytes[j] != CR) {
        j++;
      }
      if (j == end) {
        append(bytes, i, end - i);
        return;
      }
      byte[] src;
      int from;
      int len;
      if (lineLength == 0) {
        src = bytes;
        from = i;
        len = j - i;
      } else {
        append(bytes, i, j - i);
        src = line;
        from = 0;
        len = lineLength;
      }
      processLine(src, from, len);
      lineLength = 0;
      if (bytes[j] == CR) {
        afterCr = true;
      }
      i = j + 1;
    }
  }

  private void append(byte[] src, int from, int len) {
    if (lineLength + len > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + len));
    }
    System.arraycopy(src, from, line, lineLength, len);
    lineLength += len;
  }

  private void processLine(byte[] b, int from, int len) {
    if (len == 0) {
      dispatch();
      return;
    }
    if (b[from] == ':') {
      return; // comment
    }
    int colon = -1;
    for (int k = from; k < from + len; k++) {
      if (b[k] == ':') {
        colon = k;
        break;
      }
    }
    int nameEnd = colon < 0 ? from + len : colon;
    int valueStart = colon < 0 ? from + len : colon + 1;
    if (colon >= 0 && valueStart < from + len && b[valueStart] == ' ') {
      valueStart++;
    }
    int valueLength = from + len - valueStart;
    if (is(b, from, nameEnd, "data")) {
      if (data == null) {
        data = new StringBuilder(Math.max(16, valueLength + 1));
      }
      data.append(new String(b, valueStart, valueLength, StandardCharsets.UTF_8)).append('\n');
    } else if (is(b, from, nameEnd, "event")) {
      eventType = new String(b, valueStart, valueLength, StandardCharsets.UTF_8);
    } else if (is(b, from, nameEnd, "id")) {
      String id = new String(b, valueStart, valueLength, StandardCharsets.UTF_8);
      if (id.indexOf('\0') < 0) {
        idBuffer = id;
      }
    } else if (is(b, from, nameEnd, "retry")) {
      if (valueLength > 0 && valueLength <= 18 && digits(b, valueStart, valueLength)) {
        listener.onRetry(Long.parseLong(new String(b, valueStart, valueLength, StandardCharsets.US_ASCII)));
      }
    }
    // any other field is ignored
  }

  private void dispatch() {
    lastEventId = idBuffer;
    if (data == null || data.length() == 0) {
      data = null;
      eventType = null;
      return;
    }
    data.setLength(data.length() - 1);
    String d = data.toString();
    String type = eventType == null || eventType.isEmpty() ? "message" : eventType;
    data = null;
    eventType = null;
    listener.onEvent(lastEventId, type, d);
  }

  private static boolean is(byte[] b, int from, int to, String name) {
    if (to - from != name.length()) {
      return false;
    }
    for (int k = 0; k < name.length(); k++) {
      if (b[from + k] != name.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static boolean digits(byte[] b, int from, int len) {
    for (int k = from; k < from + len; k++) {
      if (b[k] < '0' || b[k] > '9') {
        return false;
      }
    }
    return true;
  }
}
