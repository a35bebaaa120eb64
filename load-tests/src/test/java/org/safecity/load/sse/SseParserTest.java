package org.safecity.load.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

  /** What the listener saw: "lastId|event|data" per event, "retry=N" per retry. */
  private static final class Recorder implements SseParser.Listener {
    final List<String> seen = new ArrayList<>();

    @Override
    public void onEvent(String lastEventId, String event, String data) {
      seen.add(lastEventId + "|" + event + "|" + data);
    }

    @Override
    public void onRetry(long millis) {
      seen.add("retry=" + millis);
    }
  }

  /** The gateway's own frames (SseFrames), as EventStreamIT sees them. */
  private static final String GATEWAY = "retry: 2000\n: safecity event stream\n\n"
      + "id: 41\nevent: position\ndata: {\"lastId\":41}\n\n"
      + "id: 42\ndata: {\"id\":42,\"type\":\"alarm.raised\",\"region\":\"south\"}\n\n"
      + ": ping\n\n"
      + "id: 50\nevent: overflow\ndata: {\"lastId\":50,\"reason\":\"slow\"}\n\n";

  private static final List<String> GATEWAY_EVENTS = List.of("retry=2000", "41|position|{\"lastId\":41}",
      "42|message|{\"id\":42,\"type\":\"alarm.raised\",\"region\":\"south\"}",
      "50|overflow|{\"lastId\":50,\"reason\":\"slow\"}");

  private static List<String> parse(String... chunks) {
    Recorder r = new Recorder();
    SseParser p = new SseParser(r);
    for (String c : chunks) {
      p.feed(c.getBytes(StandardCharsets.UTF_8));
    }
    return r.seen;
  }

  @Test
  void gatewayFramesInOneChunk() {
    assertEquals(GATEWAY_EVENTS, parse(GATEWAY));
  }

  @Test
  void anySplitOfTheBytesGivesTheSameEvents() {
    byte[] all = GATEWAY.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    for (int cut = 0; cut <= all.length; cut++) {
      Recorder r = new Recorder();
      SseParser p = new SseParser(r);
      p.feed(all, 0, cut);
      p.feed(all, cut, all.length - cut);
      assertEquals(GATEWAY_EVENTS, r.seen, "cut at " + cut);
    }
    Recorder r = new Recorder();
    SseParser p = new SseParser(r);
    for (byte b : all) {
      p.feed(new byte[] {b});
    }
    assertEquals(GATEWAY_EVENTS, r.seen, "byte by byte");
  }

  @Test
  void lineEndsCrLfAndCrAlikeAndMultiLineData() {
    assertEquals(List.of("|message|a\nb", "|message|c"), parse("data: a\rdata: b\r\rdata:c\r\n\r\n"));
    assertEquals(List.of("|message|x"), parse("data: x\r", "\n", "\r", "\n"));
  }

  @Test
  void nchanFramesAndTheirIds() {
    // Nchan's eventsource subscriber: a ": hi" comment, then one event per message with id <time>:<tag>.
    Recorder r = new Recorder();
    SseParser p = new SseParser(r);
    p.feed(": hi\n\nid: 1764030000:0\ndata: {\"seq\":1}\n\nid: 1764030000:1\ndata: {\"seq\":2}\n\n"
        .getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("1764030000:0|message|{\"seq\":1}", "1764030000:1|message|{\"seq\":2}"), r.seen);
    assertEquals("1764030000:1", p.lastEventId());
  }

  @Test
  void idWithoutDataMovesTheResumePointButDispatchesNothing() {
    Recorder r = new Recorder();
    SseParser p = new SseParser(r, "7");
    p.feed("id: 9\n\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(), r.seen);
    assertEquals("9", p.lastEventId());
    p.feed("data: no id\n\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("9|message|no id"), r.seen, "the id stays until the server sets another");
    p.feed("id: bad\0id\ndata: y\n\n".getBytes(StandardCharsets.UTF_8));
    assertEquals("9", p.lastEventId(), "an id with U+0000 is ignored");
  }

  @Test
  void fieldsWithoutColonOrSpaceUnknownFieldsCommentsAndBom() {
    assertEquals(List.of("|message|", "|message| two spaces"),
        parse("data\n\ndata:  two spaces\nfoo: bar\n: comment\n\n"));
    assertEquals(List.of("|message|x"), parse("\uFEFFdata: x\n\n"), "a UTF-8 BOM opening the stream is skipped");
    assertEquals(List.of("retry=1500"), parse("retry: 1500\nretry: 1s\n\n"));
    assertEquals(List.of("|alarm|é ü"), parse("event: alarm\ndata: é ü\n\n"));
  }

  @Test
  void bomSplitAcrossChunks() {
    Recorder r = new Recorder();
    SseParser p = new SseParser(r);
    p.feed(new byte[] {(byte) 0xEF});
    p.feed(new byte[] {(byte) 0xBB, (byte) 0xBF, 'd', 'a', 't', 'a', ':', '1', '\n', '\n'});
    assertEquals(List.of("|message|1"), r.seen);
  }
}
