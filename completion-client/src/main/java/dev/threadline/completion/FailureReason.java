package dev.threadline.completion;

/**
 * Why a completion failed, in words that are safe to show a client and stable to match on. The
 * exception's message carries the detail (status, provider text, URL) for the log only.
 */
public enum FailureReason {
  /** Connect failure, 5xx, silence, a stream cut or malformed, an error reported mid-stream. */
  UNAVAILABLE(true),
  /** 429, or a rate-limit error reported mid-stream. */
  RATE_LIMITED(true),
  /** The attempt reached its total deadline ({@code THREADLINE_RUN_TIMEOUT}). */
  TIMED_OUT(true),
  /** A content-policy refusal: an error of that kind or {@code finish_reason: content_filter}. */
  CONTENT_FILTERED(false),
  /** The provider found the request invalid (400, 404, 422, an invalid-request error). */
  INVALID_REQUEST(false),
  /** Any other refusal: credentials (401, 403), another 4xx, a non-streaming answer. */
  REFUSED(false);

  private final boolean transientFailure;

  FailureReason(boolean transientFailure) {
    this.transientFailure = transientFailure;
  }

  /** Whether the same request may succeed later. */
  public boolean transientFailure() {
    return transientFailure;
  }

  /** The reason of a failure known only by its HTTP status (0: not an HTTP answer). */
  static FailureReason ofStatus(int status, boolean transientFailure) {
    if (status == 429) {
      return RATE_LIMITED;
    }
    if (transientFailure) {
      return UNAVAILABLE;
    }
    return status == 400 || status == 404 || status == 422 ? INVALID_REQUEST : REFUSED;
  }
}
