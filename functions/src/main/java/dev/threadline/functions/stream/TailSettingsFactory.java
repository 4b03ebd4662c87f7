package dev.threadline.functions.stream;

import dev.threadline.functions.tail.TailSettings;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** The thread tails' settings, from {@code threadline.stream.*}. */
@Factory
class TailSettingsFactory {

  @Singleton
  TailSettings tailSettings(StreamConfiguration configuration) {
    return new TailSettings(
        configuration.runCheckInterval(),
        configuration.terminalGrace(),
        configuration.tailLinger(),
        configuration.tailMemoryChars());
  }
}
