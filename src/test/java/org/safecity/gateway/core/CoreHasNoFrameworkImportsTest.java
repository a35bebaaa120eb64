package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The core stays plain Java: no Vert.x or Netty type may leak in, so its rules test without a framework. */
class CoreHasNoFrameworkImportsTest {

  private static final Path CORE = Path.of("src/main/java/org/safecity/gateway/core");
  private static final Pattern FORBIDDEN =
      Pattern.compile("^\\s*import\\s+(static\\s+)?io\\.(vertx|netty)\\b.*$", Pattern.MULTILINE);

  @Test
  void coreSourcesImportNoFrameworkTypes() throws IOException {
    assertThat(CORE).as("run from the project root").isDirectory();
    List<String> offences = new ArrayList<>();
    int files = 0;
    try (Stream<Path> paths = Files.walk(CORE)) {
      for (Path file : paths.filter(p -> p.toString().endsWith(".java")).toList()) {
        files++;
        Matcher m = FORBIDDEN.matcher(Files.readString(file));
        while (m.find()) {
          offences.add(CORE.relativize(file) + ": " + m.group().strip());
        }
      }
    }
    assertThat(files).as("core source files scanned").isGreaterThan(10);
    assertThat(offences).as("framework imports in core").isEmpty();
  }

  @Test
  void patternCatchesWhatItMustAndNothingElse() {
    assertThat(FORBIDDEN.matcher("import io.vertx.core.Future;").find()).isTrue();
    assertThat(FORBIDDEN.matcher("  import static io.netty.buffer.Unpooled.buffer;").find()).isTrue();
    assertThat(FORBIDDEN.matcher("import io.vertxish.Thing;").find()).isFalse();
    assertThat(FORBIDDEN.matcher("import java.time.Instant;").find()).isFalse();
  }
}
