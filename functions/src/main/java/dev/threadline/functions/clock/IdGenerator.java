package dev.threadline.functions.clock;

import java.util.UUID;

/** Source of new ids for threads, runs and messages; a bean so tests can make ids predictable. */
public interface IdGenerator {
  UUID newId();
}
