package dev.threadline.completion;

/**
 * How a completion ended. {@code finishReason} is the provider's ({@code stop}, {@code length},
 * ...) or {@code "stop"} when it sent none before {@code [DONE]}; token counts are -1 when the
 * provider reported no usage.
 */
public record CompletionResult(String finishReason, int promptTokens, int completionTokens) {}
