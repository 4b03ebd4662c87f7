package dev.threadline.functions.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * This instance's meters, exported on {@code /prometheus}: submit latency, SSE clients attached now
 * and ever, NATS reconnects. Micrometer names use dots; Prometheus names use underscores, {@code
 * _total} for counters and {@code _seconds} for timers.
 */
@Singleton
public class FunctionsMetrics {

  private final Timer submitLatency;
  private final AtomicInteger sseClients = new AtomicInteger();
  private final Counter sseConnections;
  private final Counter natsReconnects;
  private final Counter tailGaps;

  public FunctionsMetrics(MeterRegistry registry) {
    this.submitLatency =
        Timer.builder("threadline.submit.latency")
            .description(
                "submits that reached the store: user message, run and NOTIFY in one transaction")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
    registry.gauge("threadline.sse.clients", sseClients);
    this.sseConnections =
        Counter.builder("threadline.sse.connections")
            .description("SSE clients attached since start")
            .register(registry);
    this.natsReconnects =
        Counter.builder("threadline.nats.reconnects")
            .description("NATS connection re-established after a disconnect")
            .register(registry);
    this.tailGaps =
        Counter.builder("threadline.tail.gaps")
            .description(
                "events a thread's tail found it had skipped (a consumer that lost messages in a"
                    + " broker failover): each made the tail resume after its last event")
            .register(registry);
  }

  public void tailGapFound() {
    tailGaps.increment();
  }

  public double tailGapsFound() {
    return tailGaps.count();
  }

  public <T> T timeSubmit(Supplier<T> submit) {
    return submitLatency.record(submit);
  }

  /** Counts a client as attached from subscription until its stream ends, however it ends. */
  public <T> Publisher<T> attached(Publisher<T> events) {
    return Flux.from(events)
        .doOnSubscribe(
            subscription -> {
              sseConnections.increment();
              sseClients.incrementAndGet();
            })
        .doFinally(signal -> sseClients.decrementAndGet());
  }

  public void natsReconnected() {
    natsReconnects.increment();
  }
}
