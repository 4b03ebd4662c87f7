package dev.threadline.relay.support;

import dev.threadline.relay.store.RunStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The real PostgreSQL store, with faults armed by a test: the next call of a method throws the
 * given throwable once, then the store behaves again.
 */
public final class FaultyRunStore {

  private final Map<String, Supplier<? extends Throwable>> armed = new ConcurrentHashMap<>();
  private final RunStore store;

  public FaultyRunStore(RunFixtures fixtures) {
    RunStore real = fixtures.store();
    InvocationHandler handler =
        (proxy, method, arguments) -> {
          Supplier<? extends Throwable> fault = armed.remove(method.getName());
          if (fault != null) {
            throw fault.get();
          }
          try {
            return method.invoke(real, arguments);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        };
    this.store =
        (RunStore)
            Proxy.newProxyInstance(
                RunStore.class.getClassLoader(), new Class<?>[] {RunStore.class}, handler);
  }

  public RunStore store() {
    return store;
  }

  /** The next call of {@code method} throws what {@code fault} makes. */
  public void failNext(String method, Supplier<? extends Throwable> fault) {
    armed.put(method, fault);
  }
}
