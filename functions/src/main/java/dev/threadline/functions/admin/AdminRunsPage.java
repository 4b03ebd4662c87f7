package dev.threadline.functions.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * {@code GET /v1/admin/runs}: the runs in {@code status}, oldest first, at most {@code limit}.
 * {@code ALWAYS}: Micronaut Serde's default inclusion is NON_EMPTY, which would drop {@code runs}
 * from an empty page ({@code {"status":"failed","limit":100}}); clients read {@code "runs": []}.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record AdminRunsPage(String status, int limit, List<AdminRunView> runs) {}
