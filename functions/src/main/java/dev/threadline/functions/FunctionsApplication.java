package dev.threadline.functions;

import io.micronaut.runtime.Micronaut;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeIn;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.security.SecurityScheme;

/** The HTTP API; its OpenAPI document is generated from the controllers at compile time. */
@OpenAPIDefinition(
    info =
        @Info(
            title = "threadline",
            version = "1",
            description =
                "Durable, resumable LLM chat runs. Errors are application/problem+json"
                    + " (type, title, status, detail)."),
    security = @SecurityRequirement(name = "bearer"))
@SecurityScheme(
    name = "bearer",
    type = SecuritySchemeType.HTTP,
    scheme = "bearer",
    bearerFormat = "JWT",
    description = "HS256 JWT signed with AUTH_JWT_SECRET; sub is the owner")
@SecurityScheme(
    name = "streamToken",
    type = SecuritySchemeType.APIKEY,
    in = SecuritySchemeIn.QUERY,
    paramName = "access_token",
    description =
        "A stream token from POST /v1/threads/{threadId}/stream-tokens: opens that thread's"
            + " stream only, for a few minutes. Never a bearer token: those are refused in a URL.")
public final class FunctionsApplication {
  private FunctionsApplication() {}

  public static void main(String[] args) {
    // no banner: the log carries one JSON object per line
    Micronaut.build(args).mainClass(FunctionsApplication.class).banner(false).start();
  }
}
