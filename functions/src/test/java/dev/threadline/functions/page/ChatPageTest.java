package dev.threadline.functions.page;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.ApiTestBase;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chat page at / is served without a token, from this origin only. */
@MicronautTest
class ChatPageTest extends ApiTestBase {

  @Test
  void thePageItsScriptAndStylesAreServedWithoutATokenUnderAStrictContentSecurityPolicy() {
    Map<String, String> types =
        Map.of("/", "text/html", "/chat.js", "text/javascript", "/chat.css", "text/css");
    types.forEach(
        (path, type) -> {
          HttpResponse<String> response = api.get(path, null);
          assertThat(response.statusCode()).as(path).isEqualTo(200);
          assertThat(response.headers().firstValue("Content-Type"))
              .as(path)
              .hasValueSatisfying(value -> assertThat(value).startsWith(type));
          assertThat(response.headers().firstValue("Content-Security-Policy"))
              .as(path)
              .hasValueSatisfying(
                  csp ->
                      assertThat(csp)
                          .contains(
                              "default-src 'none'", "script-src 'self'", "connect-src 'self'"));
          assertThat(response.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
          assertThat(response.body())
              .as(path + " loads nothing from other origins")
              .doesNotContain("http://", "https://", "//cdn");
        });
    assertThat(api.get("/", null).body()).contains("<script src=\"chat.js\"", "chat.css");
  }
}
