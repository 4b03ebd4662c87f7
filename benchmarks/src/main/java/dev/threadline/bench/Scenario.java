package dev.threadline.bench;

/**
 * One benchmark scenario: it starts what it needs (functions, relays) from the {@link Bench}'s
 * stack, measures, and adds its rows, verdicts, notes and charts to the bench's report.
 */
interface Scenario {

  /** The name {@code --only} takes. */
  String name();

  void run(Bench bench) throws Exception;
}
