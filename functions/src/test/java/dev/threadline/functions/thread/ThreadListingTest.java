package dev.threadline.functions.thread;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.store.ThreadListPosition;
import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.TestTokens;
import dev.threadline.protocol.ThreadId;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@MicronautTest
class ThreadListingTest extends ApiTestBase {

  private JsonNode getJson(String path, String token) {
    HttpResponse<String> response = api.get(path, token);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return read(response.body());
  }

  private static List<String> ids(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.get("threads").values().forEach(t -> ids.add(t.get("id").getStringValue()));
    return ids;
  }

  /** Every page of the owner's list, following nextCursor. */
  private List<String> allPages(String token, int limit) {
    List<String> ids = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page =
          getJson(
              "/v1/threads?limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor), token);
      assertThat(page.get("threads").size()).isLessThanOrEqualTo(limit);
      ids.addAll(ids(page));
      cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").getStringValue();
    } while (cursor != null);
    return ids;
  }

  private void setActivity(String threadId, String at) {
    execute(
        "update threads set updated_at = '" + at + "'::timestamptz where id = '" + threadId + "'");
  }

  @Test
  void theListShowsOnlyTheOwnersThreadsMostRecentlyActiveFirstWithTheirStatus() {
    String owner = uniqueId("lister");
    String token = TestTokens.forOwner(owner);
    String quiet = createThread(owner);
    String busy = createThread(owner);
    String other = createThread(uniqueId("someone-else"));
    setActivity(quiet, "2026-01-01T00:00:00Z");
    setActivity(busy, "2026-01-01T00:00:00Z");
    submit(owner, busy, "hello");

    JsonNode page = getJson("/v1/threads", token);

    assertThat(ids(page)).containsExactly(busy, quiet).doesNotContain(other);
    JsonNode first = page.get("threads").get(0);
    assertThat(first.get("status").getStringValue()).isEqualTo("in_progress");
    assertThat(Instant.parse(first.get("updatedAt").getStringValue()))
        .isAfter(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(page.get("threads").get(1).get("status").getStringValue()).isEqualTo("idle");
    assertThat(page.get("nextCursor").isNull()).isTrue();
  }

  @Test
  void aMessageAndARunEndingMoveAThreadToTheTop() {
    String owner = uniqueId("mover");
    String token = TestTokens.forOwner(owner);
    String a = createThread(owner);
    String b = createThread(owner);
    setActivity(a, "2026-01-01T00:00:00Z");
    setActivity(b, "2026-01-02T00:00:00Z");
    assertThat(ids(getJson("/v1/threads", token))).containsExactly(b, a);

    UUID run = submit(owner, a, "bump");
    assertThat(ids(getJson("/v1/threads", token))).containsExactly(a, b);

    setActivity(a, "2026-01-01T00:00:00Z");
    execute(
        "update runs set status = 'cancelled', finished_at = '2026-01-03T00:00:00Z' where id = '"
            + run
            + "'");
    assertThat(
            getJson("/v1/threads", token).get("threads").get(0).get("updatedAt").getStringValue())
        .isEqualTo("2026-01-03T00:00:00Z");
  }

  @Test
  void pagingVisitsEveryThreadOnceEvenWhenTimesTieAndNewThreadsArrive() {
    String owner = uniqueId("pager");
    String token = TestTokens.forOwner(owner);
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      String id = createThread(owner);
      // ties on the activity time: the id orders them
      setActivity(id, i < 4 ? "2026-01-01T00:00:00.000001Z" : "2026-01-02T00:00:00Z");
      created.add(id);
    }

    JsonNode first = getJson("/v1/threads?limit=3", token);
    createThread(owner); // newer than everything listed: it goes to the top, not into later pages
    List<String> seen = new ArrayList<>(ids(first));
    String cursor = first.get("nextCursor").getStringValue();
    while (cursor != null) {
      JsonNode page = getJson("/v1/threads?limit=3&cursor=" + cursor, token);
      seen.addAll(ids(page));
      cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").getStringValue();
    }

    assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(created);
    assertThat(seen.subList(0, 3)).allMatch(id -> created.indexOf(id) >= 4);
    assertThat(allPages(token, 100)).hasSize(8);
    assertThat(allPages(token, 1)).hasSize(8).doesNotHaveDuplicates();
  }

