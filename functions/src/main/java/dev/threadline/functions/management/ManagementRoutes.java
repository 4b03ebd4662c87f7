package dev.threadline.functions.management;

import io.micronaut.context.ExecutionHandleLocator;
import io.micronaut.web.router.DefaultRouteBuilder;
import jakarta.inject.Singleton;

/**
 * {@code GET /prometheus} on the management port only. A route with an exposed port makes Micronaut
 * bind that port as a second listener serving just such routes, and leave the route off every other
 * port: the public port answers 404 for it. (Micronaut's {@code endpoints.all.port} would move
 * {@code /health} off the public port as well, where clients and load balancers probe it.)
 */
@Singleton
class ManagementRoutes extends DefaultRouteBuilder {

  ManagementRoutes(ExecutionHandleLocator locator, ManagementPort port, MetricsScrape metrics) {
    super(locator);
    if (port.enabled()) {
      GET("/prometheus", metrics, "scrape").exposedPort(port.value());
    }
  }
}
