package dev.threadline.completion;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;

/**
 * Where and how the relay asks for chat completions; immutable, validated when the bean is built.
 *
 * <p>Properties under {@code openai}, each also settable from the environment: {@code base-url}
 * ({@code OPENAI_BASE_URL}), {@code api-key} ({@code OPENAI_API_KEY}), {@code model} ({@code
 * OPENAI_MODEL}), {@code connect-timeout}, {@code idle-timeout}, {@code headers-timeout}.
 *
 * @param baseUrl absolute http(s) URL of an OpenAI-compatible API, up to and including {@code /v1};
 *     a trailing slash is tolerated
 * @param apiKey sent as a bearer token when set; required for {@code api.openai.com}
 * @param model used when a {@link CompletionRequest} names a blank model
 * @param connectTimeout how long to wait for the TCP/TLS connection
 * @param idleTimeout how long a response may stay silent (no byte at all) before it counts as
 *     stalled
 * @param headersTimeout how long to wait for the response headers once the request is sent
 * @param maxTokens {@code OPENAI_MAX_TOKENS}: the most tokens a reply may have, sent with every
 *     request when set (none sent when unset: the model's own limit)
 * @param maxTokensField {@code OPENAI_MAX_TOKENS_FIELD}: the request field that carries it, {@code
 *     max_completion_tokens} (OpenAI's current name; {@code max_tokens} is deprecated there and
 *     refused by its reasoning models) or {@code max_tokens} (servers that know only the old one)
 */
@ConfigurationProperties("openai")
public record OpenAiConfiguration(
    @Bindable(defaultValue = DEFAULT_BASE_URL) String baseUrl,
    @Nullable String apiKey,
    @Bindable(defaultValue = DEFAULT_MODEL) String model,
    @Bindable(defaultValue = "10s") Duration connectTimeout,
    @Bindable(defaultValue = "60s") Duration idleTimeout,
    @Bindable(defaultValue = "60s") Duration headersTimeout,
    @Nullable String maxTokens,
    @Bindable(defaultValue = "max_completion_tokens") String maxTokensField) {

  public static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";
  public static final String DEFAULT_MODEL = "gpt-4o-mini";

  public OpenAiConfiguration {
    baseUrl = validBaseUrl(baseUrl);
    apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException(
          "openai.model is blank: set OPENAI_MODEL to a model name such as " + DEFAULT_MODEL);
    }
    connectTimeout = positive(connectTimeout, "openai.connect-timeout");
    idleTimeout = positive(idleTimeout, "openai.idle-timeout");
    headersTimeout = positive(headersTimeout, "openai.headers-timeout");
    maxTokens = maxTokens == null || maxTokens.isBlank() ? null : maxTokens.strip();
    if (maxTokens != null && parseTokens(maxTokens) == null) {
      throw new IllegalArgumentException(
          "OPENAI_MAX_TOKENS must be a positive number of tokens (or unset), got '"
              + maxTokens
              + "'");
    }
    maxTokensField = MaxTokensField.parse(maxTokensField).wire();
    if (apiKey == null && "api.openai.com".equals(URI.create(baseUrl).getHost())) {
      throw new IllegalArgumentException(
          "no API key for "
              + baseUrl
              + ": set OPENAI_API_KEY, or set OPENAI_BASE_URL to an"
              + " OpenAI-compatible server that needs none");
    }
  }

  /** Defaults everywhere except the given base URL and key (tests, tools). */
  public static OpenAiConfiguration of(String baseUrl, @Nullable String apiKey) {
    return new OpenAiConfiguration(
        baseUrl,
        apiKey,
        DEFAULT_MODEL,
        Duration.ofSeconds(10),
        Duration.ofSeconds(60),
        Duration.ofSeconds(60),
        null,
        MaxTokensField.MAX_COMPLETION_TOKENS.wire());
  }

  public OpenAiConfiguration withTimeouts(
      Duration connectTimeout, Duration idleTimeout, Duration headersTimeout) {
    return new OpenAiConfiguration(
        baseUrl,
        apiKey,
        model,
        connectTimeout,
        idleTimeout,
        headersTimeout,
        maxTokens,
        maxTokensField);
  }

  public OpenAiConfiguration withMaxTokens(@Nullable Integer tokens, String field) {
    return new OpenAiConfiguration(
        baseUrl,
        apiKey,
        model,
        connectTimeout,
        idleTimeout,
        headersTimeout,
        tokens == null ? null : tokens.toString(),
        field);
  }

  /** {@link #maxTokens} as a number; null when unset. */
  @Nullable
  public Integer tokenLimit() {
    return maxTokens == null ? null : parseTokens(maxTokens);
  }

  @Nullable
  private static Integer parseTokens(String raw) {
    try {
      int tokens = Integer.parseInt(raw);
      return tokens >= 1 ? tokens : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The request field that carries {@link #maxTokens}. */
  public MaxTokensField tokensField() {
    return MaxTokensField.parse(maxTokensField);
  }

  /** Where the reply's token limit goes in the request. */
  public enum MaxTokensField {
    MAX_COMPLETION_TOKENS,
    MAX_TOKENS;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    static MaxTokensField parse(String raw) {
      for (MaxTokensField field : values()) {
        if (field.wire().equals(raw == null ? "" : raw.strip())) {
          return field;
        }
      }
      throw new IllegalArgumentException(
          "OPENAI_MAX_TOKENS_FIELD must be max_completion_tokens or max_tokens, got '" + raw + "'");
    }
  }

  /** {@code POST} target of a chat completion. */
  public URI chatCompletionsUri() {
    return URI.create(baseUrl + "/chat/completions");
  }

  /** Never prints the key. */
  @Override
  public String toString() {
    return "OpenAiConfiguration[baseUrl="
        + baseUrl
        + ", apiKey="
        + (apiKey == null ? "none" : "***")
        + ", model="
        + model
        + ", connectTimeout="
        + connectTimeout
        + ", idleTimeout="
        + idleTimeout
        + ", headersTimeout="
        + headersTimeout
        + ", maxTokens="
        + (maxTokens == null ? "unset" : maxTokens + " as " + maxTokensField)
        + "]";
  }

  private static String validBaseUrl(String raw) {
    String hint = "set OPENAI_BASE_URL to an absolute http(s) URL such as " + DEFAULT_BASE_URL;
    if (raw == null || raw.isBlank()) {
      throw new IllegalArgumentException("openai.base-url is blank: " + hint);
    }
    String trimmed = raw.strip();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    URI uri;
    try {
      uri = new URI(trimmed);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("openai.base-url '" + raw + "' is not a URL: " + hint, e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute()
        || !(scheme.equals("http") || scheme.equals("https"))
        || uri.getHost() == null
        || uri.getQuery() != null
        || uri.getFragment() != null) {
      throw new IllegalArgumentException(
          "openai.base-url '" + raw + "' is not an absolute http(s) URL: " + hint);
    }
    return trimmed;
  }

  private static Duration positive(Duration value, String property) {
    if (value == null || value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(property + " must be a positive duration, got " + value);
    }
    return value;
  }
}
