package dev.threadline.systemtests;

import dev.threadline.protocol.ReplyStreamNames;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import java.io.IOException;

/** The NATS server the system tests' processes use, and clean-up of their private streams. */
final class TestNats {

  private TestNats() {}

  /** {@code THREADLINE_TEST_NATS_URL}, else the local server on 4222. */
  static String url() {
    return System.getenv().getOrDefault("THREADLINE_TEST_NATS_URL", "nats://127.0.0.1:4222");
  }

  /** Deletes a test's reply stream, if its processes created it. */
  static void deleteStream(ReplyStreamNames names) {
    try (Connection connection = Nats.connect(url())) {
      connection.jetStreamManagement().deleteStream(names.stream());
    } catch (JetStreamApiException notThere) {
      // never created: nothing to clean up
    } catch (IOException e) {
      System.err.println("could not delete test stream " + names.stream() + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
