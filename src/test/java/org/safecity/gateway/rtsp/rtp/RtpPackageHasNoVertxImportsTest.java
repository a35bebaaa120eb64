package org.safecity.gateway.rtsp.rtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The protocol code stays free of Vert.x (Netty buffers are its byte carrier), so it tests without an event loop. */
class RtpPackageHasNoVertxImportsTest {

  private static final Path SOURCES = Path.of("src/main/java/org/safecity/gateway/rtsp/rtp");
  private static final Pattern VERTX = Pattern.compile("^\\s*import\\s+(static\\s+)?io\\.vertx\\b", Pattern.MULTILINE);

  @Test
  void noSourceImportsVertx() throws IOException {
    assertThat(SOURCES).as("run from the project root").isDirectory();
    List<Path> files;
    try (Stream<Path> paths = Files.list(SOURCES)) {
      files = paths.filter(p -> p.toString().endsWith(".java")).toList();
    }
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      assertThat(VERTX.matcher(Files.readString(file)).find()).as(file.getFileName().toString()).isFalse();
    }
  }
}
