package dev.threadline.completion;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The cancellable state of one HTTP exchange. The abort signal, the idle watchdog and the call's
 * deadline, on their own threads, cancel the pending response future or close the body stream; the
 * calling thread, blocked in {@code get} or {@code read}, wakes up and asks {@link #failure} what
 * happened.
 */
final class InFlightCall {

  private final AbortSignal abort;
  private final Duration idleTimeout;
  private final URI target;
  private final Duration deadline;
  private volatile CompletableFuture<?> pending;
  private volatile InputStream body;
  private volatile boolean stalled;
  private volatile boolean expired;

  /**
   * @param deadline the whole call's bound, reported when {@link #expire} ended it
   */
  InFlightCall(AbortSignal abort, Duration idleTimeout, URI target, Duration deadline) {
    this.abort = abort;
    this.idleTimeout = idleTimeout;
    this.target = target;
    this.deadline = deadline;
  }

  /** Deadline callback: the call took too long, whether or not bytes kept coming. */
  void expire() {
    expired = true;
    cancel();
  }

  /** Abort listener: wakes the caller wherever it waits. */
  void cancel() {
    CompletableFuture<?> future = pending;
    if (future != null) {
      future.cancel(true);
    }
    closeBody();
  }

  /** Watchdog callback: the body went silent. */
  void stall() {
    stalled = true;
    closeBody();
  }

  /** Waits for the status line and headers; the body is not read yet. */
  HttpResponse<InputStream> awaitHeaders(
      CompletableFuture<HttpResponse<InputStream>> future, Duration timeout) {
    pending = future;
    if (abort.aborted()) {
      future.cancel(true);
    }
    HttpResponse<InputStream> response;
    try {
      response = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (CancellationException e) {
      abort.throwIfAborted();
      if (expired) {
        throw timedOut("waiting for response headers", e);
      }
      throw transientFailure("chat completion: request cancelled", e);
    } catch (TimeoutException e) {
      future.cancel(true);
      abort.throwIfAborted();
      throw transientFailure(
          "chat completion: no response headers from "
              + target
              + " within "
              + timeout.toMillis()
              + " ms",
          e);
    } catch (ExecutionException e) {
      abort.throwIfAborted();
      throw failure(e.getCause(), "sending the request to " + target);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new CompletionAbortedException("interrupted while waiting for response headers");
    }
    attach(response.body());
    return response;
  }

  /** Registers the body so that an abort or stall closes it; closes it at once if aborted. */
  private void attach(InputStream stream) {
    body = stream;
    if (abort.aborted()) {
      closeBody();
      abort.throwIfAborted();
    }
    if (expired) {
      closeBody();
      throw timedOut("as the response began", null);
    }
  }

  /**
   * Ends the exchange: closes the body (abandoning the connection if unread) and drops the
   * references, so that an abort signal that outlives the call holds on to nothing big.
   */
  void release() {
    closeBody();
    pending = null;
    body = null;
  }

  private void closeBody() {
    InputStream stream = body;
    if (stream != null) {
      try {
        stream.close();
      } catch (IOException | RuntimeException ignored) {
        // closing is best effort: the connection is abandoned either way
      }
    }
  }

  /**
   * What a failed wait or read means: an abort wins, then a stall we caused, then the cause itself.
   * Network and timeout problems are transient; anything else is a bug or misconfiguration.
   *
   * @param during completes "chat completion ... {during}", e.g. "after 3 deltas"
   */
  RuntimeException failure(Throwable cause, String during) {
    if (abort.aborted()) {
      return new CompletionAbortedException(abort.reason().orElse("aborted"));
    }
    if (expired) {
      return timedOut(during, cause);
    }
    if (stalled) {
      return transientFailure(
          "chat completion stalled: no data for " + idleTimeout.toMillis() + " ms " + during,
          cause);
    }
    if (cause instanceof HttpConnectTimeoutException) {
      return transientFailure("chat completion: connect timeout " + during, cause);
    }
    if (cause instanceof HttpTimeoutException) {
      return transientFailure("chat completion: timeout " + during, cause);
    }
    if (cause instanceof IOException) {
      return transientFailure(
          "chat completion: I/O failure " + during + ": " + describe(cause), cause);
    }
    return new CompletionFailedException(
        "chat completion: unexpected failure " + during + ": " + describe(cause),
        false,
        0,
        null,
        cause);
  }

  /** Exception class and message, and those of its cause: the JDK often hides the reason there. */
  private static String describe(Throwable error) {
    StringBuilder text = new StringBuilder(error.getClass().getSimpleName());
    if (error.getMessage() != null) {
      text.append(' ').append(error.getMessage());
    }
    Throwable cause = error.getCause();
    if (cause != null && cause != error) {
      text.append(" (").append(cause.getClass().getSimpleName());
      if (cause.getMessage() != null) {
        text.append(' ').append(cause.getMessage());
      }
      text.append(')');
    }
    return text.toString();
  }

  private CompletionFailedException timedOut(String during, Throwable cause) {
    return new CompletionFailedException(
        "chat completion exceeded its deadline of " + deadline.toMillis() + " ms " + during,
        FailureReason.TIMED_OUT,
        0,
        null,
        cause);
  }

  private static CompletionFailedException transientFailure(String message, Throwable cause) {
    return new CompletionFailedException(message, true, 0, null, cause);
  }
}
