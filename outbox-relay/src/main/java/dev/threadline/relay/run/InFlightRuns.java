package dev.threadline.relay.run;

import dev.threadline.relay.store.ClaimedRun;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The runs this process works on right now, by run id. It publishes its own gauge (bound to every
 * registry by Micronaut), so the metrics package needs nothing from this one.
 */
@Singleton
public class InFlightRuns implements MeterBinder {

  private final ConcurrentHashMap<UUID, InFlightRun> runs = new ConcurrentHashMap<>();

  /**
   * Registers a run; an older entry of the same run (we took it over from ourselves) is aborted.
   */
  public InFlightRun register(ClaimedRun run) {
    InFlightRun entry = new InFlightRun(run);
    InFlightRun previous = runs.put(run.runId(), entry);
    if (previous != null) {
      previous.abort().abort(AbortReasons.OWNERSHIP_LOST);
    }
    return entry;
  }

  public void remove(InFlightRun entry) {
    runs.remove(entry.runId(), entry);
  }

  public Optional<InFlightRun> find(UUID runId) {
    return Optional.ofNullable(runs.get(runId));
  }

  public boolean abort(UUID runId, String reason) {
    InFlightRun entry = runs.get(runId);
    if (entry == null) {
      return false;
    }
    entry.abort().abort(reason);
    return true;
  }

  public void abortAll(String reason) {
    runs.values().forEach(entry -> entry.abort().abort(reason));
  }

  public List<InFlightRun> snapshot() {
    return List.copyOf(runs.values());
  }

  public int size() {
    return runs.size();
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("threadline.runs.in.flight", this, InFlightRuns::size)
        .description("runs this relay is working now")
        .register(registry);
  }
}
