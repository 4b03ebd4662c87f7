package dev.threadline.functions.submit;

import dev.threadline.functions.input.Inputs;
import dev.threadline.functions.problem.InvalidRequestException;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Inject;
import java.util.List;

/**
 * The models a message may name ({@code THREADLINE_MODELS}, comma-separated; default: {@code
 * OPENAI_MODEL}), so a client cannot run up the bill of whatever models the API key reaches.
 * Validated at start-up.
 *
 * @param allowed the models, in the order configured
 * @param defaultModel the model of a message that names none ({@code OPENAI_MODEL}); one of them
 */
@Context
public record ModelCatalog(List<String> allowed, String defaultModel) {

  public ModelCatalog {
    allowed = List.copyOf(allowed);
    if (allowed.isEmpty()) {
      throw new IllegalStateException("THREADLINE_MODELS: names no model");
    }
    for (int i = 0; i < allowed.size(); i++) {
      String model = allowed.get(i);
      if (model.isEmpty()) {
        throw new IllegalStateException(
            "THREADLINE_MODELS: entry " + (i + 1) + " is empty (a stray comma?)");
      }
      if (!Inputs.MODEL.matcher(model).matches()) {
        throw new IllegalStateException(
            "THREADLINE_MODELS: entry "
                + (i + 1)
                + " '"
                + model
                + "' must match "
                + Inputs.MODEL.pattern()
                + " (no spaces; separate models with a comma only)");
      }
    }
    if (!allowed.contains(defaultModel)) {
      throw new IllegalStateException(
          "OPENAI_MODEL '"
              + defaultModel
              + "' (the model of a message that names none) is not in THREADLINE_MODELS "
              + allowed
              + ": add it there, or set OPENAI_MODEL to one of them");
    }
  }

  @Inject
  public ModelCatalog(
      @Nullable @Value("${threadline.models:}") String models,
      @Value("${openai.model}") String defaultModel) {
    this(
        models == null || models.isEmpty() ? List.of(defaultModel) : List.of(models.split(",", -1)),
        defaultModel);
  }

  /** The model a message asked for, or the default when it named none; 400 when not allowed. */
  public String resolve(@Nullable String requested) {
    if (requested == null) {
      return defaultModel;
    }
    if (!allowed.contains(requested)) {
      throw new InvalidRequestException(
          "model", "'" + requested + "' is not offered here; one of " + allowed);
    }
    return requested;
  }
}
