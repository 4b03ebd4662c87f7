package dev.threadline.functions.stream;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open streams on this instance, per owner and in all (README, Configuration:
 * THREADLINE_MAX_STREAMS*). A stream takes a {@link Permit} before its response starts and gives it
 * back exactly once, however it ends. Created at start-up, so a bad value stops the process.
 */
@Context
public class StreamLimits {

  /** How long a refused client is told to wait: about how long a reconnect cycle takes. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(5);

  private final int maxPerOwner;
  private final int maxStreams;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<String, AtomicInteger> perOwner = new ConcurrentHashMap<>();

  public StreamLimits(
      @Value("${threadline.max-streams-per-owner:16}") String maxPerOwner,
      @Value("${threadline.max-streams:20000}") String maxStreams) {
    this.maxPerOwner = positive(maxPerOwner, "THREADLINE_MAX_STREAMS_PER_OWNER");
    this.maxStreams = positive(maxStreams, "THREADLINE_MAX_STREAMS");
  }

  /**
   * @throws TooManyStreamsException when the owner or the instance is at its limit
   */
  public Permit acquire(String owner) {
    if (open.incrementAndGet() > maxStreams) {
      open.decrementAndGet();
      throw TooManyStreamsException.perInstance(RETRY_AFTER);
    }
    // counted inside the map's compute: an owner's count and the removal of its entry at zero
    // (Permit.release) never interleave
    int owners =
        perOwner
            .compute(
                owner,
                (key, count) -> {
                  AtomicInteger counter = count == null ? new AtomicInteger() : count;
                  counter.incrementAndGet();
                  return counter;
                })
            .get();
    boolean admitted = owners <= maxPerOwner;
    Permit permit = new Permit(owner);
    if (!admitted) {
      permit.release();
      throw TooManyStreamsException.perOwner(maxPerOwner, RETRY_AFTER);
    }
    return permit;
  }

  /** Streams open now on this instance. */
  public int open() {
    return open.get();
  }

  /** Streams the owner has open now on this instance. */
  public int open(String owner) {
    AtomicInteger count = perOwner.get(owner);
    return count == null ? 0 : count.get();
  }

  private static int positive(String value, String variable) {
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed >= 1) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(variable + " must be an integer >= 1, not '" + value + "'");
  }

  /** One open stream; {@link #release()} counts only the first time. */
  public final class Permit {
    private final String owner;
    private final AtomicBoolean released = new AtomicBoolean();

    private Permit(String owner) {
      this.owner = owner;
    }

    public void release() {
      if (!released.compareAndSet(false, true)) {
        return;
      }
      open.decrementAndGet();
      perOwner.computeIfPresent(owner, (key, count) -> count.decrementAndGet() <= 0 ? null : count);
    }
  }
}
