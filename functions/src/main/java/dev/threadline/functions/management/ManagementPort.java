package dev.threadline.functions.management;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Inject;

/**
 * {@code THREADLINE_MANAGEMENT_PORT} (default 8091): the port {@code /prometheus} is served on,
 * never the public one ({@code MICRONAUT_SERVER_PORT}), since metrics need no token and name
 * internals; {@code -1}: not served at all. Validated at start-up.
 *
 * @param value 1 to 65535, or -1
 */
@Context
public record ManagementPort(int value) {

  public static final int OFF = -1;

  public ManagementPort {
    if (value != OFF && (value < 1 || value > 65535)) {
      throw new IllegalStateException(
          "THREADLINE_MANAGEMENT_PORT must be a port (1 to 65535), or -1 to serve no metrics");
    }
  }

  @Inject
  public ManagementPort(
      @Value("${threadline.management-port:8091}") String value,
      @Value("${micronaut.server.port:8080}") String serverPort) {
    this(parse(value));
    if (this.value != OFF && String.valueOf(this.value).equals(serverPort.trim())) {
      throw new IllegalStateException(
          "THREADLINE_MANAGEMENT_PORT must differ from MICRONAUT_SERVER_PORT ("
              + serverPort.trim()
              + "): metrics stay off the public port");
    }
  }

  private static int parse(String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalStateException(
          "THREADLINE_MANAGEMENT_PORT must be a port number or -1, not '" + value + "'");
    }
  }

  public boolean enabled() {
    return value != OFF;
  }
}
