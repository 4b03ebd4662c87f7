package dev.threadline.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Cold start of functions.jar to its first 202: as shipped (AOT cache), plain, AppCDS, C1 only. */
final class ColdStartScenario implements Scenario {

  @Override
  public String name() {
    return "cold-start";
  }

  @Override
  public void run(Bench bench) throws Exception {
    Settings settings = bench.settings();
    Report report = bench.report();
    BenchStack stack = bench.stack();
    Api api = bench.api();
    DatabaseLoad database = bench.database();
    Bench.say("cold start: java -jar functions.jar to the first 202");
    ColdStart cold = new ColdStart(stack, api);
    String thread = bench.insertThreads(1).get(0);
    Bench.say("  AOT cache as shipped: local-stack/aot-cache (skipped when newer than the jar)");
    Path aotCache = stack.functionsAotCache();
    Path appCds = cold.trainAppCds(thread, stack.logs().resolve("functions-appcds.jsa"));
    Map<String, List<String>> variants = new LinkedHashMap<>();
    variants.put("as shipped (AOT cache)", List.of("-XX:AOTCache=" + aotCache));
    variants.put("plain", List.of());
    variants.put("AppCDS dynamic archive", List.of("-XX:SharedArchiveFile=" + appCds));
    // what a platform whose JVM cannot map our cache (AWS Lambda's) can still do: C1 only
    variants.put("plain, C1 only (-XX:TieredStopAtLevel=1)", List.of("-XX:TieredStopAtLevel=1"));
    Map<String, List<ColdStart.Start>> starts = new LinkedHashMap<>();
    // taking turns, so the machine getting busier or quieter favours none of them
    for (int i = 0; i < settings.coldStarts(); i++) {
      for (Map.Entry<String, List<String>> variant : variants.entrySet()) {
        String name = "functions-cold-" + variant.getKey().replaceAll("[^a-zA-Z]+", "-") + i;
        starts
            .computeIfAbsent(variant.getKey(), k -> new ArrayList<>())
            .add(cold.once(name, thread, variant.getValue()));
      }
    }
    database.cancelQueued();
    Target target = Target.of(1500.0, null, null);
    Histogram plain = wall(starts.get("plain"));
    for (Map.Entry<String, List<ColdStart.Start>> variant : starts.entrySet()) {
      Histogram histogram = wall(variant.getValue());
      String metric = "cold start: java -jar functions.jar to first 202, " + variant.getKey();
      report.add(
          Row.latency(
              metric,
              histogram,
              target.text(),
              Row.NONE,
              "CPU to 202: p50 "
                  + Row.ms(cpu(variant.getValue()).getValueAtPercentile(50) * 1000)
                  + (variant.getKey().equals("plain") ? "" : "; plain: " + Row.summary(plain))));
      report.verdict("cold start, " + variant.getKey(), target.verdict(histogram));
    }
    report.note(
        "cold start: "
            + settings.coldStarts()
            + " starts of each kind, in turns, timed from process start to the first 202 of a"
            + " submit polled every 10 ms; CPU is the process's user + system time then (less"
            + " sensitive to a busy machine than wall time). As shipped: -XX:AOTCache from"
            + " local-stack/aot-cache (JDK 25 AOT cache: one training run that reads health, lists"
            + " threads and submits to a missing thread), what ./local-stack/up starts functions"
            + " with. AppCDS: an archive from one training run with -XX:ArchiveClassesAtExit.");
  }

  private static Histogram wall(List<ColdStart.Start> starts) {
    return RelayLoad.histogram(starts.stream().map(ColdStart.Start::wallMicros).toList());
  }

  private static Histogram cpu(List<ColdStart.Start> starts) {
    return RelayLoad.histogram(starts.stream().map(ColdStart.Start::cpuMillis).toList());
  }
}
