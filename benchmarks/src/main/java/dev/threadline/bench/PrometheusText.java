package dev.threadline.bench;

/** Reads a metric out of a /prometheus text page. */
final class PrometheusText {

  private PrometheusText() {}

  /**
   * The sum of the samples of metric {@code name} (exactly that name, not one it prefixes) whose
   * line contains {@code label} (any line if empty).
   */
  static double sum(String page, String name, String label) {
    double total = 0;
    for (String line : page.lines().toList()) {
      if (line.startsWith(name)
          && line.length() > name.length()
          && (line.charAt(name.length()) == ' ' || line.charAt(name.length()) == '{')
          && line.contains(label)) {
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }
}
