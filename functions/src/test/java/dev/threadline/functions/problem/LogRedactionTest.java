package dev.threadline.functions.problem;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogRedactionTest {

  @Test
  void credentialsInUrlsAndPasswordParametersAreMasked() {
    assertThat(LogRedaction.redact("connecting to NATS at nats://app:pw%40x@nats-1:4222: refused"))
        .isEqualTo("connecting to NATS at nats://***@nats-1:4222: refused");
    assertThat(LogRedaction.redact("tls://token@host:4222, nats://host2:4222"))
        .isEqualTo("tls://***@host:4222, nats://host2:4222");
    assertThat(LogRedaction.redact("jdbc:postgresql://db/x?user=a&password=hunter2&ssl=true"))
        .isEqualTo("jdbc:postgresql://db/x?user=a&password=***&ssl=true");
  }

  @Test
  void aCauseChainIsDescribedMaskedWithoutStackTraces() {
    RuntimeException error =
        new RuntimeException(
            "outer nats://u:p@h:1", new IllegalStateException("inner password=abc"));
    assertThat(LogRedaction.describe(error))
        .isEqualTo(
            "RuntimeException: outer nats://***@h:1 <- IllegalStateException: inner password=***");
  }
}
