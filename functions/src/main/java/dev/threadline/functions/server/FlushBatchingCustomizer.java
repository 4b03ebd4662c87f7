package dev.threadline.functions.server;

import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.netty.channel.ChannelPipelineCustomizer;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import jakarta.inject.Singleton;

/**
 * Batches the flushes of every HTTP/1 connection ({@link FlushConsolidationHandler}): a stream's
 * events are written and flushed one by one, and when several wait for one client (a burst, a
 * client that fell behind) the flushes made in one event-loop task become one socket write after
 * it. A response written while its request is read is flushed when the read completes, as before.
 */
@Singleton
class FlushBatchingCustomizer implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {

  /** Flushes put off at most this many times before one goes through anyway. */
  private static final int MOST_FLUSHES_HELD = 256;

  @Override
  public NettyServerCustomizer.Registry onCreated(
      BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
    event.getBean().register(new PerConnection(null));
    return event.getBean();
  }

  private static final class PerConnection implements NettyServerCustomizer {

    private final Channel channel;

    PerConnection(Channel channel) {
      this.channel = channel;
    }

    @Override
    public NettyServerCustomizer specializeForChannel(Channel channel, ChannelRole role) {
      return role == ChannelRole.CONNECTION ? new PerConnection(channel) : this;
    }

    @Override
    public void onStreamPipelineBuilt() {
      if (channel == null
          || channel.pipeline().get(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC) == null) {
        return; // not HTTP/1
      }
      channel
          .pipeline()
          .addFirst(
              "threadline-flush-batching", new FlushConsolidationHandler(MOST_FLUSHES_HELD, true));
    }
  }
}
