package dev.threadline.bench;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * JetStream's durability settings side by side: the same chunk publishes (each expecting the
 * subject's last sequence, as the relay publishes them) against a file stream on a nats-server with
 * the default {@code sync_interval}, one with {@code sync_interval: always} (an fsync per write),
 * and a memory stream (nothing on disk: the floor).
 */
final class Durability {

  /** One setting under test and what it measured. */
  record Setting(String name, Histogram ack, Histogram delivery, String refusal) {
    boolean measured() {
      return refusal.isEmpty();
    }
  }

  private final Path logs;

  Durability(Path logs) {
    this.logs = logs;
  }

  /**
   * Runs {@code rounds} replies of {@code chunks} chunks {@code gapMillis} apart on each setting,
   * taking turns so that the machine's noise hits all alike.
   */
  List<Setting> measure(int rounds, int chunks, long gapMillis) throws Exception {
    ConfiguredNatsServer.Started byDefault = ConfiguredNatsServer.start("default", "", logs);
    ConfiguredNatsServer.Started always =
        ConfiguredNatsServer.start("sync-always", "  sync_interval: always", logs);
    ConfiguredNatsServer defaultServer =
        byDefault.server().orElseThrow(() -> new IllegalStateException(byDefault.refusal()));
    Map<String, Bus> buses = new LinkedHashMap<>();
    List<Setting> settings = new ArrayList<>();
    try {
      buses.put("file, default sync_interval", Bus.open(defaultServer.url(), StorageType.File));
      if (always.server().isPresent()) {
        buses.put(
            "file, sync_interval: always", Bus.open(always.server().get().url(), StorageType.File));
      }
      buses.put("memory storage (no disk)", Bus.open(defaultServer.url(), StorageType.Memory));
      List<String> names = new ArrayList<>(buses.keySet());
      for (int round = 0; round < rounds; round++) {
        for (int turn = 0; turn < names.size(); turn++) {
          String name = names.get((round + turn) % names.size());
          buses.get(name).reply("reply-" + round, chunks, gapMillis);
        }
      }
      for (Map.Entry<String, Bus> bus : buses.entrySet()) {
        settings.add(new Setting(bus.getKey(), bus.getValue().ack, bus.getValue().delivery, ""));
      }
      if (always.server().isEmpty()) {
        settings.add(
            new Setting("file, sync_interval: always", null, null, firstLine(always.refusal())));
      }
      settings.add(fsyncs(rounds * chunks, gapMillis));
    } finally {
      for (Bus bus : buses.values()) {
        bus.connection.close();
      }
      defaultServer.close();
      always.server().ifPresent(ConfiguredNatsServer::close);
    }
    return settings;
  }

  /**
   * What {@code sync_interval: always} adds to each publish, measured without it: a chunk-sized
   * append and {@code fsync} to a file in the same store folder.
   */
  private Setting fsyncs(int count, long gapMillis) throws IOException {
    Histogram fsync = Row.histogram();
    Path file = logs.resolve("fsync-probe.bin");
    try (FileChannel channel =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      for (int i = 0; i < count; i++) {
        long started = System.nanoTime();
        channel.write(ByteBuffer.wrap(Bus.payload(started, i)));
        channel.force(false);
        fsync.recordValue((System.nanoTime() - started) / 1000);
        Pause.untilNanos(started + gapMillis * 1_000_000L);
      }
    } finally {
      Files.deleteIfExists(file);
    }
    return new Setting(
        "fsync of one chunk-sized append (what an fsync per write adds)", fsync, null, "");
  }

  private static String firstLine(String text) {
    // "nats-server: <config>:4:3: unknown field ..." : the words after the config position
    String line = text.lines().findFirst().orElse("").strip();
    String reason = line.substring(line.lastIndexOf(": ") + 1).strip();
    return reason.isEmpty() ? "refused" : reason;
  }

  /** One connection and stream; the latencies of what was published through it. */
  private static final class Bus {
    private final Connection connection;
    private final JetStream jetStream;
    private final Histogram ack = Row.histogram();
    private final Histogram delivery = Row.histogram();

    private final String prefix;

    private Bus(Connection connection, String prefix) throws IOException {
      this.connection = connection;
      this.jetStream = connection.jetStream();
      this.prefix = prefix;
    }

    static Bus open(String url, StorageType storage) throws Exception {
      Connection connection = Nats.connect(url);
      String stream = "DURABILITY_" + storage.name().toUpperCase(java.util.Locale.ROOT);
      String prefix = storage == StorageType.File ? "dur" : "durmem";
      connection
          .jetStreamManagement()
          .addStream(
              StreamConfiguration.builder()
                  .name(stream)
                  .subjects(prefix + ".>")
                  .storageType(storage)
                  .build());
      return new Bus(connection, prefix);
    }

    /** One reply: {@code chunks} publishes, each timed to its ack and to an ordered consumer. */
    void reply(String subjectSuffix, int chunks, long gapMillis)
        throws IOException, JetStreamApiException, InterruptedException {
      String subject = prefix + "." + subjectSuffix;
      JetStreamSubscription tail =
          jetStream.subscribe(subject, PushSubscribeOptions.builder().ordered(true).build());
      try {
        long lastSequence = 0;
        for (int i = 0; i < chunks; i++) {
          long sent = System.nanoTime();
          PublishAck published =
              jetStream.publish(
                  subject,
                  payload(sent, i),
                  PublishOptions.builder().expectedLastSubjectSequence(lastSequence).build());
          ack.recordValue((System.nanoTime() - sent) / 1000);
          lastSequence = published.getSeqno();
          Message received = tail.nextMessage(Duration.ofSeconds(5));
          if (received == null) {
            throw new IllegalStateException("no delivery on " + subject + " within 5 s");
          }
          delivery.recordValue(
              (System.nanoTime() - ByteBuffer.wrap(received.getData()).getLong()) / 1000);
          Pause.untilNanos(sent + gapMillis * 1_000_000L);
        }
      } finally {
        tail.unsubscribe();
      }
    }

    /** The send time first, then a chunk-sized body: what a relay's chunk event weighs. */
    private static byte[] payload(long sentNanos, int index) {
      ByteBuffer buffer = ByteBuffer.allocate(160);
      buffer.putLong(sentNanos);
      byte[] text =
          ("{\"type\":\"chunk\",\"seq\":" + index + ",\"text\":\"a token or two\"}")
              .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      buffer.put(text);
      return buffer.array();
    }
  }
}
