package dev.threadline.bench;

import java.time.Duration;

/**
 * Durations and sizes of a run; {@code --quick} shrinks them for a smoke run.
 *
 * @param fanOutClients the client counts of the "one thread, N clients" rows
 */
record Settings(
    Duration steady,
    Duration warmUp,
    Duration step,
    double[] rates,
    int chunkRuns,
    int drainRuns,
    int kills,
    int coldStarts,
    int concurrentRuns,
    int concurrentReplyChunks,
    int concurrentReplyDelayMs,
    int durabilityRounds,
    int idleStreams,
    Duration idleWindow,
    int[] fanOutClients,
    int manyThreads) {

  static Settings full() {
    return new Settings(
        Duration.ofSeconds(15),
        Duration.ofSeconds(5),
        Duration.ofSeconds(4),
        new double[] {250, 500, 1000, 1500, 2000, 2500, 3000, 4000},
        5,
        300,
        5,
        3,
        1000,
        50,
        400,
        10,
        10_000,
        Duration.ofSeconds(20),
        new int[] {1, 1_000, 10_000},
        1_000);
  }

  /** These settings with other client counts for the "one thread, N clients" rows. */
  Settings withFanOutClients(int[] clients) {
    return new Settings(
        steady,
        warmUp,
        step,
        rates,
        chunkRuns,
        drainRuns,
        kills,
        coldStarts,
        concurrentRuns,
        concurrentReplyChunks,
        concurrentReplyDelayMs,
        durabilityRounds,
        idleStreams,
        idleWindow,
        clients,
        manyThreads);
  }

  /** These settings with another number of measured replies per stream row. */
  Settings withChunkRuns(int runs) {
    return new Settings(
        steady,
        warmUp,
        step,
        rates,
        runs,
        drainRuns,
        kills,
        coldStarts,
        concurrentRuns,
        concurrentReplyChunks,
        concurrentReplyDelayMs,
        durabilityRounds,
        idleStreams,
        idleWindow,
        fanOutClients,
        manyThreads);
  }

  static Settings quick() {
    return new Settings(
        Duration.ofSeconds(3),
        Duration.ofSeconds(1),
        Duration.ofSeconds(2),
        new double[] {250, 1000, 2000},
        1,
        40,
        1,
        1,
        100,
        10,
        200,
        3,
        1_000,
        Duration.ofSeconds(5),
        new int[] {1, 100, 1_000},
        100);
  }
}
