package dev.threadline.functions.thread;

import dev.threadline.functions.problem.InvalidRequestException;

/** A {@code limit} query parameter: absent means the default; outside 1..max is a 400. */
final class PageLimit {

  private PageLimit() {}

  static int parse(String field, String value, int defaultLimit, int max) {
    if (value == null || value.isEmpty()) {
      return defaultLimit;
    }
    try {
      int limit = Integer.parseInt(value);
      if (limit >= 1 && limit <= max) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // the same refusal as out of range
    }
    throw new InvalidRequestException(field, "must be an integer from 1 to " + max);
  }
}
