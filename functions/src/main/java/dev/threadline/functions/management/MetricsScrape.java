package dev.threadline.functions.management;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Executable;
import io.micronaut.http.HttpResponse;
import jakarta.inject.Singleton;

/** The Prometheus text of this instance's meters; routed by {@link ManagementRoutes}. */
@Singleton
class MetricsScrape {

  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry;

  MetricsScrape(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  @Executable
  HttpResponse<String> scrape() {
    return HttpResponse.ok(registry.scrape()).contentType(CONTENT_TYPE);
  }
}
