package dev.threadline.systemtests.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.systemtests.deployment.Manifests.Container;
import dev.threadline.systemtests.deployment.Manifests.EnvVar;
import dev.threadline.systemtests.deployment.Manifests.Probe;
import dev.threadline.systemtests.deployment.Manifests.Resource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * {@code local-stack/k8s/knative/}: functions as a Knative Service that scales to zero, in place of
 * the Deployment. Its container must be the Deployment's (image, environment, secrets by reference,
 * probes, resources), so the two cannot drift apart; and the kustomization must remove exactly the
 * objects the Knative Service replaces. Parsed, never applied: no cluster runs here.
 */
class KnativeServiceTest {

  static final String DIRECTORY = "local-stack/k8s/knative";
  static final String SERVICE_FILE = DIRECTORY + "/functions-service.yaml";

  private final Manifests manifests = Manifests.load();
  private final Resource knative = knativeService();
  private final Resource deployment =
      KubernetesManifestsTest.only(
          manifests.runningImage(KubernetesManifestsTest.FUNCTIONS_IMAGE), "functions workloads");

  @Test
  void theKnativeServiceScalesFunctionsToZeroOnAConcurrencyTarget() {
    Map<String, Object> annotations =
        Yamls.requiredMap(knative.document(), "spec.template.metadata.annotations", SERVICE_FILE);
    assertThat(annotations.get("autoscaling.knative.dev/min-scale"))
        .as("min-scale 0: scales to zero")
        .isEqualTo("0");
    assertThat(annotations.get("autoscaling.knative.dev/metric"))
        .as("scales on requests in flight (SSE streams), not CPU")
        .isEqualTo("concurrency");
    int target =
        Integer.parseInt(String.valueOf(annotations.get("autoscaling.knative.dev/target")));
    assertThat(target).as("concurrency target").isPositive();
    int maxScale =
        Integer.parseInt(String.valueOf(annotations.get("autoscaling.knative.dev/max-scale")));
    assertThat(maxScale).as("max-scale").isPositive();
    Object hardLimit =
        Yamls.at(knative.document(), "spec.template.spec.containerConcurrency").orElse(0);
    int containerConcurrency = ((Number) hardLimit).intValue();
    assertThat(containerConcurrency == 0 || containerConcurrency >= target)
        .as(
            "containerConcurrency "
                + containerConcurrency
                + " is none (0) or at least the target "
                + target
                + ": a lower hard limit would queue streams below the target")
        .isTrue();
  }

  @Test
  void aStreamOutlivesManyPingsBeforeKnativesRequestTimeoutEndsIt() {
    int timeoutSeconds =
        ((Number)
                Yamls.required(
                    knative.document(), "spec.template.spec.timeoutSeconds", SERVICE_FILE))
            .intValue();
    Duration ping =
        Duration.parse(
            "PT"
                + String.valueOf(
                        Yamls.required(
                            RepoFiles.yamlDocument("functions/src/main/resources/application.yml"),
                            "threadline.stream.ping-interval",
                            "functions application.yml"))
                    .toUpperCase());
    assertThat(Duration.ofSeconds(timeoutSeconds))
        .as("a request timeout of at least 10 minutes, far above the stream's ping " + ping)
        .isGreaterThanOrEqualTo(Duration.ofMinutes(10))
        .isGreaterThan(ping.multipliedBy(10));
  }

  @Test
  void theKnativeContainerIsTheDeploymentsContainer() {
    Container served = knative.container();
    Container deployed = deployment.container();
    assertThat(served.image()).as("image").isEqualTo(deployed.image());
    assertThat(served.environment(manifests))
        .as("the same environment, secrets by the same references")
        .isEqualTo(deployed.environment(manifests));
    for (EnvVar variable : served.env()) {
      if (KubernetesManifestsTest.SECRET_NAME.matcher(variable.name()).matches()) {
        assertThat(variable.fromSecret()).as(variable.name() + " from a Secret").isTrue();
      }
    }
    assertThat(served.resources()).as("resources").isEqualTo(deployed.resources());
    assertThat(served.fields().get("securityContext"))
        .as("container securityContext")
        .isEqualTo(deployed.fields().get("securityContext"));
    assertThat(knative.podSpec().get("securityContext"))
        .as("pod securityContext")
        .isEqualTo(deployment.podSpec().get("securityContext"));

    // Knative routes exactly one port: the Deployment's public one (its metrics port stays off
    // the Service there, and is not declared here)
    assertThat(served.containerPorts())
        .as("one serving port, the Deployment's public one")
        .containsExactly(deployed.containerPorts().get(0));
    assertThat(served.containerPort("http1"))
        .as("Knative's serving port is named by protocol: http1 (SSE is HTTP/1.1)")
        .isEqualTo(deployed.containerPorts().get(0));
    for (String kind : List.of("livenessProbe", "readinessProbe")) {
      Probe probe = served.probe(kind).orElseThrow(() -> new AssertionError("no " + kind));
      Probe expected = deployed.probe(kind).orElseThrow();
      assertThat(probe.path()).as(kind + " path").isEqualTo(expected.path());
      assertThat(probe.port()).as(kind + " port").isEqualTo(expected.port());
    }
  }

  @Test
  void theKustomizationReplacesExactlyTheDeploymentsObjectsWithTheKnativeService() {
    Map<String, Object> kustomization = RepoFiles.yamlDocument(DIRECTORY + "/kustomization.yaml");
    assertThat(Yamls.list(kustomization.get("resources"), "resources"))
        .as("the base manifests and the Knative Service")
        .containsExactlyInAnyOrder("../", "functions-service.yaml");

    List<String> deleted = new ArrayList<>();
    for (Object entry : Yamls.list(kustomization.get("patches"), "patches")) {
      Map<String, Object> patch =
          Yamls.map(
              new Yaml(new SafeConstructor(new LoaderOptions()))
                  .load(String.valueOf(Yamls.map(entry, "patch").get("patch"))),
              "patch");
      assertThat(patch.get("$patch")).as("each patch deletes").isEqualTo("delete");
      String kind = String.valueOf(patch.get("kind"));
      String name = Yamls.requiredString(patch, "metadata.name", "patch");
      Resource base = manifests.get(kind, name); // fails when the base has no such object
      assertThat(String.valueOf(patch.get("apiVersion")))
          .as(kind + "/" + name + " apiVersion")
          .isEqualTo(String.valueOf(base.document().get("apiVersion")));
      deleted.add(kind + "/" + name);
    }
    List<String> replaced = new ArrayList<>();
    for (Resource resource : manifests.all()) {
      if (resource.name().equals(deployment.name()) && !resource.kind().equals("Kustomization")) {
        replaced.add(resource.kind() + "/" + resource.name());
      }
    }
    assertThat(deleted)
        .as("every object of the functions Deployment's name, and nothing else, is deleted")
        .containsExactlyInAnyOrderElementsOf(replaced);
  }

  private static Resource knativeService() {
    List<Map<String, Object>> documents = RepoFiles.yamlDocuments(SERVICE_FILE);
    assertThat(documents).as(SERVICE_FILE + ": one object").hasSize(1);
    Map<String, Object> document = documents.get(0);
    assertThat(document.get("apiVersion")).as("apiVersion").isEqualTo("serving.knative.dev/v1");
    assertThat(document.get("kind")).as("kind").isEqualTo("Service");
    return new Resource(
        SERVICE_FILE,
        "Service",
        Yamls.requiredString(document, "metadata.name", SERVICE_FILE),
        document);
  }
}
