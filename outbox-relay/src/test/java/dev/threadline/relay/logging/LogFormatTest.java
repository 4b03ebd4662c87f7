package dev.threadline.relay.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.spi.MDCAdapter;

/** The relay's logback.xml: one JSON object per line by default, a readable line on request. */
class LogFormatTest {

  @Test
  void eachEventIsOneJsonObjectPerLineCarryingTheRunIdsFromTheMdc() throws Exception {
    List<String> lines = logWith(null);

    assertThat(lines).hasSize(2);
    ObjectMapper json = ObjectMapper.getDefault();
    JsonNode info = json.readValue(lines.get(0), JsonNode.class);
    assertThat(info.get("level").getStringValue()).isEqualTo("INFO");
    assertThat(info.get("loggerName").getStringValue()).isEqualTo("dev.threadline.relay.test");
    assertThat(info.get("formattedMessage").getStringValue()).isEqualTo("took over run at epoch 7");
    assertThat(info.get("timestamp").getLongValue()).isPositive();
    JsonNode mdc = info.get("mdc");
    assertThat(mdc.get("executorId").getStringValue()).isEqualTo("relay-1");
    assertThat(mdc.get("threadId").getStringValue()).isEqualTo("t-1");
    assertThat(mdc.get("runId").getStringValue()).isEqualTo("r-1");
    assertThat(mdc.get("epoch").getStringValue()).isEqualTo("7");
    JsonNode error = json.readValue(lines.get(1), JsonNode.class);
    assertThat(error.get("throwable").get("message").getStringValue()).isEqualTo("broken \"pipe\"");
  }

  @Test
  void logFormatTextGivesOneReadableLinePerEvent() throws Exception {
    List<String> lines = logWith("text");

    assertThat(lines.get(0))
        .startsWith("20")
        .contains("INFO", "executor=relay-1 thread=t-1 run=r-1 epoch=7 - took over run at epoch 7");
  }

  /** Configures a private logback context from the relay's logback.xml and logs two events. */
  private static List<String> logWith(String logFormat) throws Exception {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      if (logFormat != null) {
        context.putProperty("LOG_FORMAT", logFormat);
      }
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
      Logger log = context.getLogger("dev.threadline.relay.test");
      // this private context's MDC (org.slf4j.MDC feeds the default context's)
      MDCAdapter mdc = context.getMDCAdapter();
      mdc.put("executorId", "relay-1");
      mdc.put("threadId", "t-1");
      mdc.put("runId", "r-1");
      mdc.put("epoch", "7");
      log.info("took over run at epoch {}", 7);
      log.warn("publish failed", new IllegalStateException("broken \"pipe\""));
      mdc.clear();
    } finally {
      context.stop();
      System.setOut(stdout);
    }
    return captured.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
  }
}
