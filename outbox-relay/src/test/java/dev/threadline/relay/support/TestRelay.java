package dev.threadline.relay.support;

import dev.threadline.completion.CompletionClient;
import dev.threadline.completion.OpenAiCompletionClient;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.relay.bus.ReplyStartListener;
import dev.threadline.relay.store.JdbcRunStore;
import dev.threadline.relay.store.RunStore;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.RuntimeBeanDefinition;
import java.util.HashMap;
import java.util.Map;

/** A whole relay in this JVM: real database and NATS, the scripted model. */
public final class TestRelay {

  private TestRelay() {}

  /** Properties for a relay with test-friendly timings; override any with {@code extra}. */
  public static Map<String, Object> properties(
      TestDatabase database, ReplyStreamNames names, String executorId, Map<String, Object> extra) {
    Map<String, Object> properties = new HashMap<>();
    properties.putAll(database.datasourceProperties());
    properties.putAll(TestReplyStream.properties(names));
    properties.put("datasources.default.maximum-pool-size", 4);
    properties.put("micronaut.server.port", -1);
    properties.put("executor.id", executorId);
    properties.put("threadline.relay.lease", "4s");
    properties.put("threadline.relay.lease-renewal", "500ms");
    properties.put("threadline.relay.takeover-scan", "250ms");
    // long: a claim that happens fast proves NOTIFY (or a freed slot) woke the claim loop
    properties.put("threadline.relay.poll-interval", "30s");
    properties.put("threadline.relay.max-concurrent-runs", 8);
    properties.put("threadline.relay.retry-max-attempts", 3);
    properties.put("threadline.relay.backoff-base", "20ms");
    properties.put("threadline.relay.backoff-max", "100ms");
    properties.put("threadline.relay.publish-timeout", "3s");
    properties.put("threadline.relay.shutdown-grace", "2s");
    properties.put("threadline.relay.liveness-acquire-timeout", "3s");
    properties.putAll(extra);
    return properties;
  }

  public static ApplicationContext start(Map<String, Object> properties, CompletionClient model) {
    return ApplicationContext.builder()
        .properties(properties)
        .beanDefinitions(scripted(model))
        .deduceEnvironment(false)
        .start();
  }

  /** A relay whose run store is {@code store} (the real one with faults a test arms). */
  public static ApplicationContext start(
      Map<String, Object> properties, CompletionClient model, RunStore store) {
    RuntimeBeanDefinition<RunStore> faulty =
        RuntimeBeanDefinition.builder(RunStore.class, () -> store)
            .singleton(true)
            .replaces(JdbcRunStore.class)
            .build();
    return ApplicationContext.builder()
        .properties(properties)
        .beanDefinitions(scripted(model), faulty)
        .deduceEnvironment(false)
        .start();
  }

  /** A relay whose run store is {@code store} and whose reply starts {@code listener} observes. */
  public static ApplicationContext start(
      Map<String, Object> properties,
      CompletionClient model,
      RunStore store,
      ReplyStartListener listener) {
    RuntimeBeanDefinition<RunStore> replaced =
        RuntimeBeanDefinition.builder(RunStore.class, () -> store)
            .singleton(true)
            .replaces(JdbcRunStore.class)
            .build();
    RuntimeBeanDefinition<ReplyStartListener> observer =
        RuntimeBeanDefinition.builder(ReplyStartListener.class, () -> listener)
            .singleton(true)
            .build();
    return ApplicationContext.builder()
        .properties(properties)
        .beanDefinitions(scripted(model), replaced, observer)
        .deduceEnvironment(false)
        .start();
  }

  private static RuntimeBeanDefinition<CompletionClient> scripted(CompletionClient model) {
    // the scripted model replaces the OpenAI adapter: the one thing these tests fake
    return RuntimeBeanDefinition.builder(CompletionClient.class, () -> model)
        .singleton(true)
        .replaces(OpenAiCompletionClient.class)
        .build();
  }
}
