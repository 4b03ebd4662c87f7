package dev.threadline.systemtests.deployment;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a relay may take from SIGTERM to exit, read from its code: {@code RelayLifecycle.stop()}
 * waits up to {@code shutdownGrace} for in-flight runs and up to {@code STOP_WAIT} for each
 * background loop, one after another, before it releases its liveness lock. A grace period shorter
 * than that lets SIGKILL land first: survivors then find the runs only by probing the lock.
 */
public final class RelayShutdownBudget {

  static final String LIFECYCLE =
      "outbox-relay/src/main/java/dev/threadline/relay/RelayLifecycle.java";
  private static final Pattern STOP_WAIT =
      Pattern.compile("STOP_WAIT\\s*=\\s*Duration\\.of(Millis|Seconds)\\((\\d+)\\)");
  private static final Pattern LOOP_STOP = Pattern.compile("\\.stop\\(STOP_WAIT\\)");

  /**
   * JVM and HTTP server shutdown, the executor row update and the lock release, around the waits.
   */
  static final Duration SLACK = Duration.ofSeconds(5);

  private RelayShutdownBudget() {}

  /** The longest stop for this {@code THREADLINE_RELAY_SHUTDOWN_GRACE}, plus {@link #SLACK}. */
  public static Duration forShutdownGrace(Duration shutdownGrace) {
    String source = RepoFiles.read(LIFECYCLE);
    Matcher stopWait = STOP_WAIT.matcher(source);
    if (!stopWait.find()) {
      throw new AssertionError(
          LIFECYCLE
              + " no longer declares STOP_WAIT as Duration.ofSeconds/ofMillis:"
              + " update RelayShutdownBudget to read the relay's stop budget");
    }
    long amount = Long.parseLong(stopWait.group(2));
    Duration perLoop =
        stopWait.group(1).equals("Millis") ? Duration.ofMillis(amount) : Duration.ofSeconds(amount);
    long loops = LOOP_STOP.matcher(source).results().count();
    if (loops == 0) {
      throw new AssertionError(
          LIFECYCLE + ": no loop.stop(STOP_WAIT) found: update RelayShutdownBudget");
    }
    return shutdownGrace.plus(perLoop.multipliedBy(loops)).plus(SLACK);
  }

  /** A duration as the relay's configuration writes it: {@code 10s}, {@code 500ms}, {@code 1m}. */
  public static Duration parse(String value) {
    Matcher matcher = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(value.trim());
    if (!matcher.matches()) {
      throw new AssertionError("not a duration like 10s / 500ms / 1m: " + value);
    }
    long amount = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }
}
