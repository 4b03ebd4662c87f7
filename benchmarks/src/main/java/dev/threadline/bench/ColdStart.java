package dev.threadline.bench;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code java -jar functions.jar} to its first 202: as shipped (the JDK AOT cache {@code
 * local-stack/aot-cache} makes), plain, and with a dynamic AppCDS archive from a training run
 * ({@code -XX:ArchiveClassesAtExit}, then {@code -XX:SharedArchiveFile}).
 */
final class ColdStart {

  /** One start: wall time and the process's CPU time to its first 202. */
  record Start(long wallMicros, long cpuMillis) {}

  private final BenchStack stack;
  private final Api api;

  ColdStart(BenchStack stack, Api api) {
    this.stack = stack;
    this.api = api;
  }

  /** From process start to the first 202 of a submit to {@code threadId}. */
  Start once(String name, String threadId, List<String> jvmOptions) {
    int port = FreePorts.next();
    String baseUrl = "http://127.0.0.1:" + port;
    HttpRequest submit = api.submitRequest(baseUrl, threadId, "[chunks=1] cold start");
    ChildProcess process =
        stack.startFunctions(name, port, FreePorts.next(), "nats", 4, jvmOptions);
    try {
      long deadline = process.startedNanos() + Duration.ofSeconds(90).toNanos();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(name + " exited: see its log");
        }
        try {
          HttpResponse<String> response =
              api.client().send(submit, HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() == 202) {
            long wall = (System.nanoTime() - process.startedNanos()) / 1000;
            return new Start(wall, process.cpuMillis());
          }
        } catch (IOException notListening) {
          // not yet
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
        Pause.millis(10);
      }
      throw new IllegalStateException(name + " gave no 202 within 90 s");
    } finally {
      process.stop(Duration.ofSeconds(20)); // SIGTERM: a training run writes its archive on exit
    }
  }

  /** Runs functions once with {@code -XX:ArchiveClassesAtExit}; the archive it wrote. */
  Path trainAppCds(String threadId, Path archive) throws IOException {
    Files.deleteIfExists(archive);
    once("functions-cds-training", threadId, List.of("-XX:ArchiveClassesAtExit=" + archive));
    if (!Files.isRegularFile(archive)) {
      throw new IllegalStateException("no AppCDS archive written at " + archive);
    }
    return archive;
  }
}
