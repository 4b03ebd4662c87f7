/**
 * The completion seam of the relay: {@link dev.threadline.completion.CompletionClient} streams one
 * chat completion, delta by delta, and ends in a {@link
 * dev.threadline.completion.CompletionResult}, a {@link
 * dev.threadline.completion.CompletionFailedException} (transient or permanent) or a {@link
 * dev.threadline.completion.CompletionAbortedException}; never a hang.
 *
 * <p>{@link dev.threadline.completion.OpenAiCompletionClient} is the production adapter for any
 * OpenAI-compatible API, configured by {@link dev.threadline.completion.OpenAiConfiguration}
 * ({@code OPENAI_BASE_URL}, {@code OPENAI_API_KEY}, {@code OPENAI_MODEL}).
 */
package dev.threadline.completion;
