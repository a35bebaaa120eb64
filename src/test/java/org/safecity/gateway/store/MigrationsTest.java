package org.safecity.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MigrationsTest {
  @Test
  void everyScriptInTheFolderIsListedInOrder() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
      assertThat(Migrations.SCRIPTS).containsExactlyInAnyOrderElementsOf(
          files.map(p -> p.getFileName().toString()).toList());
    }
    assertThat(Migrations.fromClasspath()).isNotNull();
    // Versions only increase (numbers are handed out to parallel branches, so one may be missing for a while).
    int last = 0;
    for (String script : Migrations.SCRIPTS) {
      int version = Integer.parseInt(script.substring(1, script.indexOf("__")));
      assertThat(version).as(script).isGreaterThan(last);
      last = version;
    }
  }
}
