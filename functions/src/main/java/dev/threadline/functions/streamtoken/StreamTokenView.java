package dev.threadline.functions.streamtoken;

import io.micronaut.serde.annotation.Serdeable;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;

/** The answer of {@code POST .../stream-tokens}. */
@Serdeable
@Schema(description = "A short-lived token that opens one thread's stream: ?access_token=<token>")
public record StreamTokenView(
    @Schema(description = "HS256 JWT; accepted only as access_token of this thread's stream")
        String token,
    @Schema(description = "when the token stops opening the stream (an open stream goes on)")
        Instant expiresAt) {}
