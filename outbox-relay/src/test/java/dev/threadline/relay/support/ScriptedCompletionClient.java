package dev.threadline.relay.support;

import dev.threadline.completion.AbortSignal;
import dev.threadline.completion.ChatMessage;
import dev.threadline.completion.CompletionAbortedException;
import dev.threadline.completion.CompletionClient;
import dev.threadline.completion.CompletionFailedException;
import dev.threadline.completion.CompletionRequest;
import dev.threadline.completion.CompletionResult;
import dev.threadline.completion.DeltaSink;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The one thing tests fake: the model. Each call is answered by the next scripted behaviour for the
 * conversation's last user message; unscripted prompts get {@code "Echo: <prompt>"} in three
 * deltas. Calls are recorded.
 */
public final class ScriptedCompletionClient implements CompletionClient {

  private final Map<String, Deque<Behaviour>> scripts = new ConcurrentHashMap<>();
  private final List<CompletionRequest> calls = new CopyOnWriteArrayList<>();

  @FunctionalInterface
  public interface Behaviour {
    CompletionResult answer(CompletionRequest request, DeltaSink sink, AbortSignal abort);
  }

  public void script(String prompt, Behaviour... behaviours) {
    scripts.put(prompt, new ArrayDeque<>(List.of(behaviours)));
  }

  public List<CompletionRequest> calls() {
    return calls;
  }

  public long callsFor(String prompt) {
    return calls.stream().filter(c -> lastUserMessage(c).equals(prompt)).count();
  }

  @Override
  public CompletionResult stream(CompletionRequest request, DeltaSink sink, AbortSignal abort) {
    calls.add(request);
    abort.throwIfAborted();
    String prompt = lastUserMessage(request);
    Deque<Behaviour> script = scripts.get(prompt);
    Behaviour next = script == null ? null : script.pollFirst();
    if (next == null) {
      return deltas(
              "Echo: ",
              prompt.substring(0, prompt.length() / 2),
              prompt.substring(prompt.length() / 2))
          .answer(request, sink, abort);
    }
    return next.answer(request, sink, abort);
  }

  private static String lastUserMessage(CompletionRequest request) {
    List<ChatMessage> messages = request.messages();
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).role().equals("user")) {
        return messages.get(i).content();
      }
    }
    return "";
  }

  public static Behaviour deltas(String... deltas) {
    return (request, sink, abort) -> {
      for (String delta : deltas) {
        abort.throwIfAborted();
        sink.onDelta(delta);
      }
      return new CompletionResult("stop", 3, deltas.length);
    };
  }

  /** Emits {@code count} deltas {@code "d<i> "}, one every {@code every}, then stops. */
  public static Behaviour slowly(int count, Duration every) {
    return (request, sink, abort) -> {
      for (int i = 0; i < count; i++) {
        try {
          Thread.sleep(every.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CompletionAbortedException("interrupted");
        }
        abort.throwIfAborted();
        sink.onDelta("d" + i + " ");
      }
      return new CompletionResult("stop", 3, count);
    };
  }

  public static Behaviour transientFailure(String... deltasFirst) {
    return (request, sink, abort) -> {
      for (String delta : deltasFirst) {
        sink.onDelta(delta);
      }
      throw new CompletionFailedException("provider answered 503", true, 503, null, null);
    };
  }

  public static Behaviour permanentFailure() {
    return (request, sink, abort) -> {
      throw new CompletionFailedException(
          "provider answered 400: bad model", false, 400, null, null);
    };
  }

  /** Emits a delta every {@code every} until aborted (a long answer), like a real client. */
  public static Behaviour endless(Duration every) {
    return (request, sink, abort) -> {
      CountDownLatch aborted = new CountDownLatch(1);
      abort.onAbort(aborted::countDown);
      int n = 0;
      try {
        while (!aborted.await(every.toMillis(), TimeUnit.MILLISECONDS)) {
          sink.onDelta("tick" + n++ + " ");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new CompletionAbortedException(abort.reason().orElse("interrupted"));
    };
  }
}
