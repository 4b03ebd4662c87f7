package dev.threadline.functions.clock;

import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.time.Clock;

/** The one clock; tests replace it. */
@Factory
public class ClockFactory {

  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }
}
