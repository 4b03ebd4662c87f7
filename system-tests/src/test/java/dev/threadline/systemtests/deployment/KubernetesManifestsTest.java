package dev.threadline.systemtests.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.protocol.ReplyStreamDefinition;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.systemtests.deployment.Manifests.Container;
import dev.threadline.systemtests.deployment.Manifests.EnvVar;
import dev.threadline.systemtests.deployment.Manifests.Probe;
import dev.threadline.systemtests.deployment.Manifests.Resource;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The manifests in {@code local-stack/k8s/} against the code they deploy: the relay's stable
 * identity, probes on paths and ports the apps serve, secrets only by reference, a grace period
 * that covers the relay's stop, and the reply stream exactly as {@link ReplyStreamDefinition}.
 * Parsed, never applied: no cluster runs here.
 */
class KubernetesManifestsTest {

  static final String FUNCTIONS_IMAGE = "threadline/functions";
  static final String RELAY_IMAGE = "threadline/outbox-relay";
  static final String MIGRATIONS_IMAGE = "threadline/migrations";

  /** Variables whose value is a credential: from a Secret, never written into a manifest. */
  static final Pattern SECRET_NAME =
      Pattern.compile(".*(SECRET|PASSWORD|API_KEY|TOKEN|CREDENTIAL).*");

  /** The replicas of the reply stream on the 3-node JetStream cluster the manifests assume. */
  static final int STREAM_REPLICAS = 3;

  private final Manifests manifests = Manifests.load();

  static Resource only(List<Resource> resources, String what) {
    assertThat(resources).as(what).hasSize(1);
    return resources.get(0);
  }

  Resource relay() {
    return only(manifests.runningImage(RELAY_IMAGE), "workloads running " + RELAY_IMAGE);
  }

  Resource functions() {
    return only(manifests.runningImage(FUNCTIONS_IMAGE), "workloads running " + FUNCTIONS_IMAGE);
  }

  @Test
  void theRelayIsAStatefulSetWhoseExecutorIdIsItsPodNameFromTheDownwardApi() {
    Resource relay = relay();
    assertThat(relay.kind())
        .as("a relay needs a name that survives its restart")
        .isEqualTo("StatefulSet");
    Container container = relay.container();
    List<EnvVar> env = container.env();

    EnvVar podName =
        container.envVar("POD_NAME").orElseThrow(() -> new AssertionError("relay: no POD_NAME"));
    assertThat(podName.fieldRef()).as("POD_NAME from the downward API").hasValue("metadata.name");
    EnvVar executorId =
        container
            .envVar("EXECUTOR_ID")
            .orElseThrow(() -> new AssertionError("relay: no EXECUTOR_ID"));
    assertThat(executorId.value())
        .as("EXECUTOR_ID derived from the pod name")
        .isEqualTo("$(POD_NAME)");
    assertThat(env.indexOf(podName))
        .as(
            "POD_NAME is defined before EXECUTOR_ID (a $(VAR) reference only sees variables above it)")
        .isLessThan(env.indexOf(executorId));
    assertThat(container.environment(manifests).get("MICRONAUT_ENVIRONMENTS"))
        .as("prod: the relay refuses to start without a stable id")
        .isNotNull()
        .satisfies(value -> assertThat(List.of(value.split(","))).contains("prod"));

    String serviceName =
        Yamls.requiredString(relay.document(), "spec.serviceName", "relay StatefulSet");
    Resource service = manifests.get("Service", serviceName);
    assertThat(Yamls.at(service.document(), "spec.clusterIP"))
        .as("the StatefulSet's governing Service is headless")
        .hasValue("None");
    assertThat(manifests.ofKind("Deployment"))
        .as("no Deployment runs the relay (random pod names)")
        .noneMatch(
            resource ->
                resource.containers().stream()
                    .anyMatch(c -> Manifests.imageRepository(c.image()).equals(RELAY_IMAGE)));
  }

  @Test
  void probesPointAtHealthPathsAndPortsTheAppsServe() {
    checkProbes(functions(), AppConfig.of("functions"));
    checkProbes(relay(), AppConfig.of("outbox-relay"));
  }

