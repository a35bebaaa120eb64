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
    for (int i = 0; i < Migrations.SCRIPTS.size(); i++) {
      assertThat(Migrations.SCRIPTS.get(i)).startsWith("V" + (i + 1) + "__");
    }
  }
}
