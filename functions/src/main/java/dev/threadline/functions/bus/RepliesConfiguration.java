package dev.threadline.functions.bus;

import dev.threadline.protocol.ReplyStreamNames;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * {@code threadline.replies.*}: where replies live on JetStream (defaults: {@link
 * ReplyStreamNames#DEFAULT}).
 */
@ConfigurationProperties("threadline.replies")
public record RepliesConfiguration(
    @Bindable(defaultValue = "THREADLINE_REPLIES") String stream,
    @Bindable(defaultValue = "threads") String subjectPrefix,
    @Bindable(defaultValue = "1") int replicas) {

  public RepliesConfiguration {
    if (replicas < 1) {
      throw new IllegalArgumentException(
          "threadline.replies.replicas (THREADLINE_REPLIES_REPLICAS) must be >= 1");
    }
  }

  public ReplyStreamNames names() {
    return new ReplyStreamNames(stream, subjectPrefix);
  }
}
