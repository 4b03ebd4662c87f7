package dev.threadline.completion;

import dev.threadline.completion.OpenAiWire.ChatCompletionRequest;
import dev.threadline.completion.OpenAiWire.ErrorBody;
import io.micronaut.context.annotation.Secondary;
import io.micronaut.serde.ObjectMapper;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams chat completions from an OpenAI-compatible {@code POST /chat/completions} with the JDK's
 * HTTP client (HTTP/1.1, so that closing a body closes its connection and nothing else).
 *
 * <p>Outcomes, none of them a hang:
 *
 * <ul>
 *   <li>2xx event stream: deltas to the sink, then the result; see {@link ChatCompletionStream} for
 *       how each way a stream can end is classified (a malformed event is transient).
 *   <li>400, 401, 403, 404, 422 and other 4xx: permanent {@link CompletionFailedException} naming
 *       the status and the provider's {@code error.message} (one line, truncated, key masked).
 *   <li>408, 409, 429 and 5xx: transient, with {@code retry-after-ms} / {@code Retry-After}.
 *   <li>connect failure, connect timeout ({@code openai.connect-timeout}), no headers within {@code
 *       openai.headers-timeout}, no byte for {@code openai.idle-timeout}, a broken connection:
 *       transient, HTTP status 0.
 *   <li>the abort signal: {@link CompletionAbortedException} within milliseconds, also while
 *       connecting or waiting for headers; at once, without sending, if it fired before the call.
 * </ul>
 *
 * <p>A request with a blank model asks for {@code openai.model}. An exception thrown by the sink
 * propagates unchanged, after the connection is dropped. Each call registers one listener on the
 * abort signal (it holds nothing once the call returns): use a signal per run attempt, not one per
 * process. The body of a finished stream is closed, not drained, so its connection is not reused.
 *
 * <p>{@link Secondary}: any other {@link CompletionClient} bean (a test's scripted model, say)
 * wins, and then this one, with its configuration checks, is never built.
 *
 * <p>Logs at debug the model, status, delta count and duration; never the key or any content.
 */
@Singleton
@Secondary
public final class OpenAiCompletionClient implements CompletionClient, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OpenAiCompletionClient.class);
  private static final int MAX_ERROR_BODY_BYTES = 16 * 1024;
  private static final Set<Integer> TRANSIENT_STATUSES = Set.of(408, 409, 425, 429);

  private final OpenAiConfiguration config;
  private final ObjectMapper json;
  private final ProviderText providerText;
  private final HttpClient http;
  private final IdleWatchdog watchdog = new IdleWatchdog();

  @Inject
  public OpenAiCompletionClient(OpenAiConfiguration config, ObjectMapper json) {
    this.config = config;
    this.json = json;
    this.providerText = new ProviderText(config.apiKey());
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  public CompletionResult stream(CompletionRequest request, DeltaSink sink, AbortSignal abort) {
    abort.throwIfAborted();
    String model = request.model().isBlank() ? config.model() : request.model();
    long started = System.nanoTime();
    Progress progress = new Progress();
    String outcome = "failed";
    try {
      CompletionResult result = exchange(model, request, sink, abort, progress);
      outcome = "completed";
      return result;
    } catch (CompletionAbortedException e) {
      outcome = "aborted";
      throw e;
    } finally {
      if (LOG.isDebugEnabled()) {
        LOG.debug(
            "chat completion {}: model={} status={} deltas={} duration={}ms",
            outcome,
            model,
            progress.status,
            progress.deltas,
            (System.nanoTime() - started) / 1_000_000);
      }
    }
  }

  private CompletionResult exchange(
      String model,
      CompletionRequest request,
      DeltaSink sink,
      AbortSignal abort,
      Progress progress) {
    InFlightCall call =
        new InFlightCall(
            abort, config.idleTimeout(), config.chatCompletionsUri(), request.timeout());
    abort.onAbort(call::cancel);
    // the whole call's bound: keep-alives and empty deltas restart the idle watchdog, never this
    try (IdleWatchdog.Timer deadline = watchdog.after(request.timeout(), call::expire)) {
      HttpResponse<InputStream> response =
          call.awaitHeaders(
              http.sendAsync(
                  httpRequest(model, request), HttpResponse.BodyHandlers.ofInputStream()),
              config.headersTimeout());
      progress.status = response.statusCode();
      return read(response, call, sink, abort, progress, request.maxReplyChars());
    }
  }

  private CompletionResult read(
      HttpResponse<InputStream> response,
      InFlightCall call,
      DeltaSink sink,
      AbortSignal abort,
      Progress progress,
      int maxReplyChars) {
    try (IdleWatchdog.Watch watch = watchdog.watch(config.idleTimeout(), call::stall)) {
      InputStream body = watch.track(response.body()); // closed by call.release()
      if (progress.status / 100 != 2) {
        throw statusFailure(response, readError(body, call, true));
      }
      String contentType = response.headers().firstValue("content-type").orElse("");
      if (contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
        throw new CompletionFailedException(
            "provider answered "
                + contentType
                + " instead of an event stream: "
                + readError(body, call, false).excerpt(),
            FailureReason.REFUSED,
            progress.status,
            null,
            null);
      }
      DeltaSink counting =
          delta -> {
            sink.onDelta(delta);
            progress.deltas++;
          };
      return new ChatCompletionStream(json, providerText, body, maxReplyChars)
          .readInto(counting, abort);
    } catch (IOException e) {
      throw call.failure(e, "after " + progress.deltas + " deltas");
    } finally {
      call.release();
    }
  }

  private HttpRequest httpRequest(String model, CompletionRequest request) {
    byte[] body;
    try {
      body =
          json.writeValueAsBytes(
              ChatCompletionRequest.streaming(
                  model, request.messages(), config.tokenLimit(), config.tokensField()));
    } catch (IOException e) {
      throw new UncheckedIOException("encoding a chat completion request", e);
    }
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(config.chatCompletionsUri())
            // a backstop only: awaitHeaders gives up first, with the clearer message
            .timeout(config.headersTimeout().plusSeconds(1))
            .header("Content-Type", "application/json")
            .header("Accept", "text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (config.apiKey() != null) {
      builder.header("Authorization", "Bearer " + config.apiKey());
    }
    return builder.build();
  }

  private CompletionFailedException statusFailure(HttpResponse<?> response, ProviderError error) {
    int status = response.statusCode();
    boolean transientFailure = status >= 500 || TRANSIENT_STATUSES.contains(status);
    Duration retryAfter =
        transientFailure ? RetryAfter.from(response.headers(), Instant.now()).orElse(null) : null;
    FailureReason reason = FailureReason.ofStatus(status, transientFailure);
    if (!transientFailure
        && (error.kind().contains("content_filter") || error.kind().contains("content_policy"))) {
      reason = FailureReason.CONTENT_FILTERED;
    }
    return new CompletionFailedException(
        "chat completion refused: HTTP "
            + status
            + " from "
            + config.chatCompletionsUri()
            + ": "
            + error.excerpt(),
        reason,
        status,
        retryAfter,
        null);
  }

  /** The provider's error message (for the log) and its type and code (to classify it). */
  private record ProviderError(String excerpt, String kind) {}

  /**
   * The provider's {@code error.message}; else, if {@code rawFallback}, the start of the body (an
   * error page). Without it nothing else is quoted: a 2xx body may hold model output.
   */
  private ProviderError readError(InputStream body, InFlightCall call, boolean rawFallback) {
    byte[] bytes;
    try {
      bytes = body.readNBytes(MAX_ERROR_BODY_BYTES);
    } catch (IOException e) {
      RuntimeException failure = call.failure(e, "reading an error body");
      if (failure instanceof CompletionAbortedException aborted) {
        throw aborted;
      }
      return new ProviderError("(body unreadable: " + e.getClass().getSimpleName() + ")", "");
    }
    String raw = new String(bytes, StandardCharsets.UTF_8);
    try {
      ErrorBody error = json.readValue(bytes, ErrorBody.class);
      if (error != null && error.error() != null && error.error().message() != null) {
        return new ProviderError(
            providerText.excerpt(error.error().message()), error.error().kind());
      }
    } catch (IOException | RuntimeException notJson) {
      // fall through to the raw text
    }
    return new ProviderError(rawFallback ? providerText.excerpt(raw) : "(no error message)", "");
  }

  @PreDestroy
  @Override
  public void close() {
    watchdog.close();
  }

  /** What one call got to, for the debug log; touched by the calling thread only. */
  private static final class Progress {
    int status;
    int deltas;
  }
}
