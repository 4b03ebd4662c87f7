package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.threadline.testsupport.TcpProxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;

/**
 * The chat page at / in headless Chromium, against real processes: a user sends a message, the
 * relay streaming the reply is killed, the survivor takes the run over, and the page shows the
 * reply once, equal to the stored message (screenshot for the test report); and the page's own
 * connection is cut, before and after its stream token expired, and it resumes where it was; the
 * sidebar lists the owner's threads, a thread opens with its newest messages and loads older ones
 * when scrolled up, and a thread is deleted after a confirm.
 */
@Tag("processes")
@Timeout(300)
class ChatPageBrowserTest {

  private static final Duration ATTACH = Duration.ofSeconds(20);
  private static final Duration RUN = Duration.ofSeconds(90);

  /** The shortest allowed: the second test outlives a token while the reply streams. */
  private static final Duration STREAM_TOKEN_TTL = Duration.ofSeconds(10);

  private static final String MISSING =
      "no "
          + HeadlessChromium.CHROMIUM
          + " or "
          + HeadlessChromium.CHROMEDRIVER
          + ": apt-get install -y chromium chromium-driver (./local-stack/test installs them)";

  private static Stack stack;
  private static HeadlessChromium chromium;
  private static TcpProxy proxy;

  @BeforeAll
  static void startStackAndBrowser() {
    if (!HeadlessChromium.installed()) {
      if (System.getenv("CI") != null) {
        fail(MISSING + " (CI: the chat page must be tested)");
      }
      return; // each test reports itself skipped, with the reason
    }
    stack =
        Stack.builder()
            .functions(1)
            .relays(2)
            .mock(60, 40)
            .environment("THREADLINE_STREAM_TOKEN_TTL", STREAM_TOKEN_TTL.toSeconds() + "s")
            .start();
    proxy = TcpProxy.to("127.0.0.1", stack.functions(0).port());
    chromium = HeadlessChromium.start(Repository.current().processLogs());
  }

  @BeforeEach
  void needsChromium() {
    assumeTrue(HeadlessChromium.installed(), "skipped: " + MISSING);
  }

  @AfterAll
  static void stop() {
    try {
      if (chromium != null) {
        chromium.close();
      }
      if (proxy != null) {
        proxy.close();
      }
    } finally {
      if (stack != null) {
        stack.close();
      }
    }
  }

  @Test
  void thePageShowsTheReplyOnceAfterTheRelayStreamingItIsKilledMidReply() {
    ApiClient api = stack.api(0);
    var page = chromium.driver();
    // the fragment never reaches the server; the page moves the token to sessionStorage
    page.get(stack.functions(0).url() + "/#token=" + api.token());
    assertThat(page.getCurrentUrl()).as("the token leaves the address bar").doesNotContain("token");

    assertThat(page.findElement(By.id("token-form")).isDisplayed())
        .as("the token form, once a token is in")
        .isFalse();
    String thread = newThread();

    String question = "survive a crash in the browser [chunks=80 delay=50ms]";
    page.findElement(By.id("message-input")).sendKeys(question);
    page.findElement(By.id("send")).click();
    await("ten chunks of the reply on the page")
        .atMost(RUN)
        .until(
            () ->
                !page.findElements(By.cssSelector(".reply")).isEmpty()
                    && textOf(page.findElement(By.cssSelector(".reply .text"))).contains(" w10"));
    WebElement reply = page.findElement(By.cssSelector(".reply"));
    String runId = reply.getDomAttribute("data-run-id");
    Stack.Instance owner = stack.relay(api.run(thread, runId).path("executorId").asText());

    owner.process().sigkill();
    long killedAt = System.nanoTime();
    await("a reset of a newer epoch on the page")
        .atMost(Duration.ofSeconds(15))
        .until(() -> Integer.parseInt(reply.getDomAttribute("data-resets")) >= 2);
    System.out.printf(
        "SIGKILL of %s to the page's reset: %d ms%n",
        owner.name(), (System.nanoTime() - killedAt) / 1_000_000);
    await("the reply done on the page")
        .atMost(RUN)
        .until(() -> !"streaming".equals(reply.getDomAttribute("data-state")));

    JsonNode stored = api.assistantMessageOf(thread, runId);
    String notice = page.findElement(By.id("notice")).getText();
    assertThat(reply.getDomAttribute("data-state"))
        .as("reply state; notice: %s", notice)
        .isEqualTo("done");
    assertThat(textOf(reply.findElement(By.cssSelector(".text"))))
        .as("the reply on the page is the stored message")
        .isEqualTo(stored.path("content").asText());
    List<WebElement> replies =
        page.findElements(By.cssSelector(".reply[data-run-id='" + runId + "']"));
    assertThat(replies).as("one reply for the run").hasSize(1);
    assertThat(page.findElements(By.cssSelector(".message.user")))
        .extracting(ChatPageBrowserTest::textOf)
        .containsExactly(question);
    assertThat(reply.getDomAttribute("data-epoch"))
        .isEqualTo(api.run(thread, runId).path("epoch").asText());

    Path screenshot = screenshots().resolve("chat-page.png");
    chromium.screenshot(screenshot);
    System.out.println("screenshot: " + screenshot.toAbsolutePath());
  }

