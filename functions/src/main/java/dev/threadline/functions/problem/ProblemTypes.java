package dev.threadline.functions.problem;

/** The problem {@code type} URIs this service uses. */
public final class ProblemTypes {
  public static final String INVALID_REQUEST = "urn:threadline:problem:invalid-request";
  public static final String NOT_FOUND = "urn:threadline:problem:not-found";
  public static final String NOT_FOUND_DETAIL = "no such resource";
  public static final String THREAD_ID_TAKEN = "urn:threadline:problem:thread-id-taken";
  public static final String UNAUTHORIZED = "urn:threadline:problem:unauthorized";
  public static final String FORBIDDEN = "urn:threadline:problem:forbidden";
  public static final String UNAVAILABLE = "urn:threadline:problem:unavailable";
  public static final String IDEMPOTENCY_KEY_REUSED =
      "urn:threadline:problem:idempotency-key-reused";
  public static final String LIMIT_REACHED = "urn:threadline:problem:limit-reached";
  public static final String TOO_MANY_STREAMS = "urn:threadline:problem:too-many-streams";
  public static final String GENERIC = "about:blank";

  private ProblemTypes() {}
}
