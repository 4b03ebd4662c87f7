package dev.threadline.migrations;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies pending migrations and exits: 0 when the schema is current, 1 with the reason otherwise.
 * micronaut-flyway migrates while the context starts, so starting it is the whole job.
 */
public final class MigrationsApplication {

  private static final Logger LOG = LoggerFactory.getLogger(MigrationsApplication.class);

  private MigrationsApplication() {}

  public static void main(String[] args) {
    try (ApplicationContext context =
        ApplicationContext.builder(MigrationsApplication.class)
            .deduceEnvironment(false)
            .environments(Environment.CLI)
            .start()) {
      LOG.info("schema is current");
    } catch (RuntimeException e) {
      System.err.println("migrations failed: " + rootMessage(e));
      System.exit(1);
    }
    System.exit(0);
  }

  private static String rootMessage(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause == e
        ? String.valueOf(e.getMessage())
        : e.getMessage() + " (cause: " + cause.getMessage() + ")";
  }
}
