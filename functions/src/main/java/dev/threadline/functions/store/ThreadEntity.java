package dev.threadline.functions.store;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;

/**
 * A {@code threads} row. {@code updated_at} belongs to the database: its triggers keep it at the
 * thread's last activity.
 */
@MappedEntity("threads")
public record ThreadEntity(
    @Id String id,
    String owner,
    @Nullable String title,
    Instant createdAt,
    @Nullable Instant updatedAt) {}
