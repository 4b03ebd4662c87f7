package dev.threadline.relay.liveness;

/**
 * The liveness lock's connection does not reach one server session of its own (a transaction pooler
 * sits in between): liveness by session lock cannot work there, so the relay refuses.
 */
public class PooledLivenessSessionException extends RuntimeException {
  public PooledLivenessSessionException(String message) {
    super(message);
  }
}
