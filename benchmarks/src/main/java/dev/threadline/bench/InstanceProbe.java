package dev.threadline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What one functions instance costs now: heap in use after a full GC, live JVM threads (both from
 * its /prometheus), resident memory and CPU time (from /proc).
 */
final class InstanceProbe {

  /** Linux reports CPU time in clock ticks of 1/100 s on every platform this runs on. */
  private static final double TICKS_PER_SECOND = 100;

  private final Api api;
  private final BenchStack.Service functions;

  InstanceProbe(Api api, BenchStack.Service functions) {
    this.api = api;
    this.functions = functions;
  }

  record Sample(long heapBytes, long liveThreads, long rssBytes) {}

  /** After a full GC (jcmd), so the heap holds what is live. */
  Sample sample() throws Exception {
    Process gc =
        new ProcessBuilder("jcmd", String.valueOf(functions.process().pid()), "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    gc.waitFor(60, TimeUnit.SECONDS);
    Pause.millis(500);
    String metrics =
        api.send(api.authorized(functions.metricsBaseUrl() + "/prometheus").GET().build()).body();
    return new Sample(
        (long) PrometheusText.sum(metrics, "jvm_memory_used_bytes", "area=\"heap\""),
        (long) PrometheusText.sum(metrics, "jvm_threads_live_threads", ""),
        functions.process().rssBytes());
  }

  /** CPU seconds (user + system) the process used since it started. */
  double cpuSeconds() throws IOException {
    String stat =
        Files.readString(Path.of("/proc", String.valueOf(functions.process().pid()), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // fields from the state (3rd in stat): utime is the 14th in stat, stime the 15th
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
  }
}
