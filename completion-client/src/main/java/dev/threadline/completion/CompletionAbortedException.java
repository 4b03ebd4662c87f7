package dev.threadline.completion;

/** The completion was abandoned on purpose (cancel, lost ownership, shutdown): not a failure. */
public class CompletionAbortedException extends RuntimeException {
  public CompletionAbortedException(String reason) {
    super(reason);
  }
}
