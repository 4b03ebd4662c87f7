package dev.threadline.systemtests.deployment;

import static dev.threadline.systemtests.deployment.Yamls.at;
import static dev.threadline.systemtests.deployment.Yamls.list;
import static dev.threadline.systemtests.deployment.Yamls.map;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Kubernetes manifests in {@code local-stack/k8s/}, parsed, with the lookups the tests need.
 */
public final class Manifests {

  public static final String DIRECTORY = "local-stack/k8s";

  /** One Kubernetes object, from {@code file}. */
  public record Resource(String file, String kind, String name, Map<String, Object> document) {
    String where() {
      return file + " " + kind + "/" + name;
    }

    public Map<String, Object> podSpec() {
      String path =
          kind.equals("CronJob") ? "spec.jobTemplate.spec.template.spec" : "spec.template.spec";
      return Yamls.requiredMap(document, path, where());
    }

    public List<Container> containers() {
      List<Container> containers = new ArrayList<>();
      for (Object container : list(podSpec().get("containers"), where() + " containers")) {
        Map<String, Object> fields = map(container, where() + " container");
        containers.add(new Container(this, String.valueOf(fields.get("name")), fields));
      }
      return containers;
    }

    /** The only container; workloads here run one each. */
    public Container container() {
      List<Container> containers = containers();
      if (containers.size() != 1) {
        throw new AssertionError(where() + ": expected one container, found " + containers.size());
      }
      return containers.get(0);
    }
  }

  /** One {@code env} entry: a literal {@code value} or a {@code valueFrom} source. */
  public record EnvVar(String name, String value, Map<String, Object> valueFrom) {
    public boolean isLiteral() {
      return valueFrom == null;
    }

    public Optional<String> fieldRef() {
      return valueFrom == null
          ? Optional.empty()
          : at(valueFrom, "fieldRef.fieldPath").map(String::valueOf);
    }

    public boolean fromSecret() {
      return valueFrom != null && valueFrom.containsKey("secretKeyRef");
    }
  }

  /** An HTTP probe, its port resolved to a number. */
  public record Probe(String kind, String path, int port) {}

  public record Container(Resource owner, String name, Map<String, Object> fields) {
    String where() {
      return owner.where() + " container " + name;
    }

    public String image() {
      return Yamls.requiredString(fields, "image", where());
    }

    public List<EnvVar> env() {
      List<EnvVar> variables = new ArrayList<>();
      Object env = fields.get("env");
      if (env == null) {
        return variables;
      }
      for (Object entry : list(env, where() + " env")) {
        Map<String, Object> variable = map(entry, where() + " env");
        Object valueFrom = variable.get("valueFrom");
        variables.add(
            new EnvVar(
                String.valueOf(variable.get("name")),
                variable.containsKey("value") ? String.valueOf(variable.get("value")) : null,
                valueFrom == null ? null : map(valueFrom, where() + " valueFrom")));
      }
      return variables;
    }

    public Optional<EnvVar> envVar(String name) {
      return env().stream().filter(variable -> variable.name().equals(name)).findFirst();
    }

    /** Names of the ConfigMaps this container takes all its keys from ({@code envFrom}). */
    public List<String> envFromConfigMaps() {
      List<String> names = new ArrayList<>();
      Object envFrom = fields.get("envFrom");
      if (envFrom != null) {
        for (Object source : list(envFrom, where() + " envFrom")) {
          Map<String, Object> entry = map(source, where() + " envFrom");
          if (entry.containsKey("secretRef")) {
            throw new AssertionError(
                where()
                    + ": envFrom secretRef hides which variables are secret;"
                    + " name each one with secretKeyRef");
          }
          names.add(Yamls.requiredString(entry, "configMapRef.name", where() + " envFrom"));
        }
      }
      return names;
    }

    /**
     * Every variable the process sees, in the order Kubernetes applies them: ConfigMap keys ({@code
     * envFrom}) first, then {@code env} (which wins). Secret-sourced ones map to {@code
     * secret:<name>/<key>}, downward-API ones to {@code field:<path>}.
     */
    public Map<String, String> environment(Manifests manifests) {
      Map<String, String> environment = new LinkedHashMap<>();
      for (String configMap : envFromConfigMaps()) {
        environment.putAll(manifests.configMapData(configMap));
      }
      for (EnvVar variable : env()) {
        String value;
        if (variable.isLiteral()) {
          value = variable.value();
        } else if (variable.fromSecret()) {
          value =
              "secret:"
                  + at(variable.valueFrom(), "secretKeyRef.name").orElse("?")
                  + "/"
                  + at(variable.valueFrom(), "secretKeyRef.key").orElse("?");
        } else {
          value = "field:" + variable.fieldRef().orElse("?");
        }
        environment.put(variable.name(), value);
      }
      return environment;
    }

