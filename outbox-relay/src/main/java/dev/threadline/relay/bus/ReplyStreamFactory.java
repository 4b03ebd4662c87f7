package dev.threadline.relay.bus;

import dev.threadline.protocol.ReplyStreamNames;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;

/**
 * Where replies go ({@code threadline.replies.stream}, {@code threadline.replies.subject-prefix}).
 */
@Factory
class ReplyStreamFactory {

  @Singleton
  ReplyStreamNames replyStreamNames(
      @Value("${threadline.replies.stream:THREADLINE_REPLIES}") String stream,
      @Value("${threadline.replies.subject-prefix:threads}") String subjectPrefix) {
    try {
      return new ReplyStreamNames(stream, subjectPrefix);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "THREADLINE_REPLIES_STREAM / THREADLINE_REPLIES_SUBJECT_PREFIX: " + e.getMessage(), e);
    }
  }
}
