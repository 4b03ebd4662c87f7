package dev.threadline.migrations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.protocol.SchemaVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MigrationFilesTest {

  private static final Pattern VERSIONED = Pattern.compile("V(\\d+)__[a-z0-9_]+\\.sql");

  @Test
  void theNewestMigrationIsTheVersionTheCodeRequires() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
      int newest =
          files
              .map(path -> VERSIONED.matcher(path.getFileName().toString()))
              .filter(Matcher::matches)
              .mapToInt(m -> Integer.parseInt(m.group(1)))
              .max()
              .orElse(0);
      assertThat(newest).isEqualTo(SchemaVersion.REQUIRED);
    }
  }

  @Test
  void everyMigrationFileIsNamedSoFlywayAppliesIt() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
      assertThat(files.map(path -> path.getFileName().toString()))
          .allMatch(name -> VERSIONED.matcher(name).matches(), "V<n>__<snake_case>.sql");
    }
  }
}
