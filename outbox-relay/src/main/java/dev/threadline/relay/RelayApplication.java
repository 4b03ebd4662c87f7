package dev.threadline.relay;

import io.micronaut.runtime.Micronaut;

public final class RelayApplication {
  private RelayApplication() {}

  public static void main(String[] args) {
    // no banner: stdout carries one JSON object per line
    Micronaut.build(args).mainClass(RelayApplication.class).banner(false).start();
  }
}
