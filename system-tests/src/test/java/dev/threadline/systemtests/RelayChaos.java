package dev.threadline.systemtests;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * Chaos for a stack's relays, driven by the test's seeded {@link Random} from one thread: each tick
 * kills one relay (SIGKILL or SIGTERM), mostly a healthy one and only while another healthy one
 * stays, now and then one still starting, and restarts it with its EXECUTOR_ID: at once after a
 * SIGKILL, once it has exited after a SIGTERM (one process per identity).
 */
final class RelayChaos {

  private final Stack stack;
  private final List<String> relays;
  private final Random random;
  private final ExecutorService health;
  private final Map<String, CompletableFuture<Void>> ready = new HashMap<>();
  private final List<Stack.Instance> terminating = new ArrayList<>();
  private final List<String> startFailures = new ArrayList<>();
  private final Set<JarProcess> killedByUs = ConcurrentHashMap.newKeySet();
  private int sigkills;
  private int sigterms;
  private int duringStartup;
  private int skipped;

  /**
   * @param relays the EXECUTOR_IDs of the stack's relays, all healthy now
   */
  RelayChaos(Stack stack, List<String> relays, Random random, ExecutorService health) {
    this.stack = stack;
    this.relays = List.copyOf(relays);
    this.random = random;
    this.health = health;
    relays.forEach(name -> ready.put(name, CompletableFuture.completedFuture(null)));
  }

  int kills() {
    return sigkills + sigterms;
  }

  int sigkills() {
    return sigkills;
  }

  int sigterms() {
    return sigterms;
  }

  /** Kills of a relay that was still starting (not yet healthy). */
  int duringStartup() {
    return duringStartup;
  }

  /** Ticks that killed nothing: no relay could be spared. */
  int skipped() {
    return skipped;
  }

  /** Relays that did not come back after a restart (a start-up we did not interrupt failed). */
  List<String> startFailures() {
    synchronized (startFailures) {
      return List.copyOf(startFailures);
    }
  }

  /** One step of chaos: restarts what has exited, then kills at most one relay. */
  void tick() {
    relaunchTerminated();
    List<String> healthy =
        relays.stream()
            .filter(name -> stack.relay(name).process().isAlive())
            .filter(name -> terminating.stream().noneMatch(i -> i.name().equals(name)))
            .filter(name -> ready.get(name).isDone() && !ready.get(name).isCompletedExceptionally())
            .toList();
    List<String> starting =
        relays.stream()
            .filter(name -> stack.relay(name).process().isAlive())
            .filter(name -> terminating.stream().noneMatch(i -> i.name().equals(name)))
            .filter(name -> !ready.get(name).isDone())
            .toList();
    // mostly one relay is left working, or every run would wait for JVM start-ups; now and then
    // the last one dies too, and the restarted identities recover their own runs
    String victimName;
    if (healthy.size() >= 2 || (healthy.size() == 1 && random.nextInt(4) == 0)) {
      victimName = healthy.get(random.nextInt(healthy.size()));
    } else if (!starting.isEmpty() && random.nextInt(6) == 0) {
      // killed while starting: before its lock, mid-recovery of its own runs, or just after
      victimName = starting.get(random.nextInt(starting.size()));
      duringStartup++;
    } else {
      skipped++;
      return;
    }
    Stack.Instance victim = stack.relay(victimName);
    killedByUs.add(victim.process());
    if (random.nextBoolean()) {
      sigkills++;
      victim.process().sigkill();
      relaunch(victim.name());
    } else {
      sigterms++;
      victim.process().sigterm();
      terminating.add(victim); // restarted once it has exited: one process per EXECUTOR_ID
    }
  }

  private void relaunchTerminated() {
    for (Stack.Instance instance : List.copyOf(terminating)) {
      if (!instance.process().isAlive()) {
        terminating.remove(instance);
        relaunch(instance.name());
      }
    }
  }

  private void relaunch(String name) {
    Stack.Instance instance = stack.launchRelayProcess(name);
    ready.put(
        name,
        CompletableFuture.runAsync(
            () -> {
              try {
                instance.process().awaitHealthy(instance.port(), Stack.START_TIMEOUT);
              } catch (AssertionError e) {
                if (!killedByUs.contains(instance.process())) {
                  synchronized (startFailures) {
                    startFailures.add(name + ": " + e.getMessage());
                  }
                }
                throw e;
              }
            },
            health));
  }

  /** Ends the chaos: waits for the SIGTERMed to exit and starts every relay that is down. */
  void restartTheDead() {
    await("SIGTERMed relays exited")
        .atMost(Duration.ofSeconds(30))
        .until(() -> terminating.stream().noneMatch(i -> i.process().isAlive()));
    relaunchTerminated();
    ready.values().forEach(future -> future.exceptionally(e -> null).join());
    for (String name : relays) {
      if (!stack.relay(name).process().isAlive()) {
        relaunch(name);
      }
    }
  }
}
