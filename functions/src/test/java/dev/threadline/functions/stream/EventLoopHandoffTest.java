package dev.threadline.functions.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.http.sse.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/** Events handed to clients on their event loop: in order, batched, the completion last. */
class EventLoopHandoffTest {

  /** An event loop that runs its tasks when told. */
  private static final class ManualLoop implements java.util.concurrent.Executor {
    final List<Runnable> tasks = new ArrayList<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    void runAll() {
      while (!tasks.isEmpty()) {
        tasks.remove(0).run();
      }
    }
  }

  private record Client(ClientSink sink, List<String> received, AtomicReference<Boolean> done) {}

  private static Client client(EventLoopHandoff handoff, ManualLoop loop) {
    AtomicReference<FluxSink<Event<String>>> sink = new AtomicReference<>();
    List<String> received = new ArrayList<>();
    AtomicReference<Boolean> done = new AtomicReference<>(false);
    Flux.<Event<String>>create(sink::set)
        .subscribe(event -> received.add(event.getData()), e -> {}, () -> done.set(true));
    return new Client(handoff.sink(sink.get(), loop), received, done);
  }

  @Test
  void clientsOfOneLoopGetTheirEventsInOrderFromOneTaskOnThatLoop() {
    EventLoopHandoff handoff = new EventLoopHandoff();
    ManualLoop loop = new ManualLoop();
    List<Client> clients = List.of(client(handoff, loop), client(handoff, loop));

    for (String text : List.of("a", "b", "c")) {
      clients.forEach(client -> client.sink().next(Event.of(text)));
    }
    clients.get(0).sink().complete();

    assertThat(clients).allSatisfy(client -> assertThat(client.received()).isEmpty());
    assertThat(loop.tasks).as("one wake-up for every client of the loop").hasSize(1);
    loop.runAll();
    assertThat(clients)
        .allSatisfy(client -> assertThat(client.received()).containsExactly("a", "b", "c"));
    assertThat(clients.get(0).done()).hasValue(true);
    assertThat(clients.get(1).done()).hasValue(false);
  }

  @Test
  void whatComesAfterADrainWakesTheLoopAgain() {
    EventLoopHandoff handoff = new EventLoopHandoff();
    ManualLoop loop = new ManualLoop();
    Client client = client(handoff, loop);

    client.sink().next(Event.of("a"));
    loop.runAll();
    client.sink().next(Event.of("b"));
    client.sink().complete();
    loop.runAll();

    assertThat(client.received()).containsExactly("a", "b");
    assertThat(client.done()).hasValue(true);
  }

  @Test
  void withoutALoopEventsGoOutAtOnce() {
    EventLoopHandoff handoff = new EventLoopHandoff();
    AtomicReference<FluxSink<Event<String>>> sink = new AtomicReference<>();
    List<String> received = new ArrayList<>();
    Flux.<Event<String>>create(sink::set).subscribe(event -> received.add(event.getData()));

    handoff.sink(sink.get(), null).next(Event.of("now"));

    assertThat(received).containsExactly("now");
  }
}
