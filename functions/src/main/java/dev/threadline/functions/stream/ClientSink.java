package dev.threadline.functions.stream;

import io.micronaut.http.sse.Event;

/** Where a {@link StreamSession} puts what its client is sent, in order. */
public interface ClientSink {

  void next(Event<String> event);

  /** Nothing follows: the response ends after what was put before. */
  void complete();
}