  @Test
  void thePageResumesWhereItWasWhenItsConnectionIsCutAlsoAfterItsStreamTokenExpired() {
    ApiClient api = stack.api(0);
    var page = chromium.driver();
    // through a proxy that can cut the browser's connections: another origin, another session
    page.get("http://127.0.0.1:" + proxy.port() + "/#token=" + api.token());
    String thread = newThread();
    WebElement connection = page.findElement(By.id("connection"));
    Instant tokenExpiresAt = Instant.parse(connection.getDomAttribute("data-token-expires-at"));
    assertThat(Duration.between(Instant.now(), tokenExpiresAt))
        .as("THREADLINE_STREAM_TOKEN_TTL")
        .isLessThanOrEqualTo(STREAM_TOKEN_TTL);

    page.findElement(By.id("message-input"))
        .sendKeys("lose the line twice [chunks=400 delay=50ms]");
    page.findElement(By.id("send")).click();
    await("ten chunks of the reply on the page")
        .atMost(RUN)
        .until(
            () ->
                !page.findElements(By.cssSelector(".reply")).isEmpty()
                    && textOf(page.findElement(By.cssSelector(".reply .text"))).contains(" w10"));
    WebElement reply = page.findElement(By.cssSelector(".reply"));
    String runId = reply.getDomAttribute("data-run-id");

    proxy.cutAll();
    int seen = chunksOn(reply);
    await("the reply going on after the first cut")
        .atMost(RUN)
        .until(() -> chunksOn(reply) >= seen + 20);
    await("the stream token of the page's stream expired")
        .atMost(RUN)
        .until(() -> Instant.now().isAfter(tokenExpiresAt.plusSeconds(1)));
    assertThat(reply.getDomAttribute("data-state"))
        .as("still streaming when cut again")
        .isEqualTo("streaming");
    int streamsBefore = Integer.parseInt(connection.getDomAttribute("data-streams-opened"));
    proxy.cutAll();
    await("the reply done on the page")
        .atMost(RUN)
        .until(() -> !"streaming".equals(reply.getDomAttribute("data-state")));

    JsonNode stored = api.assistantMessageOf(thread, runId);
    assertThat(reply.getDomAttribute("data-state")).isEqualTo("done");
    assertThat(textOf(reply.findElement(By.cssSelector(".text"))))
        .isEqualTo(stored.path("content").asText());
    assertThat(reply.getDomAttribute("data-resets"))
        .as(
            "resumed after the last event seen each time: a fresh attach would have replayed the reset")
        .isEqualTo("1");
    assertThat(Integer.parseInt(connection.getDomAttribute("data-streams-opened")))
        .as("a new EventSource with a fresh token once the old URL's token had expired")
        .isGreaterThan(streamsBefore);
    assertThat(proxy.connectionsAccepted()).as("connections through the proxy").isGreaterThan(2);
  }

