package dev.threadline.relay.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.threadline.completion.OpenAiCompletionClient;
import dev.threadline.completion.OpenAiConfiguration;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import dev.threadline.relay.bus.NatsConnection;
import dev.threadline.relay.support.CannedProvider;
import dev.threadline.relay.support.CannedProvider.Answer;
import dev.threadline.relay.support.LiveReplies;
import dev.threadline.relay.support.RunFixtures;
import dev.threadline.relay.support.TestRelay;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import io.micronaut.serde.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A relay with the real OpenAI client against a mocked provider whose errors quote an organisation
 * id and the provider's URL: the run's row and the clients get a generic message and a code; the
 * detail goes to the log, with the run's ids.
 */
class ProviderDetailsStayInTheLogTest {

  private static final String SECRET = "org-SECRET";

  private static CannedProvider provider;
  private static String baseUrl;
  private static OpenAiCompletionClient client;
  private static TestDatabase database;
  private static ReplyStreamNames names;
  private static RunFixtures fixtures;
  private static ApplicationContext relay;
  private static NatsConnection nats;
  private static ReplyEventCodec codec;
  private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();

  @BeforeAll
  static void start() {
    provider = CannedProvider.start();
    baseUrl = "http://127.0.0.1:" + provider.port() + "/v1";
    client =
        new OpenAiCompletionClient(
            OpenAiConfiguration.of(baseUrl, "sk-relay-test"), ObjectMapper.getDefault());
    database = TestDatabase.createMigrated();
    names = TestReplyStream.unique();
    fixtures = new RunFixtures(database);
    relay = TestRelay.start(TestRelay.properties(database, names, "relay-leak", Map.of()), client);
    nats = relay.getBean(NatsConnection.class);
    codec = relay.getBean(ReplyEventCodec.class);
    LOGS.start();
    ((Logger) LoggerFactory.getLogger(RunProcessor.class)).addAppender(LOGS);
  }

  @AfterAll
  static void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger(RunProcessor.class)).detachAppender(LOGS);
    nats.connection().jetStreamManagement().deleteStream(names.stream());
    relay.close();
    client.close();
    fixtures.close();
    database.close();
    provider.close();
  }

  private static String errorBody() {
    return "{\"error\":{\"message\":\"You exceeded your quota for organization "
        + SECRET
        + ", see "
        + baseUrl
        + "/usage\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}";
  }

  private void provide(String prompt, Answer answer) {
    provider.answer(prompt, answer);
  }

  private List<ReplyEvent.RunError> runUntilFailed(String prompt, UUID[] runId) {
    String thread = fixtures.thread();
    try (LiveReplies live =
        new LiveReplies(nats.connection(), names, codec, new ThreadId(thread))) {
      runId[0] = fixtures.queueRun(thread, prompt, true, true);
      await().atMost(Duration.ofSeconds(10)).until(live::hasTerminal);
      return live.events().stream()
          .filter(ReplyEvent.RunError.class::isInstance)
          .map(ReplyEvent.RunError.class::cast)
          .toList();
    }
  }

  private static void assertNoInternals(String text) {
    assertThat(text)
        .doesNotContain(SECRET)
        .doesNotContain("127.0.0.1")
        .doesNotContain(Integer.toString(provider.port()))
        .doesNotContain("http")
        .doesNotContain("quota");
  }

  @Test
  void aRefusalQuotingTheOrganisationAndUrlReachesNeitherTheRowNorTheEvent() {
    provide("leak when refused", new Answer(403, "application/json", errorBody()));
    UUID[] runId = new UUID[1];

    List<ReplyEvent.RunError> errors = runUntilFailed("leak when refused", runId);

    assertThat(errors)
        .containsExactly(
            new ReplyEvent.RunError(
                runId[0], 1, "the model provider refused the request", false, "provider_refused"));
    assertThat(fixtures.run(runId[0]).error()).isEqualTo("the model provider refused the request");
    assertNoInternals(fixtures.run(runId[0]).error());
    assertThat(LOGS.list)
        .anySatisfy(
            event -> {
              assertThat(event.getFormattedMessage()).contains(SECRET).contains(baseUrl);
              assertThat(event.getMDCPropertyMap())
                  .containsEntry("runId", runId[0].toString())
                  .containsEntry("executorId", "relay-leak")
                  .containsKeys("threadId", "epoch");
            });
  }

  @Test
  void retriedProviderErrorsTellClientsOnlyTheGenericMessageEachTime() {
    provide("leak when down", new Answer(503, "application/json", errorBody()));
    UUID[] runId = new UUID[1];

    List<ReplyEvent.RunError> errors = runUntilFailed("leak when down", runId);

    assertThat(errors).hasSize(3).allSatisfy(e -> assertNoInternals(e.message()));
    assertThat(errors).extracting(ReplyEvent.RunError::code).containsOnly("provider_unavailable");
    assertThat(fixtures.run(runId[0]).error())
        .isEqualTo("the model provider is unavailable (gave up after 3 attempts)");
  }

  @Test
  void aContentFilterInsideTheStreamFailsTheRunAtOnce() {
    provide(
        "filter me",
        new Answer(
            200,
            "text/event-stream",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Sure, \"}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{},"
                + "\"finish_reason\":\"content_filter\"}]}\n\n"
                + "data: [DONE]\n\n"));
    UUID[] runId = new UUID[1];

    List<ReplyEvent.RunError> errors = runUntilFailed("filter me", runId);

    assertThat(errors).extracting(ReplyEvent.RunError::code).containsExactly("content_filtered");
    assertThat(provider.requestsContaining("filter me")).hasSize(1);
    assertThat(fixtures.run(runId[0]).status()).isEqualTo("failed");
  }
}
