package dev.threadline.functions.page;

import io.micronaut.core.io.ResourceResolver;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Hidden;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The chat page at {@code /}: plain HTML, one script, one style sheet, from {@code
 * classpath:chat/}. No token is needed for the page itself; its script calls the API with the
 * bearer token the user gives it. The Content-Security-Policy allows only this origin (no inline
 * script, no CDN), and no Referer leaves the page, so a stream token in a URL goes nowhere else.
 */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
@Hidden
class ChatPageController {

  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
          + " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final byte[] html;
  private final byte[] script;
  private final byte[] styles;

  ChatPageController(ResourceResolver resources) {
    this.html = load(resources, "chat/index.html");
    this.script = load(resources, "chat/chat.js");
    this.styles = load(resources, "chat/chat.css");
  }

  @Get(produces = MediaType.TEXT_HTML)
  HttpResponse<byte[]> page() {
    return serve(html, MediaType.TEXT_HTML + ";charset=utf-8");
  }

  @Get(value = "/chat.js", produces = "text/javascript")
  HttpResponse<byte[]> script() {
    return serve(script, "text/javascript;charset=utf-8");
  }

  @Get(value = "/chat.css", produces = "text/css")
  HttpResponse<byte[]> styles() {
    return serve(styles, "text/css;charset=utf-8");
  }

  private static MutableHttpResponse<byte[]> serve(byte[] body, String contentType) {
    return HttpResponse.ok(body)
        .contentType(contentType)
        .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .header("Referrer-Policy", "no-referrer")
        .header("X-Content-Type-Options", "nosniff")
        .header(HttpHeaders.CACHE_CONTROL, "no-cache");
  }

  private static byte[] load(ResourceResolver resources, String path) {
    try (InputStream in =
        resources
            .getResourceAsStream("classpath:" + path)
            .orElseThrow(() -> new IllegalStateException(path + " is missing from the jar"))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + path, e);
    }
  }
}
