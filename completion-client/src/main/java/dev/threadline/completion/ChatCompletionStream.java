package dev.threadline.completion;

import dev.threadline.completion.OpenAiWire.ChatCompletionChunk;
import dev.threadline.completion.OpenAiWire.Choice;
import io.micronaut.serde.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;

/**
 * Turns the event stream of one streamed chat completion into deltas and a result.
 *
 * <p>How each ending is classified (the caller maps {@link IOException}s, which may be a stall or
 * an abort closing the stream):
 *
 * <ul>
 *   <li>{@code data: [DONE]}: complete.
 *   <li>end of stream after a chunk with a {@code finish_reason} but without {@code [DONE]}:
 *       complete (the answer is whole; only the usage may be missing).
 *   <li>end of stream before both: transient, "stream cut after N deltas".
 *   <li>a data line that is not a JSON chunk: transient. A provider glitch or a corrupted transfer
 *       is not a property of the request, and the caller's retry limit bounds the repeats.
 *   <li>an {@code error} object inside the stream (OpenAI sends one when it fails mid-answer): by
 *       its {@code type}/{@code code}: a content-policy refusal or an invalid request is permanent
 *       (retrying sends the same request), a rate limit or anything else transient.
 *   <li>{@code finish_reason: content_filter}: permanent ({@link FailureReason#CONTENT_FILTERED}),
 *       even after some deltas: the answer was cut by the provider's policy and would be again.
 *   <li>the reply reaches {@code maxReplyChars}: what fits goes to the sink (never half a surrogate
 *       pair), and the stream completes at once with finish reason {@code length}.
 * </ul>
 */
final class ChatCompletionStream {

  private static final String DONE = "[DONE]";
  private static final String CONTENT_FILTER = "content_filter";

  private final ObjectMapper json;
  private final ProviderText providerText;
  private final ServerSentEventReader events;
  private final int maxReplyChars;
  private int deltas;
  private long chars;
  private boolean capped;
  private String finishReason;
  private int promptTokens = -1;
  private int completionTokens = -1;

  ChatCompletionStream(
      ObjectMapper json, ProviderText providerText, InputStream body, int maxReplyChars) {
    this.maxReplyChars = maxReplyChars;
    this.json = json;
    this.providerText = providerText;
    this.events = new ServerSentEventReader(body);
  }

  /** Non-empty deltas handed to the sink so far. */
  int deltaCount() {
    return deltas;
  }

  /**
   * Reads to the end, handing every non-empty delta to {@code sink} on this thread.
   *
   * @throws IOException reading failed; the caller knows whether it closed the stream itself
   * @throws CompletionFailedException the stream was cut, malformed or reported an error
   */
  CompletionResult readInto(DeltaSink sink, AbortSignal abort) throws IOException {
    while (true) {
      abort.throwIfAborted();
      String data = events.nextData();
      if (data == null) {
        if (finishReason != null) {
          return result();
        }
        throw new CompletionFailedException(
            "chat completion stream cut after " + deltas + " deltas (no [DONE], no finish_reason)",
            true,
            0,
            null,
            null);
      }
      if (data.strip().equals(DONE)) {
        return result();
      }
      accept(parse(data), sink);
      if (capped) {
        finishReason = "length";
        return result();
      }
    }
  }

  private ChatCompletionChunk parse(String data) {
    try {
      ChatCompletionChunk chunk = json.readValue(data, ChatCompletionChunk.class);
      if (chunk == null) {
        throw new IOException("empty JSON value");
      }
      return chunk;
    } catch (IOException | RuntimeException e) {
      // never quote the data, nor chain the parser's exception (its message quotes the input):
      // the data is model output
      throw new CompletionFailedException(
          "malformed chat completion event after "
              + deltas
              + " deltas ("
              + data.length()
              + " chars, "
              + e.getClass().getSimpleName()
              + ")",
          true,
          0,
          null,
          null);
    }
  }

  private void accept(ChatCompletionChunk chunk, DeltaSink sink) {
    if (chunk.error() != null) {
      throw new CompletionFailedException(
          "provider reported an error after "
              + deltas
              + " deltas ("
              + providerText.excerpt(chunk.error().kind())
              + "): "
              + providerText.excerpt(chunk.error().message()),
          reasonOf(chunk.error().kind()),
          0,
          null,
          null);
    }
    if (chunk.usage() != null) {
      promptTokens = orMinusOne(chunk.usage().promptTokens());
      completionTokens = orMinusOne(chunk.usage().completionTokens());
    }
    Choice choice = chunk.firstChoice();
    if (choice == null) {
      return;
    }
    if (choice.delta() != null) {
      String content = choice.delta().content();
      if (content != null && !content.isEmpty()) {
        deliver(content, sink);
      }
    }
    if (choice.finishReason() != null && !choice.finishReason().isBlank()) {
      finishReason = choice.finishReason();
      if (CONTENT_FILTER.equals(finishReason)) {
        throw new CompletionFailedException(
            "provider stopped the answer by content filter after " + deltas + " deltas",
            FailureReason.CONTENT_FILTERED,
            0,
            null,
            null);
      }
    }
  }

  /** Hands the delta to the sink, cut at the reply cap (never between a surrogate pair). */
  private void deliver(String content, DeltaSink sink) {
    long room = maxReplyChars - chars;
    if (content.length() > room) {
      int cut = (int) room;
      if (cut > 0 && Character.isHighSurrogate(content.charAt(cut - 1))) {
        cut--;
      }
      content = content.substring(0, cut);
      capped = true;
    }
    if (!content.isEmpty()) {
      sink.onDelta(content);
      deltas++;
      chars += content.length();
    }
  }

  /** A mid-stream error by its type and code: a refusal that a retry would meet again, or not. */
  private static FailureReason reasonOf(String kind) {
    if (kind.contains("content_filter") || kind.contains("content_policy")) {
      return FailureReason.CONTENT_FILTERED;
    }
    if (kind.contains("invalid_request") || kind.contains("context_length_exceeded")) {
      return FailureReason.INVALID_REQUEST;
    }
    if (kind.contains("rate_limit")) {
      return FailureReason.RATE_LIMITED;
    }
    return FailureReason.UNAVAILABLE;
  }

  private CompletionResult result() {
    return new CompletionResult(
        finishReason == null ? "stop" : finishReason, promptTokens, completionTokens);
  }

  private static int orMinusOne(Integer count) {
    return count == null ? -1 : count;
  }
}
