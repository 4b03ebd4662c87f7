package dev.threadline.functions.input;

import dev.threadline.functions.problem.InvalidRequestException;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import java.io.IOException;
import java.util.Optional;

/**
 * A request body read as a JSON object, field by field, so that every refusal names its field (a
 * wrong type is not silently coerced, unlike data binding).
 */
public final class JsonBody {

  private final JsonNode root;

  private JsonBody(JsonNode root) {
    this.root = root;
  }

  /** An absent or empty body reads as {@code {}}. */
  public static JsonBody parse(JsonMapper mapper, byte[] body) {
    if (body == null || body.length == 0) {
      return new JsonBody(JsonNode.createObjectNode(java.util.Map.of()));
    }
    JsonNode root;
    try {
      root = mapper.readValue(body, JsonNode.class);
    } catch (IOException | RuntimeException e) {
      throw new InvalidRequestException("body", "malformed JSON");
    }
    if (root == null || !root.isObject()) {
      throw new InvalidRequestException("body", "must be a JSON object");
    }
    return new JsonBody(root);
  }

  /**
   * The string value of {@code field}; empty when absent or null; 400 when of another type or when
   * it holds a control character other than tab, CR and LF ({@link Inputs#text}).
   */
  public Optional<String> optionalString(String field) {
    JsonNode value = root.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isString()) {
      throw new InvalidRequestException(field, "must be a string");
    }
    return Optional.of(Inputs.text(field, value.getStringValue()));
  }

  /** The boolean value of {@code field}; empty when absent or null; 400 when of another type. */
  public Optional<Boolean> optionalBoolean(String field) {
    JsonNode value = root.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isBoolean()) {
      throw new InvalidRequestException(field, "must be a boolean");
    }
    return Optional.of(value.getBooleanValue());
  }

  public String requiredString(String field) {
    return optionalString(field)
        .orElseThrow(() -> new InvalidRequestException(field, "is required"));
  }
}
