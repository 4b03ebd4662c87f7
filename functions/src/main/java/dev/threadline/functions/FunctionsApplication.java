package dev.threadline.functions;

import io.micronaut.runtime.Micronaut;

public final class FunctionsApplication {
  private FunctionsApplication() {}

  public static void main(String[] args) {
    Micronaut.run(FunctionsApplication.class, args);
  }
}
