package dev.threadline.functions.submit;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The body of {@code POST /v1/threads/{threadId}/messages}, for the OpenAPI document: the
 * controller reads the raw JSON itself, so that every refusal names its field.
 */
@Schema(name = "SubmitRequest")
public record SubmitRequest(
    @Schema(
            description =
                "the user message; not blank, at most 32768 UTF-8 bytes, no control character"
                    + " but tab, CR and LF",
            requiredMode = Schema.RequiredMode.REQUIRED)
        String content,
    @Schema(
            description =
                "one of THREADLINE_MODELS; the configured default (OPENAI_MODEL) when absent",
            pattern = "^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$",
            requiredMode = Schema.RequiredMode.NOT_REQUIRED)
        String model,
    @Schema(
            description =
                "default true; false: the run fails rather than runs twice (never replayed"
                    + " after a crash, transient model errors not retried)",
            requiredMode = Schema.RequiredMode.NOT_REQUIRED)
        Boolean retryable) {}
