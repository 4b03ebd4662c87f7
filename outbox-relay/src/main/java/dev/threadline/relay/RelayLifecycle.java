package dev.threadline.relay;

import dev.threadline.relay.claim.ClaimDispatcher;
import dev.threadline.relay.claim.NatsWakeUpListener;
import dev.threadline.relay.claim.RunNotificationListener;
import dev.threadline.relay.liveness.ExecutorId;
import dev.threadline.relay.liveness.LivenessLock;
import dev.threadline.relay.recovery.OwnRunRecovery;
import dev.threadline.relay.recovery.TakeoverScanner;
import dev.threadline.relay.run.LeaseRenewer;
import dev.threadline.relay.run.RunWorkers;
import dev.threadline.relay.store.RunStore;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Starts the relay in the order its guarantees need (liveness lock, then registry row, then own
 * recovery, then claiming) and stops it so that SIGTERM and SIGKILL share one recovery path: stop
 * claiming, abort in-flight work without touching rows, release the liveness lock. {@code
 * threadline.relay.background: false} leaves everything idle for tests that drive {@code runOnce()}
 * themselves.
 */
@Singleton
@Requires(property = "threadline.relay.background", notEquals = "false")
public class RelayLifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(RelayLifecycle.class);
  private static final Duration LIVENESS_CHECK = Duration.ofSeconds(1);
  private static final Duration STOP_WAIT = Duration.ofSeconds(2);

  private final ExecutorId executorId;
  private final LivenessLock liveness;
  private final RunStore store;
  private final OwnRunRecovery ownRecovery;
  private final RunWorkers workers;
  private final RelayConfig config;
  private final Clock clock;
  private final BackgroundLoop livenessLoop;
  private final BackgroundLoop renewLoop;
  private final BackgroundLoop takeoverLoop;
  private final BackgroundLoop claimLoop;
  private final BackgroundLoop listenLoop;
  private final RunNotificationListener listener;
  private final NatsWakeUpListener natsWakeUps;
  private volatile boolean stopped;

  public RelayLifecycle(
      ExecutorId executorId,
      LivenessLock liveness,
      RunStore store,
      OwnRunRecovery ownRecovery,
      TakeoverScanner takeover,
      LeaseRenewer renewer,
      ClaimDispatcher dispatcher,
      RunNotificationListener listener,
      NatsWakeUpListener natsWakeUps,
      RunWorkers workers,
      RelayConfig config,
      Clock clock) {
    this.executorId = executorId;
    this.liveness = liveness;
    this.store = store;
    this.ownRecovery = ownRecovery;
    this.workers = workers;
    this.config = config;
    this.clock = clock;
    this.listener = listener;
    this.natsWakeUps = natsWakeUps;
    String id = executorId.value();
    this.livenessLoop =
        new BackgroundLoop(
            "relay-liveness",
            id,
            () -> {
              liveness.check();
              return LIVENESS_CHECK;
            });
    this.renewLoop =
        new BackgroundLoop(
            "relay-lease-renewer",
            id,
            () -> {
              renewer.runOnce();
              return renewer.interval();
            });
    this.takeoverLoop =
        new BackgroundLoop(
            "relay-takeover",
            id,
            () -> {
              takeover.runOnce();
              return takeover.interval();
            });
    this.claimLoop = new BackgroundLoop("relay-claim", id, dispatcher::runOnce);
    this.listenLoop =
        new BackgroundLoop(
            "relay-listen",
            id,
            () -> {
              listener.runOnce(Duration.ofMillis(500));
              return Duration.ZERO;
            });
    listener.configure(config.wakeUp(), claimLoop::wake);
    workers.onSlotFreed(claimLoop::wake);
  }

  @EventListener
  void onStartup(StartupEvent event) {
    MDC.put("executorId", executorId.value());
    LOG.info("relay {} starting: {}", executorId, config);
    liveness.acquire();
    store.registerExecutor(executorId.value(), clock.instant());
    ownRecovery.runOnce();
    for (BackgroundLoop loop : loops()) {
      loop.start();
    }
    if (config.wakeUp()) {
      // functions wake us by NOTIFY or by NATS (threadline.submit.wake-up): hear both
      natsWakeUps.start(claimLoop::wake);
    }
    LOG.info(
        "relay {} claiming (wake-up {})", executorId, config.wakeUp() ? "on" : "off: poll only");
  }

  @EventListener
  void onShutdown(ShutdownEvent event) {
    stop();
  }

  @PreDestroy
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    LOG.info("relay {} stopping: no more claims, aborting in-flight runs", executorId);
    natsWakeUps.close();
    claimLoop.stop(STOP_WAIT);
    takeoverLoop.stop(STOP_WAIT);
    listenLoop.stop(STOP_WAIT);
    listener.close();
    workers.stop(config.shutdownGrace());
    renewLoop.stop(STOP_WAIT);
    livenessLoop.stop(STOP_WAIT);
    try {
      store.executorStopped(executorId.value(), clock.instant());
    } catch (RuntimeException e) {
      LOG.warn("could not stamp the executor stopped: {}", e.getMessage());
    }
    liveness.close(); // survivors' probes now find us gone and take our runs at once
    LOG.info("relay {} stopped", executorId);
  }

  private List<BackgroundLoop> loops() {
    return List.of(livenessLoop, renewLoop, takeoverLoop, claimLoop, listenLoop);
  }
}
