package dev.threadline.testsupport;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.ClusterInfo;
import io.nats.client.api.Replica;
import io.nats.client.api.StreamInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * A JetStream cluster of nats-servers on free ports of this machine, as production runs it (three
 * nodes, streams with three replicas), for tests that kill the node that leads a stream or the one
 * a client is connected to. Each node keeps its store across a restart.
 */
public final class PrivateNatsCluster implements AutoCloseable {

  private final List<PrivateNatsServer> nodes;

  private PrivateNatsCluster(List<PrivateNatsServer> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** Starts {@code size} clustered nodes and waits until JetStream answers through each of them. */
  public static PrivateNatsCluster start(int size) {
    String clusterName = "threadline-test-" + PrivateNatsServer.freePort();
    List<Integer> clusterPorts = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      clusterPorts.add(PrivateNatsServer.freePort());
    }
    List<String> routes =
        clusterPorts.stream().map(port -> "nats://127.0.0.1:" + port).collect(Collectors.toList());
    List<PrivateNatsServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        int port = PrivateNatsServer.freePort();
        PrivateNatsServer node =
            PrivateNatsServer.clusterNode(
                "n" + (i + 1) + "-" + port, port, clusterPorts.get(i), clusterName, routes);
        nodes.add(node);
        node.startProcess();
      }
      PrivateNatsCluster started = new PrivateNatsCluster(nodes);
      started.awaitJetStream(Duration.ofSeconds(60));
      return started;
    } catch (RuntimeException | AssertionError e) {
      closeNodes(nodes);
      throw e;
    }
  }

  /** Every node's client URL, comma-separated: what {@code NATS_URL} takes. */
  public String urls() {
    return nodes.stream().map(PrivateNatsServer::url).collect(Collectors.joining(","));
  }

  public List<PrivateNatsServer> nodes() {
    return nodes;
  }

  public PrivateNatsServer node(String name) {
    return nodes.stream()
        .filter(node -> node.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node " + name + " in " + names()));
  }

  /** The node that leads {@code stream} now (asked through any running node). */
  public PrivateNatsServer leaderOf(String stream) {
    return node(clusterInfo(stream).getLeader());
  }

  /**
   * Waits until {@code stream} has a leader and every replica is current: after a node's restart,
   * the node has caught up.
   */
  public void awaitStreamCurrent(String stream, Duration timeout) {
    Awaitility.await("stream " + stream + " led, every replica current")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> {
              ClusterInfo info = clusterInfo(stream);
              List<Replica> replicas = info.getReplicas();
              return info.getLeader() != null
                  && replicas != null
                  && replicas.size() == nodes.size() - 1
                  && replicas.stream().allMatch(r -> r.isCurrent() && !r.isOffline());
            });
  }

  private ClusterInfo clusterInfo(String stream) {
    try (Connection connection = connectToRunning()) {
      StreamInfo info = connection.jetStreamManagement().getStreamInfo(stream);
      return info.getClusterInfo();
    } catch (Exception e) {
      throw new IllegalStateException("reading the cluster info of stream " + stream, e);
    }
  }

  private void awaitJetStream(Duration timeout) {
    for (PrivateNatsServer node : nodes) {
      Awaitility.await("JetStream through " + node.name())
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(
              () -> {
                try (Connection connection = Nats.connect(options(node.url()))) {
                  JetStreamManagement jsm = connection.jetStreamManagement();
                  jsm.getAccountStatistics();
                  return true;
                }
              });
    }
  }

  private Connection connectToRunning() throws Exception {
    String running =
        nodes.stream()
            .filter(PrivateNatsServer::isRunning)
            .map(PrivateNatsServer::url)
            .collect(Collectors.joining(","));
    return Nats.connect(options(running));
  }

  private static Options options(String urls) {
    return Options.builder()
        .server(urls)
        .connectionTimeout(Duration.ofSeconds(2))
        .maxReconnects(0)
        .build();
  }

  private List<String> names() {
    return nodes.stream().map(PrivateNatsServer::name).toList();
  }

  private static void closeNodes(List<PrivateNatsServer> toClose) {
    for (PrivateNatsServer node : toClose) {
      node.close();
    }
  }

  @Override
  public void close() {
    closeNodes(nodes);
  }
}
