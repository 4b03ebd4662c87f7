package dev.threadline.functions.store;

import dev.threadline.functions.support.TestTokens;
import dev.threadline.testsupport.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.util.HashMap;
import java.util.Map;

/**
 * An application context without the HTTP server, on a test database: the store's adapters are
 * built on Micronaut Data repositories and transactions, which only a context provides.
 */
final class StoreContext {

  private StoreContext() {}

  /** Submits wake relays with NOTIFY in their transaction, as the store contract expects. */
  static ApplicationContext start(TestDatabase database) {
    Map<String, Object> properties = new HashMap<>(database.datasourceProperties());
    properties.put("auth.jwt.secret", TestTokens.SECRET);
    properties.put("threadline.submit.wake-up", "notify");
    properties.put("threadline.management-port", "-1");
    return ApplicationContext.run(properties);
  }
}
