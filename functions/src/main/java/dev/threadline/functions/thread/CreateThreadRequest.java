package dev.threadline.functions.thread;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The body of {@code POST /v1/threads}, for the OpenAPI document: the controller reads the raw JSON
 * itself, so that every refusal names its field.
 */
@Schema(name = "CreateThreadRequest")
public record CreateThreadRequest(
    @Schema(
            description = "optional; a UUID when absent",
            pattern = "^[A-Za-z0-9_-]{1,64}$",
            requiredMode = Schema.RequiredMode.NOT_REQUIRED)
        String id,
    @Schema(maxLength = 200, requiredMode = Schema.RequiredMode.NOT_REQUIRED) String title) {}
