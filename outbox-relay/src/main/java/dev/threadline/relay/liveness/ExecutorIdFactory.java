package dev.threadline.relay.liveness;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.env.Environment;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves the executor id: {@code executor.id} (env {@code EXECUTOR_ID}), else {@code pod.name}
 * (env {@code POD_NAME}). In the {@code prod} environment one of them is required; elsewhere a
 * random id is used, loudly, because its runs are stranded until a survivor takes them over.
 */
@Factory
class ExecutorIdFactory {

  private static final Logger LOG = LoggerFactory.getLogger(ExecutorIdFactory.class);

  @Singleton
  ExecutorId executorId(Environment environment) {
    Optional<String> configured =
        environment
            .getProperty("executor.id", String.class)
            .filter(id -> !id.isBlank())
            .or(
                () ->
                    environment.getProperty("pod.name", String.class).filter(id -> !id.isBlank()));
    if (configured.isPresent()) {
      ExecutorId id = new ExecutorId(configured.get().trim());
      LOG.info("executor id {}", id);
      return id;
    }
    if (environment.getActiveNames().contains("prod")) {
      throw new IllegalStateException(
          "set EXECUTOR_ID (or POD_NAME): in the prod environment the relay needs a stable"
              + " executor id, or a restart strands the runs of its previous process");
    }
    ExecutorId random = new ExecutorId("dev-" + UUID.randomUUID().toString().substring(0, 8));
    LOG.warn(
        "!!! no EXECUTOR_ID or POD_NAME set: using the random executor id {}. Runs of a previous"
            + " process are recovered only by takeover; set EXECUTOR_ID in any real deployment !!!",
        random);
    return random;
  }
}
