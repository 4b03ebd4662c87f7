package dev.threadline.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Two relays; the owner of a long reply gets SIGKILL; timed to the survivor's reset and chunk. */
final class RecoveryScenario implements Scenario {

  @Override
  public String name() {
    return "recovery";
  }

  @Override
  public void run(Bench bench) throws Exception {
    Settings settings = bench.settings();
    BenchStack stack = bench.stack();
    Report report = bench.report();
    String mockUrl = bench.mockUrl();
    Map<String, BenchStack.Service> relays = new LinkedHashMap<>();
    try (BenchStack.Service functions = stack.functions("nats", 4)) {
      for (String name : List.of("bench-relay-1", "bench-relay-2")) {
        relays.put(name, stack.relay(name, mockUrl, true, Duration.ofMillis(500)));
      }
      measure(bench, new RelayLoad(stack, bench.api(), functions.baseUrl()), relays, mockUrl);
    } finally {
      relays.values().forEach(BenchStack.Service::close);
    }
  }

  private void measure(
      Bench bench, RelayLoad relayLoad, Map<String, BenchStack.Service> relays, String mockUrl)
      throws Exception {
    Settings settings = bench.settings();
    BenchStack stack = bench.stack();
    Report report = bench.report();
    Charts charts = bench.charts();
    List<Long> toReset = new ArrayList<>();
    List<Long> toChunk = new ArrayList<>();
    for (int i = 0; i < settings.kills(); i++) {
      Bench.say("recovery: SIGKILL of the owner, " + (i + 1) + " of " + settings.kills());
      RelayLoad.Recovery recovery = relayLoad.killOwner(relays);
      toReset.add(recovery.toResetMicros());
      toChunk.add(recovery.toChunkMicros());
      for (Map.Entry<String, BenchStack.Service> relay : relays.entrySet()) {
        if (!relay.getValue().process().isAlive()) {
          relay.setValue(stack.relay(relay.getKey(), mockUrl, true, Duration.ofMillis(500)));
        }
      }
    }
    Histogram reset = RelayLoad.histogram(toReset);
    Histogram chunk = RelayLoad.histogram(toChunk);
    Target resetTarget = Target.of(1000.0, null, 2000.0);
    report.add(
        Row.latency(
            "recovery: SIGKILL of owner to first reset at the client ("
                + settings.kills()
                + " kills)",
            reset,
            resetTarget.text(),
            Row.NONE,
            Row.NONE));
    report.add(
        Row.latency(
            "recovery: SIGKILL of owner to first new chunk", chunk, Row.NONE, Row.NONE, Row.NONE));
    report.verdict("recovery to reset", resetTarget.verdict(reset));
    charts.distributions(
        "recovery",
        "Recovery after SIGKILL of the owning relay",
        Map.of("to first reset", reset, "to first new chunk", chunk));
    report.note(
        "recovery: two relays; a reply of 400 chunks 10 ms apart; once the client has 5 chunks the"
            + " owning relay gets SIGKILL; timed at the client to the reset of the higher epoch and"
            + " its first chunk.");
  }
}
