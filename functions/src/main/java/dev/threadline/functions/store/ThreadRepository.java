package dev.threadline.functions.store;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The {@code threads} table; statements beyond derived queries are in {@link StoreSql}. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface ThreadRepository extends GenericRepository<ThreadEntity, String> {

  /** One line of an owner's thread list. */
  @Introspected
  record ThreadListEntry(
      String id, @Nullable String title, Instant updatedAt, boolean inProgress) {}

  /** 1 when inserted, 0 when the id exists (whoever owns it). */
  @Query(StoreSql.INSERT_THREAD)
  int insertIfAbsent(String id, String owner, @Nullable String title, Instant createdAt);

  Optional<ThreadEntity> findById(String id);

  @Query(StoreSql.THREAD_KEY_SHARE)
  Optional<ThreadEntity> findByIdKeyShare(String id);

  @Query(StoreSql.THREAD_FOR_UPDATE)
  Optional<ThreadEntity> findByIdLocked(String id);

  /** The page after ({@code afterUpdatedAt}, {@code afterId}); from the start when null. */
  @Query(StoreSql.LIST_THREADS)
  List<ThreadListEntry> listOfOwner(
      String owner, @Nullable Instant afterUpdatedAt, String afterId, int limit);

  void deleteById(String id);
}
