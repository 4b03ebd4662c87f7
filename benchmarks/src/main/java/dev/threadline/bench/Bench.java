package dev.threadline.bench;

import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * What every scenario shares: the stack, the settings, the report and charts being written, the API
 * as owner {@code bench}, and the pacing mock (started once, on first use).
 */
final class Bench implements AutoCloseable {

  private final BenchStack stack;
  private final Settings settings;
  private final Report report = new Report();
  private final Charts charts;
  private final Api api;
  private final DatabaseLoad database;
  private BenchStack.Service mock;

  Bench(BenchStack stack, Settings settings, Charts charts) {
    this.stack = stack;
    this.settings = settings;
    this.charts = charts;
    this.api = new Api(stack.jwtSecret(), "bench");
    this.database = new DatabaseLoad(stack);
  }

  BenchStack stack() {
    return stack;
  }

  Settings settings() {
    return settings;
  }

  Report report() {
    return report;
  }

  Charts charts() {
    return charts;
  }

  Api api() {
    return api;
  }

  DatabaseLoad database() {
    return database;
  }

  /** The pacing mock's OpenAI base URL ({@code …/v1}). */
  String mockUrl() {
    if (mock == null) {
      mock = stack.pacingMock();
    }
    return mock.baseUrl() + "/v1";
  }

  HttpRequest submit(String baseUrl, List<String> threads, int i) {
    return api.submitRequest(baseUrl, threads.get(i % threads.size()), "[chunks=1] bench " + i);
  }

  List<String> apiThreads(String baseUrl, int count) {
    List<String> threads = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      threads.add(api.createThread(baseUrl, "load"));
    }
    return threads;
  }

  /** Threads of owner "bench" written straight into the database (no functions needed). */
  List<String> insertThreads(int count) throws Exception {
    List<String> threads = new ArrayList<>();
    try (Connection connection = stack.connect();
        PreparedStatement insert =
            connection.prepareStatement(
                "insert into threads (id, owner, created_at, updated_at) values (?, 'bench', now(), now())")) {
      for (int i = 0; i < count; i++) {
        String id = "db-" + UUID.randomUUID().toString().substring(0, 13);
        insert.setString(1, id);
        insert.addBatch();
        threads.add(id);
        if (i % 1000 == 999) {
          insert.executeBatch();
        }
      }
      insert.executeBatch();
    }
    return threads;
  }

  static String perSecond(double value) {
    return String.format(Locale.ROOT, "%,.0f", value);
  }

  static String count(int value) {
    return String.format(Locale.ROOT, "%,d", value);
  }

  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
  }

  static void say(String line) {
    System.out.println("[bench] " + line);
  }

  @Override
  public void close() {
    if (mock != null) {
      mock.close();
      mock = null;
    }
  }
}
