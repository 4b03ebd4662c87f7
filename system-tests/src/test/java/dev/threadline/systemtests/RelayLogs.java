package dev.threadline.systemtests;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a stack's relays logged (JSON lines, LOG_FORMAT's default) since a moment. A log file is
 * named after the relay and its port and appended to, so a port used again, by this test or an
 * earlier run, shares a file: each file is read once and only lines stamped since then count.
 */
final class RelayLogs {

  private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\":(\\d+)");

  private RelayLogs() {}

  static List<String> since(Stack stack, Instant since) {
    Map<Path, JarProcess> files = new LinkedHashMap<>();
    stack.relays().forEach(relay -> files.putIfAbsent(relay.process().log(), relay.process()));
    return files.values().stream()
        .flatMap(process -> process.logText().lines())
        .filter(
            line -> {
              Matcher stamp = TIMESTAMP.matcher(line);
              return stamp.find() && Long.parseLong(stamp.group(1)) >= since.toEpochMilli();
            })
        .toList();
  }

  static long count(Stack stack, Instant since, String text) {
    return since(stack, since).stream().filter(line -> line.contains(text)).count();
  }
}