    public int containerPort(String portName) {
      for (Object port : list(fields.getOrDefault("ports", List.of()), where() + " ports")) {
        Map<String, Object> entry = map(port, where() + " port");
        if (portName.equals(String.valueOf(entry.get("name")))) {
          return ((Number) entry.get("containerPort")).intValue();
        }
      }
      throw new AssertionError(where() + ": no container port named " + portName);
    }

    public List<Integer> containerPorts() {
      List<Integer> ports = new ArrayList<>();
      for (Object port : list(fields.getOrDefault("ports", List.of()), where() + " ports")) {
        ports.add(((Number) map(port, where() + " port").get("containerPort")).intValue());
      }
      return ports;
    }

    /** {@code livenessProbe}, {@code readinessProbe} or {@code startupProbe}, if declared. */
    public Optional<Probe> probe(String kind) {
      Object probe = fields.get(kind);
      if (probe == null) {
        return Optional.empty();
      }
      Map<String, Object> httpGet =
          Yamls.requiredMap(map(probe, where() + " " + kind), "httpGet", where() + " " + kind);
      Object port = httpGet.get("port");
      int number =
          port instanceof Number value ? value.intValue() : containerPort(String.valueOf(port));
      return Optional.of(new Probe(kind, String.valueOf(httpGet.get("path")), number));
    }

    public Map<String, Object> resources() {
      return Yamls.requiredMap(fields, "resources", where());
    }
  }

  private final List<Resource> resources;

  private Manifests(List<Resource> resources) {
    this.resources = List.copyOf(resources);
  }

  /**
   * Every object of every {@code *.yaml} file in {@code local-stack/k8s/}, kustomization included.
   */
  public static Manifests load() {
    List<Resource> resources = new ArrayList<>();
    for (String file : yamlFiles()) {
      for (Map<String, Object> document : RepoFiles.yamlDocuments(file)) {
        String kind = String.valueOf(document.get("kind"));
        String name = at(document, "metadata.name").map(String::valueOf).orElse(file);
        resources.add(new Resource(file, kind, name, document));
      }
    }
    return new Manifests(resources);
  }

  /** {@code local-stack/k8s/<name>.yaml}, as repository-relative paths, sorted. */
  public static List<String> yamlFiles() {
    Path directory = RepoFiles.path(DIRECTORY);
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .map(file -> file.getFileName().toString())
          .filter(name -> name.endsWith(".yaml") || name.endsWith(".yml"))
          .sorted()
          .map(name -> DIRECTORY + "/" + name)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + directory, e);
    }
  }

  public List<Resource> all() {
    return resources;
  }

  public List<Resource> ofKind(String kind) {
    return resources.stream().filter(resource -> resource.kind().equals(kind)).toList();
  }

  public Resource get(String kind, String name) {
    return resources.stream()
        .filter(resource -> resource.kind().equals(kind) && resource.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    "no " + kind + "/" + name + " in " + DIRECTORY + ": " + summary()));
  }

  /**
   * Workloads (anything with a pod template) whose container image is {@code <repository>:<tag>}.
   */
  public List<Resource> runningImage(String imageRepository) {
    return resources.stream()
        .filter(resource -> at(resource.document(), "spec.template.spec.containers").isPresent())
        .filter(
            resource ->
                resource.containers().stream()
                    .anyMatch(
                        container -> imageRepository(container.image()).equals(imageRepository)))
        .toList();
  }

  public Map<String, String> configMapData(String name) {
    Resource configMap = get("ConfigMap", name);
    Map<String, String> data = new LinkedHashMap<>();
    at(configMap.document(), "data")
        .ifPresent(
            values ->
                map(values, configMap.where() + " data")
                    .forEach((key, value) -> data.put(key, String.valueOf(value))));
    return data;
  }

  /** {@code threadline/functions:0.1.0} → {@code threadline/functions}. */
  public static String imageRepository(String image) {
    int slash = image.lastIndexOf('/');
    int colon = image.indexOf(':', slash + 1);
    return colon < 0 ? image : image.substring(0, colon);
  }

  private List<String> summary() {
    return resources.stream().map(resource -> resource.kind() + "/" + resource.name()).toList();
  }
}
