package dev.threadline.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OpenAiConfigurationTest {

  @ParameterizedTest
  @ValueSource(strings = {"localhost:8080/v1", "/v1", "ftp://example.com/v1", "http//x", " "})
  void refusesABaseUrlThatIsNotAnAbsoluteHttpUrlNamingTheVariable(String baseUrl) {
    assertThatThrownBy(() -> OpenAiConfiguration.of(baseUrl, "k"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("set OPENAI_BASE_URL");
  }

  @Test
  void refusesTheOpenAiApiWithoutAKeyNamingTheVariable() {
    assertThatThrownBy(() -> OpenAiConfiguration.of("https://api.openai.com/v1", " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("set OPENAI_API_KEY");
  }

  @Test
  void acceptsAnotherServerWithoutAKeyAndToleratesATrailingSlash() {
    OpenAiConfiguration config = OpenAiConfiguration.of("http://127.0.0.1:11434/v1/", null);

    assertThat(config.apiKey()).isNull();
    assertThat(config.chatCompletionsUri())
        .isEqualTo(URI.create("http://127.0.0.1:11434/v1/chat/completions"));
  }

  @Test
  void neverPrintsTheKey() {
    assertThat(OpenAiConfiguration.of("https://api.openai.com/v1", "sk-secret").toString())
        .doesNotContain("sk-secret")
        .contains("apiKey=***");
  }

  @Test
  void refusesNonPositiveTimeoutsNamingTheProperty() {
    OpenAiConfiguration config = OpenAiConfiguration.of("http://localhost/v1", null);

    assertThatThrownBy(
            () -> config.withTimeouts(Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("openai.idle-timeout");
  }

  @Test
  void wiresTheClientFromPropertiesWithDefaultsForTheRest() {
    try (ApplicationContext context =
        isolatedContext(
            PropertySource.of(
                Map.of(
                    "openai.base-url", "http://127.0.0.1:9/v1/",
                    "openai.model", "llama3",
                    "openai.idle-timeout", "300ms")))) {
      OpenAiConfiguration config = context.getBean(OpenAiConfiguration.class);

      assertThat(context.getBean(CompletionClient.class))
          .isInstanceOf(OpenAiCompletionClient.class);
      assertThat(config.baseUrl()).isEqualTo("http://127.0.0.1:9/v1");
      assertThat(config.apiKey()).isNull();
      assertThat(config.model()).isEqualTo("llama3");
      assertThat(config.idleTimeout()).isEqualTo(Duration.ofMillis(300));
      assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
      assertThat(config.headersTimeout()).isEqualTo(Duration.ofSeconds(60));
    }
  }

  @Test
  void theWiredClientStreamsWithTheContextsObjectMapper() throws Exception {
    try (ScriptedProvider provider =
            ScriptedProvider.start(
                exchange -> {
                  exchange.sendEventStreamHeaders();
                  exchange.sendChunk(
                      "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"
                          + "data: [DONE]\n\n");
                  exchange.endChunkedBody();
                });
        ApplicationContext context =
            isolatedContext(PropertySource.of(Map.of("openai.base-url", provider.baseUrl())))) {
      List<String> deltas = new ArrayList<>();

      CompletionResult result =
          context.getBean(CompletionClient.class).stream(
              new CompletionRequest("m", List.of(new ChatMessage("user", "Hi"))),
              deltas::add,
              new AbortSignal());

      assertThat(deltas).containsExactly("hi");
      assertThat(result).isEqualTo(new CompletionResult("stop", -1, -1));
    }
  }

  @Test
  void mapsTheOpenAiEnvironmentVariables() {
    PropertySource environment =
        PropertySource.of(
            "test-env",
            Map.of(
                "OPENAI_BASE_URL", "https://api.openai.com/v1",
                "OPENAI_API_KEY", "sk-from-env",
                "OPENAI_MODEL", "gpt-4.1-mini",
                "OPENAI_MAX_TOKENS", "256",
                "OPENAI_MAX_TOKENS_FIELD", "max_tokens"),
            PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE);
    try (ApplicationContext context = isolatedContext(environment)) {
      OpenAiConfiguration config = context.getBean(OpenAiConfiguration.class);

      assertThat(config.baseUrl()).isEqualTo("https://api.openai.com/v1");
      assertThat(config.apiKey()).isEqualTo("sk-from-env");
      assertThat(config.model()).isEqualTo("gpt-4.1-mini");
      assertThat(config.tokenLimit()).isEqualTo(256);
      assertThat(config.tokensField()).isEqualTo(OpenAiConfiguration.MaxTokensField.MAX_TOKENS);
    }
  }

  @Test
  void refusesABadTokenLimitOrFieldNamingTheVariable() {
    OpenAiConfiguration config = OpenAiConfiguration.of("http://localhost/v1", null);

    assertThat(config.tokenLimit()).isNull();
    assertThatThrownBy(() -> config.withMaxTokens(0, "max_tokens"))
        .hasMessageContaining("OPENAI_MAX_TOKENS");
    PropertySource environment =
        PropertySource.of(
            "test-env",
            Map.of("OPENAI_BASE_URL", "http://127.0.0.1:9/v1", "OPENAI_MAX_TOKENS", "lots"),
            PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE);
    assertThatThrownBy(
            () -> {
              try (ApplicationContext context = isolatedContext(environment)) {
                context.getBean(OpenAiConfiguration.class);
              }
            })
        .hasStackTraceContaining("OPENAI_MAX_TOKENS must be a positive number");
    assertThatThrownBy(() -> config.withMaxTokens(100, "max_output_tokens"))
        .hasMessageContaining("OPENAI_MAX_TOKENS_FIELD");
  }

  @Test
  void givesWayToAnotherCompletionClientWithoutBuildingItself() {
    CompletionClient fake = (request, sink, abort) -> new CompletionResult("stop", 0, 0);
    try (ApplicationContext context =
        ApplicationContext.builder()
            .environmentPropertySource(false)
            .deduceEnvironment(false)
            .singletons(fake)
            .start()) {

      assertThat(context.getBean(CompletionClient.class)).isSameAs(fake);
    }
  }

  @Test
  void refusesToBuildTheClientForTheOpenAiApiWithoutAKey() {
    try (ApplicationContext context = isolatedContext(PropertySource.of(Map.of()))) {
      assertThatThrownBy(() -> context.getBean(CompletionClient.class))
          .rootCause()
          .hasMessageContaining("set OPENAI_API_KEY");
    }
  }

  /** A context that ignores the real environment (the machine may have OPENAI_* set). */
  private static ApplicationContext isolatedContext(PropertySource properties) {
    return ApplicationContext.builder()
        .environmentPropertySource(false)
        .propertySources(properties)
        .start();
  }
}
