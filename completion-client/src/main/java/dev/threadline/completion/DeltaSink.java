package dev.threadline.completion;

/** Receives the content deltas of a streamed completion as they arrive. */
@FunctionalInterface
public interface DeltaSink {
  void onDelta(String delta);
}