  @Test
  void theSidebarListsTheOwnersThreadsMostRecentFirstOpensOneLoadsOlderMessagesAndDeletesOne()
      throws Exception {
    ApiClient api = stack.api(0, "sidebar-" + UUID.randomUUID());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 22; i++) {
      ids.add(createThread(api, "Thread " + i));
    }
    String longThread = ids.get(0);
    insertAnsweredTurns(longThread, 130);
    String question = "the newest question [chunks=3 delay=10ms]";
    String runId = api.postMessage(longThread, question).path("runId").asText();
    await("the newest run done")
        .atMost(RUN)
        .until(() -> "completed".equals(api.run(longThread, runId).path("status").asText()));

    var page = chromium.driver();
    // a query makes it a new page load: a new fragment alone would not reload it
    page.get(stack.functions(0).url() + "/?sidebar#token=" + api.token());
    await("the first page of the sidebar")
        .atMost(ATTACH)
        .until(() -> page.findElements(By.cssSelector("#thread-list .thread")).size() == 20);
    List<String> expected = new ArrayList<>(List.of(longThread));
    for (int i = 21; i >= 1; i--) {
      expected.add(ids.get(i));
    }
    assertThat(sidebarIds()).as("most recently active first").isEqualTo(expected.subList(0, 20));
    page.findElement(By.id("more-threads")).click();
    await("the second page of the sidebar").atMost(ATTACH).until(() -> sidebarIds().size() == 22);
    assertThat(sidebarIds()).isEqualTo(expected);
    assertThat(page.findElement(By.id("more-threads")).isDisplayed()).isFalse();

    page.findElement(By.cssSelector(".thread[data-thread-id='" + longThread + "'] .open")).click();
    await("the thread open and live")
        .atMost(ATTACH)
        .until(
            () ->
                "live".equals(page.findElement(By.id("connection")).getDomAttribute("data-state")));
    assertThat(page.findElement(By.id("thread-id")).getText()).isEqualTo(longThread);
    List<String> newest = userMessages();
    assertThat(newest).as("the newest 100 messages: 50 questions and their answers").hasSize(50);
    assertThat(newest.get(0)).isEqualTo("old question 82");
    assertThat(newest.get(49)).isEqualTo(question);
    assertThat(page.findElement(By.id("older")).isDisplayed()).isTrue();
    Path screenshot = screenshots().resolve("chat-sidebar.png");
    chromium.screenshot(screenshot);
    System.out.println("screenshot: " + screenshot.toAbsolutePath());

    await("older messages loaded by scrolling up, page by page")
        .atMost(ATTACH)
        .until(
            () -> {
              chromium.script("window.scrollTo(0, 0)");
              return userMessages().size() == 131;
            });
    assertThat(userMessages().get(0)).isEqualTo("old question 1");
    assertThat(userMessages().get(130)).isEqualTo(question);
    assertThat(page.findElement(By.id("older")).isDisplayed()).as("nothing older").isFalse();
    assertThat(page.findElements(By.cssSelector(".reply[data-state='done']"))).hasSize(131);

    String kept = ids.get(5);
    page.findElement(By.cssSelector(".thread[data-thread-id='" + kept + "'] .delete")).click();
    confirmDialog().dismiss();
    assertThat(sidebarIds()).as("a dismissed confirm deletes nothing").contains(kept);
    assertThat(api.send("GET", "/v1/threads/" + kept, null, Map.of()).status()).isEqualTo(200);