  private void checkProbes(Resource workload, AppConfig app) {
    Container container = workload.container();
    Map<String, String> environment = container.environment(manifests);
    int listening =
        environment.containsKey("MICRONAUT_SERVER_PORT")
            ? Integer.parseInt(environment.get("MICRONAUT_SERVER_PORT"))
            : app.serverPort();
    assertThat(listening)
        .as(workload.name() + ": the port the app listens on is its default")
        .isEqualTo(app.serverPort());
    assertThat(container.containerPorts())
        .as(workload.name() + " containerPort")
        .containsExactlyElementsOf(
            app.managementPort().map(port -> List.of(listening, port)).orElse(List.of(listening)));

    Set<String> served = app.anonymousHealthPaths();
    assertThat(served).as(app.module() + " serves an anonymous health endpoint").isNotEmpty();
    Probe liveness =
        container
            .probe("livenessProbe")
            .orElseThrow(() -> new AssertionError(workload.name() + ": no livenessProbe"));
    Probe readiness =
        container
            .probe("readinessProbe")
            .orElseThrow(() -> new AssertionError(workload.name() + ": no readinessProbe"));
    // liveness checks no dependency: a PostgreSQL or NATS outage must not restart every pod
    assertThat(liveness.path())
        .as(workload.name() + " livenessProbe path")
        .isEqualTo("/health/liveness");
    assertThat(readiness.path())
        .as(workload.name() + " readinessProbe path")
        .isEqualTo("/health/readiness");
    List<Probe> probes = new ArrayList<>(List.of(liveness, readiness));
    container.probe("startupProbe").ifPresent(probes::add);
    for (Probe probe : probes) {
      assertThat(served)
          .as(workload.name() + " " + probe.kind() + " path served by " + app.module())
          .contains(probe.path());
      assertThat(probe.port())
          .as(workload.name() + " " + probe.kind() + " port")
          .isEqualTo(listening);
    }
  }

  @Test
  void prometheusScrapesFunctionsOnTheirManagementPortWhichNoServiceExposes() {
    Resource functions = functions();
    AppConfig app = AppConfig.of("functions");
    int management =
        Integer.parseInt(
            functions
                .container()
                .environment(manifests)
                .getOrDefault(
                    "THREADLINE_MANAGEMENT_PORT",
                    String.valueOf(
                        app.managementPort()
                            .orElseThrow(
                                () -> new AssertionError("functions: no management port")))));
    assertThat(management).as("functions' management port").isNotEqualTo(app.serverPort());
    assertThat(annotation(functions, "prometheus.io/port")).isEqualTo(String.valueOf(management));
    assertThat(annotation(functions, "prometheus.io/path")).isEqualTo("/prometheus");
    assertThat(functions.container().containerPorts()).contains(management);
    for (Resource service : manifests.ofKind("Service")) {
      for (Object port :
          Yamls.list(
              Yamls.required(service.document(), "spec.ports", service.name()), service.name())) {
        Object target = Yamls.map(port, service.name()).get("targetPort");
        assertThat(String.valueOf(target))
            .as("Service " + service.name() + " must not expose the metrics port")
            .isNotIn(String.valueOf(management), "management");
      }
    }
    Resource relay = relay();
    assertThat(annotation(relay, "prometheus.io/port"))
        .as("the relay serves /prometheus on its own port")
        .isEqualTo(String.valueOf(AppConfig.of("outbox-relay").serverPort()));
  }

  private static String annotation(Resource workload, String name) {
    Object annotations =
        Yamls.required(workload.document(), "spec.template.metadata.annotations", workload.name());
    return String.valueOf(Yamls.map(annotations, workload.name()).get(name));
  }

