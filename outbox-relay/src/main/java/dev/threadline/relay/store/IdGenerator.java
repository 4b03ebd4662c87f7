package dev.threadline.relay.store;

import java.util.UUID;

/** New ids for rows the relay writes (assistant messages); injected so tests can fix them. */
@FunctionalInterface
public interface IdGenerator {
  UUID newId();
}
