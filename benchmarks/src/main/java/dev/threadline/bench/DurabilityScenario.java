package dev.threadline.bench;

import java.util.List;

/** JetStream chunk publishes with the default sync_interval against sync_interval always. */
final class DurabilityScenario implements Scenario {

  @Override
  public String name() {
    return "durability";
  }

  @Override
  public void run(Bench bench) throws Exception {
    Settings settings = bench.settings();
    Report report = bench.report();
    BenchStack stack = bench.stack();
    int chunks = 40;
    long gapMillis = 10;
    Bench.say(
        "durability: JetStream chunk publishes, default sync_interval against sync_interval always");
    List<Durability.Setting> measured =
        new Durability(stack.logs()).measure(settings.durabilityRounds(), chunks, gapMillis);
    Durability.Setting reference = measured.get(0);
    for (Durability.Setting setting : measured) {
      if (!setting.measured()) {
        report.add(
            Row.value(
                "durability: chunk publish→ack, " + setting.name(),
                "not measured",
                Row.NONE,
                Row.NONE,
                "this nats-server refuses it: " + setting.refusal()));
        continue;
      }
      if (setting.delivery() == null) {
        report.add(
            Row.latency(
                "durability: " + setting.name() + ", on the store's disk",
                setting.ack(),
                Row.NONE,
                Row.NONE,
                Row.NONE));
        continue;
      }
      String baseline =
          setting == reference ? Row.NONE : reference.name() + ": " + Row.summary(reference.ack());
      report.add(
          Row.latency(
              "durability: chunk publish→ack (what the relay waits for), " + setting.name(),
              setting.ack(),
              Row.NONE,
              Row.NONE,
              baseline));
      report.add(
          Row.latency(
              "durability: chunk publish→ordered consumer (what a stream tail sees), "
                  + setting.name(),
              setting.delivery(),
              Row.NONE,
              Row.NONE,
              setting == reference
                  ? Row.NONE
                  : reference.name() + ": " + Row.summary(reference.delivery())));
    }
    report.note(
        "durability: private nats-servers started from a config file each (store under"
            + " benchmarks/results/tmp), "
            + settings.durabilityRounds()
            + " replies of "
            + chunks
            + " chunks "
            + gapMillis
            + " ms apart per setting, in turns; each publish expects the subject's last sequence,"
            + " as the relay's do, and is timed to its ack and to an ordered push consumer.");
  }
}
