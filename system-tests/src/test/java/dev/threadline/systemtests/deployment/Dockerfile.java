package dev.threadline.systemtests.deployment;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Dockerfile as instructions (continuation lines joined, comments dropped): enough to check what
 * an image will contain without a Docker engine to build it.
 */
public record Dockerfile(String module, List<Instruction> instructions) {

  /**
   * {@code COPY target/x.jar /app/x.jar} → keyword {@code COPY}, arguments {@code target/x.jar
   * /app/x.jar}.
   */
  public record Instruction(String keyword, String arguments) {
    public List<String> words() {
      return List.of(arguments.trim().split("\\s+"));
    }
  }

  public static Dockerfile of(String module) {
    String text = RepoFiles.read(module + "/Dockerfile");
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String line : text.split("\\R")) {
      String trimmed = line.strip();
      if (pending.isEmpty() && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
        continue;
      }
      if (!pending.isEmpty() && trimmed.startsWith("#")) {
        continue; // a comment inside a continued instruction
      }
      if (trimmed.endsWith("\\")) {
        pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      pending.append(trimmed);
      String instruction = pending.toString().strip();
      pending.setLength(0);
      int space = instruction.indexOf(' ');
      instructions.add(
          space < 0
              ? new Instruction(instruction.toUpperCase(), "")
              : new Instruction(
                  instruction.substring(0, space).toUpperCase(),
                  instruction.substring(space + 1).strip()));
    }
    if (!pending.isEmpty()) {
      throw new AssertionError(module + "/Dockerfile ends inside a continued line");
    }
    return new Dockerfile(module, List.copyOf(instructions));
  }

  public List<Instruction> all(String keyword) {
    return instructions.stream()
        .filter(instruction -> instruction.keyword().equals(keyword))
        .toList();
  }

  public Optional<Instruction> last(String keyword) {
    List<Instruction> matching = all(keyword);
    return matching.isEmpty() ? Optional.empty() : Optional.of(matching.get(matching.size() - 1));
  }
}