  @Test
  void servicesTargetTheContainersPorts() {
    for (Resource service : manifests.ofKind("Service")) {
      Map<String, Object> selector =
          Yamls.requiredMap(service.document(), "spec.selector", service.name());
      Resource workload =
          manifests.all().stream()
              .filter(
                  resource ->
                      Yamls.at(resource.document(), "spec.template.metadata.labels")
                          .map(
                              labels ->
                                  Yamls.map(labels, resource.name())
                                      .entrySet()
                                      .containsAll(selector.entrySet()))
                          .orElse(false))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError("Service " + service.name() + " selects no workload"));
      for (Object port :
          Yamls.list(
              Yamls.required(service.document(), "spec.ports", service.name()), service.name())) {
        Object target = Yamls.map(port, service.name()).get("targetPort");
        int resolved =
            target instanceof Number number
                ? number.intValue()
                : workload.container().containerPort(String.valueOf(target));
        assertThat(workload.container().containerPorts())
            .as("Service " + service.name() + " targetPort")
            .contains(resolved);
      }
    }
  }

  @Test
  void credentialsComeFromSecretKeyRefsAndAreNeverWrittenIntoAManifest() {
    for (Resource workload : workloads()) {
      for (Container container : workload.containers()) {
        for (EnvVar variable : container.env()) {
          if (SECRET_NAME.matcher(variable.name()).matches()) {
            assertThat(variable.fromSecret())
                .as(
                    workload.name()
                        + ": "
                        + variable.name()
                        + " must come from a Secret (secretKeyRef), not a literal value")
                .isTrue();
          }
        }
        for (String configMap : container.envFromConfigMaps()) {
          assertThat(manifests.configMapData(configMap).keySet())
              .as("ConfigMap " + configMap + " holds no credential")
              .noneMatch(key -> SECRET_NAME.matcher(key).matches());
        }
      }
    }
    assertThat(manifests.ofKind("Secret"))
        .as("no Secret with values is checked in (README: kubectl create secret)")
        .allMatch(
            secret ->
                !secret.document().containsKey("data")
                    && !secret.document().containsKey("stringData"));

    assertThat(secretVariables(functions()))
        .contains("AUTH_JWT_SECRET", "DATASOURCES_DEFAULT_PASSWORD");
    assertThat(secretVariables(relay())).contains("OPENAI_API_KEY", "DATASOURCES_DEFAULT_PASSWORD");
    assertThat(secretVariables(only(manifests.runningImage(MIGRATIONS_IMAGE), "migrations")))
        .contains("DATASOURCES_DEFAULT_PASSWORD");
  }

  private static List<String> secretVariables(Resource workload) {
    return workload.container().env().stream()
        .filter(EnvVar::fromSecret)
        .map(EnvVar::name)
        .toList();
  }

  @Test
  void theRelaysTerminationGracePeriodCoversItsShutdownBudget() {
    Resource relay = relay();
    String grace = relay.container().environment(manifests).get("THREADLINE_RELAY_SHUTDOWN_GRACE");
    assertThat(grace)
        .as(
            "set THREADLINE_RELAY_SHUTDOWN_GRACE explicitly, so the grace period can be checked against it")
        .isNotBlank();
    Duration budget = RelayShutdownBudget.forShutdownGrace(RelayShutdownBudget.parse(grace));
    Object period =
        Yamls.required(relay.podSpec(), "terminationGracePeriodSeconds", "relay pod spec");
    long seconds = ((Number) period).longValue();
    System.out.printf(
        "relay: terminationGracePeriodSeconds %d, shutdown budget %s%n", seconds, budget);
    assertThat(seconds).as("terminationGracePeriodSeconds").isGreaterThanOrEqualTo(30);
    assertThat(Duration.ofSeconds(seconds))
        .as("terminationGracePeriodSeconds vs the relay's stop")
        .isGreaterThanOrEqualTo(budget);
  }

  @Test
  void theJetStreamStreamDefinitionsAreTheProtocolsReplyStreamWithThreeReplicas() throws Exception {
    StreamConfiguration expected =
        ReplyStreamDefinition.configuration(ReplyStreamNames.DEFAULT, STREAM_REPLICAS);

    // `nats stream add --config jetstream-stream.json`: the JSON is the JetStream API's own form
    StreamConfiguration fromJson =
        StreamConfiguration.instance(
            RepoFiles.read(Manifests.DIRECTORY + "/jetstream-stream.json"));
    assertThat(fromJson.toJson()).as("jetstream-stream.json").isEqualTo(expected.toJson());

    Resource stream = only(manifests.ofKind("Stream"), "NACK Stream resources");
    assertThat(Yamls.requiredString(stream.document(), "apiVersion", "Stream"))
        .isEqualTo("jetstream.nats.io/v1beta2");
    Map<String, Object> spec = Yamls.requiredMap(stream.document(), "spec", "Stream");
    assertThat(spec.get("name")).as("stream name").isEqualTo(expected.getName());
    assertThat(spec.get("subjects")).as("subjects").isEqualTo(expected.getSubjects());
    assertThat(spec.get("storage")).as("storage").isEqualTo(expected.getStorageType().toString());
    assertThat(spec.get("retention"))
        .as("retention")
        .isEqualTo(expected.getRetentionPolicy().toString());
    assertThat(spec.get("discard")).as("discard").isEqualTo(expected.getDiscardPolicy().toString());
    assertThat(spec.get("replicas")).as("replicas").isEqualTo(expected.getReplicas());
    assertThat(goDuration(String.valueOf(spec.get("maxAge"))))
        .as("maxAge")
        .isEqualTo(ReplyStreamDefinition.MAX_AGE);
    assertThat(goDuration(String.valueOf(spec.get("duplicateWindow"))))
        .as("duplicateWindow")
        .isEqualTo(ReplyStreamDefinition.DUPLICATE_WINDOW);

    // the processes ensure the stream at start with what they are told: the same stream, same
    // replicas
    for (Resource workload : List.of(functions(), relay())) {
      Map<String, String> environment = workload.container().environment(manifests);
      assertThat(environment.get("THREADLINE_REPLIES_STREAM"))
          .as(workload.name())
          .isEqualTo(ReplyStreamNames.DEFAULT.stream());
      assertThat(environment.get("THREADLINE_REPLIES_SUBJECT_PREFIX"))
          .as(workload.name())
          .isEqualTo(ReplyStreamNames.DEFAULT.subjectPrefix());
      assertThat(environment.get("THREADLINE_REPLIES_REPLICAS"))
          .as(
              workload.name()
                  + ": a process ensuring the stream with other replicas would resize it")
          .isEqualTo(String.valueOf(STREAM_REPLICAS));
    }
  }

  /**
   * Go's duration syntax as NACK reads it, for the units used here: {@code 24h}, {@code 2m}, {@code
   * 1h30m}.
   */
  static Duration goDuration(String value) {
    var matcher = Pattern.compile("(\\d+)(h|m|s|ms)").matcher(value);
    Duration total = Duration.ZERO;
    int end = 0;
    while (matcher.find()) {
      assertThat(matcher.start()).as("Go duration " + value).isEqualTo(end);
      long amount = Long.parseLong(matcher.group(1));
      total =
          total.plus(
              switch (matcher.group(2)) {
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMillis(amount);
              });
      end = matcher.end();
    }
    assertThat(end).as("Go duration " + value).isEqualTo(value.length()).isPositive();
    return total;
  }

  @Test
  void functionsScaleWithAnAutoscalerThatOwnsTheReplicaCount() {
    Resource functions = functions();
    assertThat(functions.kind()).isEqualTo("Deployment");
    assertThat(Yamls.at(functions.document(), "spec.replicas"))
        .as("no spec.replicas: each apply would reset what the autoscaler chose")
        .isEmpty();
    Resource autoscaler = only(manifests.ofKind("HorizontalPodAutoscaler"), "autoscalers");
    assertThat(autoscaler.document().get("apiVersion")).isEqualTo("autoscaling/v2");
    assertThat(Yamls.at(autoscaler.document(), "spec.scaleTargetRef.kind")).hasValue("Deployment");
    assertThat(Yamls.at(autoscaler.document(), "spec.scaleTargetRef.name"))
        .hasValue(functions.name());
    int min =
        ((Number) Yamls.required(autoscaler.document(), "spec.minReplicas", "HPA")).intValue();
    assertThat(min)
        .as("at least two functions: one may restart while the other serves")
        .isGreaterThanOrEqualTo(2);
    // CPU utilisation is a share of the request: without one the autoscaler cannot compute it
    assertThat(Yamls.at(functions.container().resources(), "requests.cpu")).isPresent();
  }

  @Test
  void everyWorkloadRunsOurImagesAsANonRootUserWithResourceRequestsAndLimits() {
    assertThat(manifests.runningImage(MIGRATIONS_IMAGE))
        .as("the migrations Job")
        .singleElement()
        .satisfies(job -> assertThat(job.kind()).isEqualTo("Job"));
    for (Resource workload : workloads()) {
      assertThat(Yamls.at(workload.podSpec(), "securityContext.runAsNonRoot"))
          .as(workload.name())
          .hasValue(true);
      for (Container container : workload.containers()) {
        assertThat(Manifests.imageRepository(container.image()))
            .as(workload.name() + " image")
            .isIn(FUNCTIONS_IMAGE, RELAY_IMAGE, MIGRATIONS_IMAGE);
        Map<String, Object> resources = container.resources();
        for (String path : List.of("requests.cpu", "requests.memory", "limits.memory")) {
          assertThat(Yamls.at(resources, path))
              .as(workload.name() + " resources." + path)
              .isPresent();
        }
      }
    }
  }

  @Test
  void theKustomizationListsEveryManifestExceptTheOptionalNackStream() {
    Map<String, Object> kustomization =
        RepoFiles.yamlDocument(Manifests.DIRECTORY + "/kustomization.yaml");
    List<Object> listed = Yamls.list(kustomization.get("resources"), "kustomization resources");
    List<String> expected =
        Manifests.yamlFiles().stream()
            .map(file -> file.substring(Manifests.DIRECTORY.length() + 1))
            .filter(
                file -> !file.equals("kustomization.yaml") && !file.equals("jetstream-stream.yaml"))
            .toList();
    assertThat(listed)
        .as("kustomization.yaml resources")
        .containsExactlyInAnyOrderElementsOf(expected);
    // the image names kustomize retags are the ones the workloads use
    List<Object> images = Yamls.list(kustomization.get("images"), "kustomization images");
    assertThat(images.stream().map(image -> Yamls.map(image, "image").get("name")).toList())
        .containsExactlyInAnyOrder(FUNCTIONS_IMAGE, RELAY_IMAGE, MIGRATIONS_IMAGE);
  }

  private List<Resource> workloads() {
    return manifests.all().stream()
        .filter(
            resource -> Yamls.at(resource.document(), "spec.template.spec.containers").isPresent())
        .toList();
  }
}
