package dev.threadline.systemtests;

import dev.threadline.testsupport.PrivateNatsCluster;
import dev.threadline.testsupport.PrivateNatsServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The soak's schedule of failures: on each {@link #tick()} one process of a random kind (relay,
 * functions instance, NATS node) gets SIGKILL or SIGTERM, never more than one of a kind down at a
 * time, so no kind is ever wholly gone. A relay comes back with its EXECUTOR_ID once its process
 * has exited; a functions instance is replaced by a new one (scale-out after a scale-in); a NATS
 * node restarts on its own store, and no node is killed while the reply stream is not current on
 * every replica (two nodes down would leave no quorum).
 */
final class SoakChaos implements AutoCloseable {

  enum Kind {
    RELAY,
    FUNCTIONS,
    NATS
  }

  private final Stack stack;
  private final List<String> relays;
  private final Random random;
  private final List<Kind> kinds;
  private final ExecutorService restarts = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<String, AtomicInteger> kills = new ConcurrentHashMap<>();
  private final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Map<Kind, Boolean> down = new ConcurrentHashMap<>();

  /**
   * @param kinds what may be killed ({@code -Dthreadline.soak.kinds=RELAY,FUNCTIONS}: all by
   *     default), to tell which kind of failure a finding needs
   */
  SoakChaos(Stack stack, List<String> relays, Random random, List<Kind> kinds) {
    this.kinds = List.copyOf(kinds);
    this.stack = stack;
    this.relays = relays;
    this.random = random;
  }

  /** One failure, if the chosen kind has every member up. */
  void tick() {
    Kind kind = kinds.get(random.nextInt(kinds.size()));
    if (down.getOrDefault(kind, false)) {
      return;
    }
    boolean sigkill = random.nextBoolean();
    switch (kind) {
      case RELAY -> killRelay(sigkill);
      case FUNCTIONS -> killFunctions(sigkill);
      case NATS -> killNatsNode(sigkill);
    }
  }

  private void killRelay(boolean sigkill) {
    String name = relays.get(random.nextInt(relays.size()));
    Stack.Instance victim = stack.relay(name);
    if (!victim.process().isAlive()) {
      return;
    }
    down.put(Kind.RELAY, true);
    signal(victim.process(), sigkill, "relay");
    restarts.submit(
        () -> {
          try {
            victim.process().awaitExit(Duration.ofSeconds(30));
            pause(500 + random.nextInt(1500));
            stack.startRelay(name);
          } catch (RuntimeException | AssertionError e) {
            failures.add("relay " + name + " did not come back: " + e.getMessage());
          } finally {
            down.put(Kind.RELAY, false);
          }
        });
  }

  private void killFunctions(boolean sigkill) {
    List<Stack.Instance> alive =
        stack.functionsInstances().stream().filter(i -> i.process().isAlive()).toList();
    if (alive.size() < 2) {
      return;
    }
    Stack.Instance victim = alive.get(random.nextInt(alive.size()));
    down.put(Kind.FUNCTIONS, true);
    signal(victim.process(), sigkill, "functions");
    restarts.submit(
        () -> {
          try {
            victim.process().awaitExit(Duration.ofSeconds(30));
            stack.startFunctions();
          } catch (RuntimeException | AssertionError e) {
            failures.add("a functions instance did not start: " + e.getMessage());
          } finally {
            down.put(Kind.FUNCTIONS, false);
          }
        });
  }

  private void killNatsNode(boolean sigkill) {
    PrivateNatsCluster cluster = stack.natsCluster();
    try {
      cluster.awaitStreamCurrent(stack.replies().stream(), Duration.ofMillis(500));
    } catch (RuntimeException | AssertionError notCurrent) {
      return; // a replica still catches up: killing another node now could leave no quorum
    }
    PrivateNatsServer victim = cluster.nodes().get(random.nextInt(cluster.nodes().size()));
    down.put(Kind.NATS, true);
    kills
        .computeIfAbsent("nats " + (sigkill ? "SIGKILL" : "SIGTERM"), k -> new AtomicInteger())
        .incrementAndGet();
    if (sigkill) {
      victim.kill();
    } else {
      victim.stop();
    }
    restarts.submit(
        () -> {
          try {
            pause(1000 + random.nextInt(2000));
            victim.startProcess();
            cluster.awaitStreamCurrent(stack.replies().stream(), Duration.ofSeconds(60));
          } catch (RuntimeException | AssertionError e) {
            failures.add("NATS node " + victim.name() + " did not catch up: " + e.getMessage());
          } finally {
            down.put(Kind.NATS, false);
          }
        });
  }

  private void signal(JarProcess process, boolean sigkill, String kind) {
    kills
        .computeIfAbsent(kind + " " + (sigkill ? "SIGKILL" : "SIGTERM"), k -> new AtomicInteger())
        .incrementAndGet();
    if (sigkill) {
      process.sigkill();
    } else {
      process.sigterm();
    }
  }

  private static void pause(long millis) {
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis)); // the outage's length
  }

  /** Kills by kind and signal, e.g. {@code relay SIGKILL=4}. */
  Map<String, Integer> kills() {
    Map<String, Integer> counts = new java.util.TreeMap<>();
    kills.forEach((kind, count) -> counts.put(kind, count.get()));
    return counts;
  }

  int totalKills() {
    return kills.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  /** Waits for the restarts under way, so the stack is whole again. */
  @Override
  public void close() {
    restarts.shutdown();
    try {
      restarts.awaitTermination(120, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
