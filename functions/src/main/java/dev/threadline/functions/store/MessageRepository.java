package dev.threadline.functions.store;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.util.List;
import java.util.UUID;

/** The {@code messages} table. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface MessageRepository extends GenericRepository<MessageEntity, UUID> {

  /** The thread's messages before {@code seq}, in the page's order (newest first, for paging). */
  List<MessageEntity> findByThreadIdAndSeqLessThan(String threadId, long seq, Pageable pageable);

  void deleteByThreadId(String threadId);
}
