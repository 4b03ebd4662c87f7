/*
 * Pacing mock of the OpenAI streaming chat API, for local runs and system tests.
 *
 * Run with the JDK alone:  java local-stack/pacing-mock/PacingMock.java --port 8099
 * Flags: --host 127.0.0.1  --port 8099  --chunks 20  --delay-ms 30
 *
 * POST /v1/chat/completions (or /chat/completions) answers with a deterministic reply derived from
 * the last user message: chunk 0 is "Echo: <its first 40 characters>", chunk i >= 1 is " w<i>".
 * With "stream": true it is sent as OpenAI chunks (text/event-stream, one flush per chunk, a first
 * chunk carrying only the role, a final chunk with finish_reason "stop", then "data: [DONE]").
 *
 * Per request, directives in the last user message (bracket groups whose keys are all known, for
 * example "[chunks=50 delay=20ms]") override headers, which override the flags:
 *   chunks=N          content chunks to send (0 allowed)            header X-Mock-Chunks
 *   delay=Dms|Ds|D    pause before every content chunk               header X-Mock-Delay-Ms
 *   status=S          answer S (>= 400) with an OpenAI error body    header X-Mock-Status
 *   retry-after=T     with status: a Retry-After header of T seconds header X-Mock-Retry-After
 *   times=K           with status: fail only the first K requests whose last user message is this one
 *   drop-after=N      cut the connection after N content chunks (no final chunk, no [DONE])
 *   stall-after=N     go silent after N content chunks and hold the connection (up to 10 minutes)
 *   stamp=1           chunk i >= 1 is " @<epoch microseconds when written>" instead of " w<i>"
 *                     (the benchmark measures emit-to-client latency with it)
 * Directives are removed from the echoed text.
 *
 * GET /health answers 200. GET /requests lists the latest requests as JSON (for tests that count
 * model calls). Every request logs one line to stdout.
 */
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class PacingMock {

  private static final Pattern DIRECTIVE_GROUP =
      Pattern.compile("\\[\\s*([a-z-]+=[^\\]\\s]+(?:\\s+[a-z-]+=[^\\]\\s]+)*)\\s*\\]");
  private static final Set<String> KEYS =
      Set.of("chunks", "delay", "status", "retry-after", "times", "drop-after", "stall-after",
          "stamp");
  private static final int ECHO_LENGTH = 40;
  private static final long STALL_LIMIT_MS = 10 * 60 * 1000;

  private final int defaultChunks;
  private final long defaultDelayMs;
  private final AtomicLong sequence = new AtomicLong();
  private final Map<String, AtomicInteger> failuresByMessage = new ConcurrentHashMap<>();
  private final Deque<String> recent = new ArrayDeque<>();

  PacingMock(int defaultChunks, long defaultDelayMs) {
    this.defaultChunks = defaultChunks;
    this.defaultDelayMs = defaultDelayMs;
  }

  public static void main(String[] args) throws IOException {
    Map<String, String> flags = flags(args);
    String host = flags.getOrDefault("host", "127.0.0.1");
    int port = Integer.parseInt(flags.getOrDefault("port", "8099"));
    PacingMock mock =
        new PacingMock(
            Integer.parseInt(flags.getOrDefault("chunks", "20")),
            Long.parseLong(flags.getOrDefault("delay-ms", "30")));
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 512);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", mock::handle);
    server.start();
    System.out.printf(
        "pacing-mock listening on http://%s:%d (chunks=%d delay=%dms)%n",
        host, server.getAddress().getPort(), mock.defaultChunks, mock.defaultDelayMs);
  }

  private static Map<String, String> flags(String[] args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("usage: --port P --host H --chunks N --delay-ms D");
      }
      flags.put(args[i].substring(2), args[++i]);
    }
    return flags;
  }

  private void handle(HttpExchange exchange) throws IOException {
    long started = System.nanoTime();
    long seq = sequence.incrementAndGet();
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    Outcome outcome;
    try {
      if (method.equals("GET") && path.equals("/health")) {
        outcome = sendText(exchange, 200, "application/json", "{\"status\":\"UP\"}");
      } else if (method.equals("GET") && path.equals("/requests")) {
        outcome = sendText(exchange, 200, "application/json", recentAsJson());
      } else if (method.equals("POST")
          && (path.equals("/v1/chat/completions") || path.equals("/chat/completions"))) {
        outcome = complete(exchange, seq);
      } else {
        outcome = sendError(exchange, 404, "no route " + method + " " + path, "not_found", null);
      }
    } catch (RuntimeException e) {
      outcome = new Outcome(500, "failed: " + e);
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    System.out.printf(
        "%s #%d %s %s -> %d %s in %d ms%n", Instant.now(), seq, method, path, outcome.status(),
        outcome.detail(), millis);
    if (outcome.dropConnection()) {
      // Thrown from the handler, the JDK server closes the socket without the last chunk.
      throw new IOException("connection dropped on purpose");
    }
    exchange.close();
  }

  private Outcome complete(HttpExchange exchange, long seq) throws IOException {
    Object parsed;
    try {
      parsed = new Json(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).parse();
    } catch (IllegalArgumentException e) {
      return sendError(exchange, 400, "malformed JSON: " + e.getMessage(), "invalid_request_error", null);
    }
    if (!(parsed instanceof Map<?, ?> body) || !(body.get("messages") instanceof List<?> messages)) {
      return sendError(exchange, 400, "'messages' is required", "invalid_request_error", null);
    }
    String lastUser = lastUserMessage(messages);
    Plan plan = plan(exchange, lastUser);
    String model = body.get("model") instanceof String m ? m : "mock-model";
    boolean stream = Boolean.TRUE.equals(body.get("stream"));
    boolean usage =
        body.get("stream_options") instanceof Map<?, ?> options
            && Boolean.TRUE.equals(options.get("include_usage"));
    remember(seq, lastUser, plan, stream);

    if (plan.status() >= 400) {
      int failedSoFar = failuresByMessage.computeIfAbsent(lastUser, k -> new AtomicInteger()).getAndIncrement();
      if (plan.times() < 0 || failedSoFar < plan.times()) {
        return sendError(exchange, plan.status(), "mock failure as directed", "server_error", plan.retryAfter());
      }
    }
    List<String> pieces = pieces(plan.echo(), plan.chunks());
    String id = "chatcmpl-mock" + seq;
    long created = Instant.now().getEpochSecond();
    if (!stream) {
      String text = String.join("", pieces);
      return sendText(exchange, 200, "application/json",
          "{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"created\":" + created
              + ",\"model\":" + Json.quote(model) + ",\"choices\":[{\"index\":0,\"message\":"
              + "{\"role\":\"assistant\",\"content\":" + Json.quote(text) + "},"
              + "\"finish_reason\":\"stop\"}]}");
    }
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    String prefix = "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
        + ",\"model\":" + Json.quote(model) + ",\"choices\":[{\"index\":0,\"delta\":";
    int sent = 0;
    try {
      event(out, prefix + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}");
      for (String piece : pieces) {
        if (sent == plan.dropAfter()) {
          return new Outcome(200, "dropped after " + sent + " chunks", true);
        }
        if (sent == plan.stallAfter()) {
          sleep(STALL_LIMIT_MS);
          return new Outcome(200, "stalled after " + sent + " chunks", true);
        }
        sleep(plan.delayMs());
        String content = plan.stamp() && sent > 0 ? " @" + epochMicros() : piece;
        event(out, prefix + "{\"content\":" + Json.quote(content) + "},\"finish_reason\":null}]}");
        sent++;
      }
      event(out, prefix + "{},\"finish_reason\":\"stop\"}]}");
      if (usage) {
        event(out, "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
            + ",\"model\":" + Json.quote(model) + ",\"choices\":[],\"usage\":{\"prompt_tokens\":1,"
            + "\"completion_tokens\":" + sent + ",\"total_tokens\":" + (sent + 1) + "}}");
      }
      writeFlushed(out, "data: [DONE]\n\n");
      return new Outcome(200, "streamed " + sent + " chunks (delay " + plan.delayMs() + " ms)");
    } catch (IOException clientLeft) {
      return new Outcome(200, "client left after " + sent + " chunks");
    }
  }

  /** Chunk 0 echoes the message, chunk i >= 1 is " w<i>"; concatenated, the whole reply. */
  static List<String> pieces(String echo, int chunks) {
    List<String> pieces = new ArrayList<>(chunks);
    for (int i = 0; i < chunks; i++) {
      pieces.add(i == 0 ? "Echo: " + echo : " w" + i);
    }
    return pieces;
  }

  private Plan plan(HttpExchange exchange, String lastUser) {
    Map<String, String> values = new LinkedHashMap<>();
    header(exchange, "X-Mock-Chunks").ifPresent(v -> values.put("chunks", v));
    header(exchange, "X-Mock-Delay-Ms").ifPresent(v -> values.put("delay", v));
    header(exchange, "X-Mock-Status").ifPresent(v -> values.put("status", v));
    header(exchange, "X-Mock-Retry-After").ifPresent(v -> values.put("retry-after", v));
    StringBuilder echoed = new StringBuilder();
    Matcher matcher = DIRECTIVE_GROUP.matcher(lastUser);
    int last = 0;
    while (matcher.find()) {
      Map<String, String> group = new LinkedHashMap<>();
      for (String pair : matcher.group(1).trim().split("\\s+")) {
        String[] kv = pair.split("=", 2);
        group.put(kv[0], kv[1]);
      }
      if (KEYS.containsAll(group.keySet())) {
        values.putAll(group);
        echoed.append(lastUser, last, matcher.start());
        last = matcher.end();
      }
    }
    echoed.append(lastUser.substring(last));
    String text = echoed.toString().trim().replaceAll("\\s+", " ");
    String echo = text.codePointCount(0, text.length()) <= ECHO_LENGTH
        ? text : text.substring(0, text.offsetByCodePoints(0, ECHO_LENGTH));
    return new Plan(
        echo,
        Integer.parseInt(values.getOrDefault("chunks", String.valueOf(defaultChunks))),
        millis(values.getOrDefault("delay", String.valueOf(defaultDelayMs))),
        Integer.parseInt(values.getOrDefault("status", "200")),
        values.get("retry-after"),
        Integer.parseInt(values.getOrDefault("times", "-1")),
        Integer.parseInt(values.getOrDefault("drop-after", "-1")),
        Integer.parseInt(values.getOrDefault("stall-after", "-1")),
        "1".equals(values.get("stamp")));
  }

  private static java.util.Optional<String> header(HttpExchange exchange, String name) {
    return java.util.Optional.ofNullable(exchange.getRequestHeaders().getFirst(name));
  }

  private static long millis(String value) {
    if (value.endsWith("ms")) {
      return Long.parseLong(value.substring(0, value.length() - 2));
    }
    if (value.endsWith("s")) {
      return Long.parseLong(value.substring(0, value.length() - 1)) * 1000;
    }
    return Long.parseLong(value);
  }

  private static String lastUserMessage(List<?> messages) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i) instanceof Map<?, ?> message && "user".equals(message.get("role"))) {
        return message.get("content") instanceof String content ? content : "";
      }
    }
    return "";
  }

  private synchronized void remember(long seq, String lastUser, Plan plan, boolean stream) {
    recent.addLast("{\"seq\":" + seq + ",\"at\":\"" + Instant.now() + "\",\"lastUserMessage\":"
        + Json.quote(lastUser) + ",\"stream\":" + stream + ",\"chunks\":" + plan.chunks()
        + ",\"delayMs\":" + plan.delayMs() + ",\"status\":" + plan.status() + "}");
    while (recent.size() > 1000) {
      recent.removeFirst();
    }
  }

  private synchronized String recentAsJson() {
    return "[" + String.join(",", recent) + "]";
  }

  private static void event(OutputStream out, String json) throws IOException {
    writeFlushed(out, "data: " + json + "\n\n");
  }

  private static void writeFlushed(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static Outcome sendText(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    return new Outcome(status, bytes.length + " bytes");
  }

  private static Outcome sendError(
      HttpExchange exchange, int status, String message, String type, String retryAfter)
      throws IOException {
    if (retryAfter != null) {
      exchange.getResponseHeaders().set("Retry-After", retryAfter);
    }
    sendText(exchange, status, "application/json",
        "{\"error\":{\"message\":" + Json.quote(message) + ",\"type\":\"" + type + "\",\"code\":null}}");
    return new Outcome(status, message);
  }

  private static long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  private static void sleep(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  record Plan(String echo, int chunks, long delayMs, int status, String retryAfter, int times,
      int dropAfter, int stallAfter, boolean stamp) {}

  record Outcome(int status, String detail, boolean dropConnection) {
    Outcome(int status, String detail) {
      this(status, detail, false);
    }
  }
}

/** Just enough JSON: objects, arrays, strings, numbers, true, false, null. */
final class Json {
  private final String text;
  private int at;

  Json(String text) {
    this.text = text;
  }

  Object parse() {
    Object value = value();
    space();
    if (at != text.length()) {
      throw new IllegalArgumentException("trailing text at " + at);
    }
    return value;
  }

  private Object value() {
    space();
    if (at >= text.length()) {
      throw new IllegalArgumentException("unexpected end");
    }
    char c = text.charAt(at);
    if (c == '{') {
      Map<String, Object> object = new LinkedHashMap<>();
      at++;
      space();
      if (peek('}')) {
        return object;
      }
      do {
        space();
        String key = string();
        space();
        expect(':');
        object.put(key, value());
        space();
      } while (peek(','));
      expect('}');
      return object;
    }
    if (c == '[') {
      List<Object> array = new ArrayList<>();
      at++;
      space();
      if (peek(']')) {
        return array;
      }
      do {
        array.add(value());
        space();
      } while (peek(','));
      expect(']');
      return array;
    }
    if (c == '"') {
      return string();
    }
    for (String word : new String[] {"true", "false", "null"}) {
      if (text.startsWith(word, at)) {
        at += word.length();
        return word.equals("null") ? null : Boolean.valueOf(word);
      }
    }
    int start = at;
    while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
      at++;
    }
    if (start == at) {
      throw new IllegalArgumentException("unexpected '" + c + "' at " + at);
    }
    return Double.parseDouble(text.substring(start, at));
  }

  private String string() {
    expect('"');
    StringBuilder out = new StringBuilder();
    while (true) {
      if (at >= text.length()) {
        throw new IllegalArgumentException("unterminated string");
      }
      char c = text.charAt(at++);
      if (c == '"') {
        return out.toString();
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = text.charAt(at++);
      switch (e) {
        case 'n' -> out.append('\n');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'u' -> {
          out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          at += 4;
        }
        default -> out.append(e);
      }
    }
  }

  private void space() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
      at++;
    }
  }

  private boolean peek(char c) {
    if (at < text.length() && text.charAt(at) == c) {
      at++;
      return true;
    }
    return false;
  }

  private void expect(char c) {
    if (!peek(c)) {
      throw new IllegalArgumentException("expected '" + c + "' at " + at);
    }
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
