package dev.threadline.relay;

import dev.threadline.relay.store.IdGenerator;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.UUID;

/** Time and ids, injected so tests can set them. */
@Factory
class RelayBeans {

  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  @Singleton
  IdGenerator idGenerator() {
    return UUID::randomUUID;
  }
}
