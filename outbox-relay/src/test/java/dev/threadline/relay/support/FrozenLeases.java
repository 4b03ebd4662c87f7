package dev.threadline.relay.support;

import dev.threadline.relay.store.ClaimedRun;
import dev.threadline.relay.store.LeaseRenewal;
import dev.threadline.relay.store.RunStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;

/**
 * The real PostgreSQL store of a relay whose process is paused, as far as its leases go: renewals
 * write nothing (the leases lapse, survivors take its runs), yet report every run as still held, as
 * a frozen process would never learn otherwise.
 */
public final class FrozenLeases {

  private FrozenLeases() {}

  public static RunStore store(RunFixtures fixtures) {
    RunStore real = fixtures.store();
    return (RunStore)
        Proxy.newProxyInstance(
            RunStore.class.getClassLoader(),
            new Class<?>[] {RunStore.class},
            (proxy, method, arguments) -> {
              if (method.getName().equals("renewLeases")) {
                @SuppressWarnings("unchecked")
                List<ClaimedRun> runs = (List<ClaimedRun>) arguments[1];
                return runs.stream()
                    .map(run -> new LeaseRenewal(run.runId(), run.epoch(), false))
                    .toList();
              }
              try {
                return method.invoke(real, arguments);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
