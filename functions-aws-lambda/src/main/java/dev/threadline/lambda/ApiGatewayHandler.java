package dev.threadline.lambda;

import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.proxy.payload2.APIGatewayV2HTTPEventFunction;

/**
 * The AWS Lambda handler of functions' request/response endpoints, for an API Gateway HTTP API
 * (payload format 2.0): {@code dev.threadline.lambda.ApiGatewayHandler::handleRequest}. One
 * application context per Lambda instance, built on the first event (the cold start) and reused
 * while the instance is warm; configuration is the environment, as for {@code functions.jar}. The
 * SSE stream is not served here: see {@link StreamElsewhereFilter}.
 */
public class ApiGatewayHandler extends APIGatewayV2HTTPEventFunction {

  public ApiGatewayHandler() {
    super();
  }

  /** For tests: an already built context (its configuration given by the test). */
  public ApiGatewayHandler(io.micronaut.context.ApplicationContext context) {
    super(context);
  }

  @Override
  protected ApplicationContextBuilder newApplicationContextBuilder() {
    return super.newApplicationContextBuilder().banner(false);
  }
}
