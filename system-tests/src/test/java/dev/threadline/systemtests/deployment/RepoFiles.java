package dev.threadline.systemtests.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The repository's checked-in files (not the built jars): manifests, Dockerfiles, app config. */
public final class RepoFiles {

  private RepoFiles() {}

  /**
   * The repository root: surefire's {@code threadline.repo.root}, else the working directory's
   * parent.
   */
  public static Path root() {
    String root = System.getProperty("threadline.repo.root");
    Path path = root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent();
    return path.toAbsolutePath().normalize();
  }

  public static Path path(String relative) {
    return root().resolve(relative);
  }

  public static String read(String relative) {
    Path file = path(relative);
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file, e);
    }
  }

  /** Every document of a (multi-document) YAML file, each a map; empty documents are skipped. */
  public static List<Map<String, Object>> yamlDocuments(String relative) {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : yaml().loadAll(read(relative))) {
      if (document == null) {
        continue;
      }
      if (!(document instanceof Map<?, ?>)) {
        throw new IllegalStateException(relative + ": a document is not a mapping: " + document);
      }
      documents.add(Yamls.map(document, relative));
    }
    return documents;
  }

  /** The single YAML document of a file (application.yml, docker-compose.yml). */
  public static Map<String, Object> yamlDocument(String relative) {
    List<Map<String, Object>> documents = yamlDocuments(relative);
    if (documents.size() != 1) {
      throw new IllegalStateException(
          relative + ": expected one YAML document, found " + documents.size());
    }
    return documents.get(0);
  }

  // SafeConstructor: plain maps, lists and scalars, no types from the file; merge keys (<<)
  // resolved
  private static Yaml yaml() {
    return new Yaml(new SafeConstructor(new LoaderOptions()));
  }
}
