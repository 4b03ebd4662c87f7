package dev.threadline.functions.wakeup;

import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.RunNotifications;
import dev.threadline.testsupport.TestDatabase;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** Hears both wake-up paths a relay hears: NOTIFY on the database and the NATS wake-up subject. */
final class WakeUpProbe implements AutoCloseable {

  private final java.sql.Connection listener;
  private final Connection nats;
  private final Subscription subscription;

  WakeUpProbe(TestDatabase database, ReplyStreamNames names) throws Exception {
    listener = database.connect();
    try (Statement listen = listener.createStatement()) {
      listen.execute("listen " + RunNotifications.RUN_QUEUED);
    }
    nats = Nats.connect("nats://127.0.0.1:4222");
    subscription = nats.subscribe(names.wakeUpSubject());
    nats.flush(Duration.ofSeconds(2)); // the subscription is registered before any submit
  }

  /** Thread ids notified within {@code wait}. */
  List<String> notified(Duration wait) throws SQLException {
    List<String> threads = new ArrayList<>();
    PGNotification[] notifications =
        listener.unwrap(PGConnection.class).getNotifications((int) wait.toMillis());
    if (notifications != null) {
      for (PGNotification notification : notifications) {
        threads.add(notification.getParameter());
      }
    }
    return threads;
  }

  /** Thread ids published on the wake-up subject within {@code wait}. */
  List<String> publishedOnNats(Duration wait) throws InterruptedException {
    List<String> threads = new ArrayList<>();
    Message message = subscription.nextMessage(wait);
    while (message != null) {
      threads.add(new String(message.getData(), StandardCharsets.UTF_8));
      message = subscription.nextMessage(Duration.ofMillis(100));
    }
    return threads;
  }

  @Override
  public void close() throws Exception {
    listener.close();
    nats.close();
  }
}
