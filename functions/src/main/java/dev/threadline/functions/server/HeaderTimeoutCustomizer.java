package dev.threadline.functions.server;

import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.netty.channel.ChannelPipelineCustomizer;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import jakarta.inject.Singleton;

/**
 * Puts a {@link HeaderDeadline} around the HTTP/1 codec of every connection. Micronaut's own
 * timeouts do not fit: {@code read-idle-timeout} is reset by every byte (a trickle defeats it) and
 * would cut an SSE stream, whose client sends nothing for hours.
 */
@Singleton
class HeaderTimeoutCustomizer implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {

  private final HeaderTimeout timeout;

  HeaderTimeoutCustomizer(HeaderTimeout timeout) {
    this.timeout = timeout;
  }

  @Override
  public NettyServerCustomizer.Registry onCreated(
      BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
    event.getBean().register(new PerConnection(null));
    return event.getBean();
  }

  private final class PerConnection implements NettyServerCustomizer {

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
      if (channel == null) {
        return;
      }
      ChannelPipeline pipeline = channel.pipeline();
      if (pipeline.get(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC) == null) {
        return; // not HTTP/1
      }
      HeaderDeadline deadline = new HeaderDeadline(timeout.value());
      pipeline.addBefore(
          ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC,
          "threadline-header-deadline-bytes",
          deadline.bytesIn());
      pipeline.addAfter(
          ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC,
          "threadline-header-deadline-requests",
          deadline.requestsIn());
    }
  }
}
