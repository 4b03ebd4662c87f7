package dev.threadline.functions.store;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** A {@code messages} row; {@code seq} is the identity PostgreSQL assigns (thread order). */
@MappedEntity("messages")
public record MessageEntity(
    @Id UUID id,
    String threadId,
    @Nullable Long seq,
    String role,
    String content,
    UUID runId,
    Instant createdAt) {}