    page.findElement(By.cssSelector(".thread[data-thread-id='" + longThread + "'] .delete"))
        .click();
    confirmDialog().accept();
    await("the deleted thread gone from the sidebar")
        .atMost(ATTACH)
        // the page re-renders the list meanwhile: an item read mid-render is stale, read again
        .ignoreException(StaleElementReferenceException.class)
        .until(() -> !sidebarIds().contains(longThread));
    assertThat(sidebarIds()).hasSize(21).contains(kept);
    assertThat(page.findElement(By.id("thread-id")).getText()).isEmpty();
    assertThat(page.findElement(By.id("send-form")).isDisplayed()).isFalse();
    assertThat(page.findElements(By.cssSelector(".message"))).isEmpty();
    assertThat(api.send("GET", "/v1/threads/" + longThread, null, Map.of()).status())
        .isEqualTo(404);
  }

  private static String createThread(ApiClient api, String title) {
    ObjectNode body = ApiClient.JSON.createObjectNode().put("title", title);
    return api.send("POST", "/v1/threads", body, Map.of()).expect(201).json().path("id").asText();
  }

  /** {@code count} old runs of the thread, each with its question and answer, straight in SQL. */
  private static void insertAnsweredTurns(String thread, int count) throws SQLException {
    try (Connection connection = stack.database().connect();
        PreparedStatement runs =
            connection.prepareStatement(
                "insert into runs (id, thread_id, model, status, created_at, finished_at)"
                    + " select md5(?::text || g)::uuid, ?, 'm', 'completed', now(), now()"
                    + " from generate_series(1, ?) g order by g");
        PreparedStatement messages =
            connection.prepareStatement(
                "insert into messages (id, thread_id, role, content, run_id, created_at)"
                    + " select gen_random_uuid(), ?, r.role, case r.role when 'user'"
                    + " then 'old question ' else 'old answer ' end || g,"
                    + " md5(?::text || g)::uuid, now()"
                    + " from generate_series(1, ?) g,"
                    + " (values ('user', 0), ('assistant', 1)) r(role, n) order by g, r.n")) {
      runs.setString(1, thread);
      runs.setString(2, thread);
      runs.setInt(3, count);
      runs.executeUpdate();
      messages.setString(1, thread);
      messages.setString(2, thread);
      messages.setInt(3, count);
      messages.executeUpdate();
    }
  }

  private static List<String> sidebarIds() {
    return chromium.driver().findElements(By.cssSelector("#thread-list .thread")).stream()
        .map(item -> item.getDomAttribute("data-thread-id"))
        .toList();
  }

  private static List<String> userMessages() {
    return chromium.driver().findElements(By.cssSelector(".message.user")).stream()
        .map(ChatPageBrowserTest::textOf)
        .toList();
  }

  private static Alert confirmDialog() {
    return await("the confirm dialog")
        .atMost(ATTACH)
        .ignoreException(NoAlertPresentException.class)
        .until(() -> chromium.driver().switchTo().alert(), alert -> alert != null);
  }

  /** Clicks "New thread" and waits until the page follows its stream; the thread's id. */
  private static String newThread() {
    var page = chromium.driver();
    page.findElement(By.id("new-thread")).click();
    await("the page attached to the new thread's stream")
        .atMost(ATTACH)
        .until(
            () ->
                "live".equals(page.findElement(By.id("connection")).getDomAttribute("data-state")));
    String thread = page.findElement(By.id("thread-id")).getText();
    assertThat(thread).isNotBlank();
    return thread;
  }

  /** The pacing mock's chunk i >= 1 is " w<i>": how many chunks the reply on the page shows. */
  private static int chunksOn(WebElement reply) {
    return textOf(reply.findElement(By.cssSelector(".text"))).split(" w", -1).length - 1;
  }

  private static String textOf(WebElement element) {
    return (String) chromium.script("return arguments[0].textContent", element);
  }

  private static Path screenshots() {
    String configured = System.getProperty("threadline.screenshots");
    return configured != null
        ? Path.of(configured)
        : Repository.current().processLogs().resolveSibling("screenshots");
  }
}
