package dev.threadline.functions.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1 connection's header deadline. {@link #bytesIn()} sits before the HTTP codec and starts
 * the clock when a request's first bytes arrive on a connection that is between requests; {@link
 * #requestsIn()} sits after it and stops the clock when the codec has read a whole request head,
 * and marks the connection as between requests once the response has gone out. Connect starts the
 * clock too. When it runs out, the connection is closed. Netty runs all of it on the connection's
 * event loop, so the state needs no locking.
 */
final class HeaderDeadline {

  private final Duration timeout;
  private ChannelHandlerContext context;
  private ScheduledFuture<?> deadline;
  private boolean inRequest;

  HeaderDeadline(Duration timeout) {
    this.timeout = timeout;
  }

  ChannelInboundHandlerAdapter bytesIn() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
        if (ctx.channel().isActive()) {
          start();
        }
      }

      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        start();
        ctx.fireChannelActive();
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (!inRequest && message instanceof ByteBuf bytes && bytes.isReadable()) {
          start();
        }
        ctx.fireChannelRead(message);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
      }
    };
  }

  ChannelDuplexHandler requestsIn() {
    return new ChannelDuplexHandler() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (message instanceof HttpRequest) {
          inRequest = true;
          stop();
        }
        ctx.fireChannelRead(message);
      }

      @Override
      public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
        if (message instanceof LastHttpContent) {
          // the response is complete: the next bytes start the next request's head
          inRequest = false;
        }
        ctx.write(message, promise);
      }
    };
  }

  private void start() {
    if (deadline == null && context != null) {
      deadline =
          context
              .executor()
              .schedule(() -> context.close(), timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void stop() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }
}
