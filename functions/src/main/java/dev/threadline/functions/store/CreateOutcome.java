package dev.threadline.functions.store;

/** Creating a thread with a given id: new, already the caller's, or another owner's. */
public sealed interface CreateOutcome {
  record Created(ThreadRow thread) implements CreateOutcome {}

  record AlreadyYours(ThreadRow thread) implements CreateOutcome {}

  record TakenByOther() implements CreateOutcome {}
}
