package dev.threadline.completion;

/**
 * The completion seam: one streamed chat completion from an OpenAI-compatible API.
 *
 * <p>Blocking: returns when the model finished, throws when it cannot. Never retries itself; the
 * caller decides, because a retry is a new epoch with its own {@code reset}.
 */
public interface CompletionClient {

  /**
   * @param sink receives every non-empty content delta, in order, on the calling thread
   * @param abort aborting it makes this call throw {@link CompletionAbortedException} promptly
   *     (well within a second), whatever the network is doing
   * @throws CompletionFailedException the provider refused, failed or went silent
   * @throws CompletionAbortedException {@code abort} fired
   */
  CompletionResult stream(CompletionRequest request, DeltaSink sink, AbortSignal abort);
}