  @Test
  void theDefaultPageHoldsTwentyThreads() {
    String owner = uniqueId("many");
    for (int i = 0; i < 21; i++) {
      createThread(owner);
    }
    JsonNode page = getJson("/v1/threads", TestTokens.forOwner(owner));
    assertThat(page.get("threads").size()).isEqualTo(20);
    assertThat(page.get("nextCursor").isNull()).isFalse();
  }

  @Test
  void aBadLimitOrCursorIs400NamingIt() {
    String token = TestTokens.forOwner("alice");
    for (String limit : new String[] {"0", "101", "-1", "ten", "1.5"}) {
      assertProblem(api.get("/v1/threads?limit=" + limit, token), 400, "limit");
    }
    for (String cursor : new String[] {"nonsense!", "bTE6NQ", "dDE6eDp5", "AAAA"}) {
      assertProblem(api.get("/v1/threads?cursor=" + cursor, token), 400, "cursor");
    }
    assertProblem(api.get("/v1/threads", null), 401, null);
  }

  @Test
  void aLongThreadShowsItsNewestHundredMessagesAndPagesBackToTheFirst() {
    String owner = uniqueId("talker");
    String token = TestTokens.forOwner(owner);
    String thread = createThread(owner);
    UUID run = submit(owner, thread, "message 1");
    execute(
        "insert into messages (id, thread_id, role, content, run_id, created_at)"
            + " select gen_random_uuid(), '"
            + thread
            + "', 'user', 'message ' || g, '"
            + run
            + "', now() from generate_series(2, 250) g order by g");

    JsonNode view = getJson("/v1/threads/" + thread, token);
    assertThat(view.get("messages").size()).isEqualTo(100);
    assertThat(view.get("messages").get(0).get("content").getStringValue())
        .isEqualTo("message 151");
    assertThat(view.get("messages").get(99).get("content").getStringValue())
        .isEqualTo("message 250");

    List<String> older = new ArrayList<>();
    String cursor = view.get("olderCursor").getStringValue();
    List<String> pages = new ArrayList<>();
    while (cursor != null) {
      JsonNode page =
          getJson("/v1/threads/" + thread + "/messages?limit=40&before=" + cursor, token);
      List<String> contents = new ArrayList<>();
      page.get("messages").values().forEach(m -> contents.add(m.get("content").getStringValue()));
      older.addAll(0, contents);
      pages.add(contents.get(0));
      cursor = page.get("olderCursor").isNull() ? null : page.get("olderCursor").getStringValue();
    }
    assertThat(older).hasSize(150);
    assertThat(older.get(0)).isEqualTo("message 1");
    assertThat(older.get(149)).isEqualTo("message 150");
    assertThat(pages).containsExactly("message 111", "message 71", "message 31", "message 1");
  }

  @Test
  void aShortThreadHasNoOlderCursorAndPagingIsScopedToTheOwner() {
    String owner = uniqueId("brief");
    String thread = createThread(owner);
    submit(owner, thread, "only one");
    JsonNode view = getJson("/v1/threads/" + thread, TestTokens.forOwner(owner));
    assertThat(view.get("olderCursor").isNull()).isTrue();

    String cursor = PageCursors.messages(Long.MAX_VALUE);
    assertThat(
            getJson(
                    "/v1/threads/" + thread + "/messages?before=" + cursor,
                    TestTokens.forOwner(owner))
                .get("messages")
                .size())
        .isEqualTo(1);
    assertProblem(
        api.get(
            "/v1/threads/" + thread + "/messages?before=" + cursor,
            TestTokens.forOwner("intruder")),
        404,
        null);
  }

  @Test
  void aBadBeforeOrLimitOnMessagesIs400NamingIt() {
    String owner = uniqueId("strict");
    String token = TestTokens.forOwner(owner);
    String thread = createThread(owner);
    String path = "/v1/threads/" + thread + "/messages";
    assertProblem(api.get(path, token), 400, "before");
    assertProblem(api.get(path + "?before=xyz!", token), 400, "before");
    assertProblem(
        api.get(
            path
                + "?before="
                + PageCursors.threads(new ThreadListPosition(Instant.EPOCH, new ThreadId("x"))),
            token),
        400,
        "before");
    assertProblem(
        api.get(path + "?limit=101&before=" + PageCursors.messages(5), token), 400, "limit");
    assertProblem(api.get("/v1/threads/bad.id/messages?before=x", token), 400, "threadId");
  }
}
