package dev.threadline.completion;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** The JSON of OpenAI's chat completions API, as far as we send and read it. */
final class OpenAiWire {

  private OpenAiWire() {}

  /** The body of {@code POST /chat/completions}. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ChatCompletionRequest(
      String model,
      List<Message> messages,
      boolean stream,
      @JsonProperty("stream_options") StreamOptions streamOptions,
      @Nullable @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
      @Nullable @JsonProperty("max_tokens") Integer maxTokens) {

    /**
     * @param maxTokens null: no limit sent; else sent in {@code field}
     */
    static ChatCompletionRequest streaming(
        String model,
        List<ChatMessage> history,
        @Nullable Integer maxTokens,
        OpenAiConfiguration.MaxTokensField field) {
      boolean legacy = field == OpenAiConfiguration.MaxTokensField.MAX_TOKENS;
      return new ChatCompletionRequest(
          model,
          history.stream().map(m -> new Message(m.role(), m.content())).toList(),
          true,
          new StreamOptions(true),
          legacy ? null : maxTokens,
          legacy ? maxTokens : null);
    }
  }

  @Serdeable
  record Message(String role, String content) {}

  @Serdeable
  record StreamOptions(@JsonProperty("include_usage") boolean includeUsage) {}

  /** One {@code data:} event of the stream; the last one may carry only {@code usage}. */
  @Serdeable
  @JsonIgnoreProperties(ignoreUnknown = true)
  record ChatCompletionChunk(
      @Nullable List<Choice> choices, @Nullable Usage usage, @Nullable ErrorDetail error) {

    @Nullable
    Choice firstChoice() {
      return choices == null || choices.isEmpty() ? null : choices.get(0);
    }
  }

  @Serdeable
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Choice(
      @Nullable Delta delta, @Nullable @JsonProperty("finish_reason") String finishReason) {}

  @Serdeable
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Delta(@Nullable String content) {}

  @Serdeable
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Usage(
      @Nullable @JsonProperty("prompt_tokens") Integer promptTokens,
      @Nullable @JsonProperty("completion_tokens") Integer completionTokens) {}

  /** An error answer: {@code {"error": {"message": ..., "type": ..., "code": ...}}}. */
  @Serdeable
  @JsonIgnoreProperties(ignoreUnknown = true)
  record ErrorBody(@Nullable ErrorDetail error) {}

  @Serdeable
  @JsonIgnoreProperties(ignoreUnknown = true)
  record ErrorDetail(@Nullable String message, @Nullable String type, @Nullable Object code) {

    /** {@code type} and {@code code} in lower case, one string to search (code may be a number). */
    String kind() {
      return ((type == null ? "" : type) + " " + (code == null ? "" : code))
          .toLowerCase(java.util.Locale.ROOT);
    }
  }
}
