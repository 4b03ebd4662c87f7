package dev.threadline.relay;

import io.micronaut.runtime.Micronaut;

public final class RelayApplication {
  private RelayApplication() {}

  public static void main(String[] args) {
    Micronaut.run(RelayApplication.class, args);
  }
}
