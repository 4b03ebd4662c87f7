package dev.threadline.functions.clock;

import jakarta.inject.Singleton;
import java.util.UUID;

@Singleton
public class RandomIdGenerator implements IdGenerator {
  @Override
  public UUID newId() {
    return UUID.randomUUID();
  }
}
