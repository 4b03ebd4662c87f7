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
 *   <li>an {@code error} object inside the stream (OpenAI sends one when it fails mid-answer):
 *       transient, with the provider's message.
 * </ul>
 */
final class ChatCompletionStream {

  private static final String DONE = "[DONE]";

  private final ObjectMapper json;
  private final ProviderText providerText;
  private final ServerSentEventReader events;
  private int deltas;
  private String finishReason;
  private int promptTokens = -1;
  private int completionTokens = -1;

  ChatCompletionStream(ObjectMapper json, ProviderText providerText, InputStream body) {
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
              + " deltas: "
              + providerText.excerpt(chunk.error().message()),
          true,
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
        sink.onDelta(content);
        deltas++;
      }
    }
    if (choice.finishReason() != null && !choice.finishReason().isBlank()) {
      finishReason = choice.finishReason();
    }
  }

  private CompletionResult result() {
    return new CompletionResult(
        finishReason == null ? "stop" : finishReason, promptTokens, completionTokens);
  }

  private static int orMinusOne(Integer count) {
    return count == null ? -1 : count;
  }
}
