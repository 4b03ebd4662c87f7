package dev.threadline.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The PNG charts of a run, drawn with XChart. */
final class Charts {

  private static final int WIDTH = 900;
  private static final int HEIGHT = 520;

  private final Path directory;
  private final List<String> written = new ArrayList<>();

  Charts(Path directory) {
    this.directory = directory;
  }

  List<String> written() {
    return written;
  }

  /**
   * Latency distributions as cumulative curves: x the latency (ms, log scale), y the share of
   * samples at or below it. Series with no samples are left out.
   */
  void distributions(String file, String title, Map<String, Histogram> series) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("latency (ms, log scale)")
            .yAxisTitle("percentile")
            .build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
    series.forEach(
        (name, histogram) -> {
          if (histogram.getTotalCount() == 0) {
            return;
          }
          List<Double> x = new ArrayList<>();
          List<Double> y = new ArrayList<>();
          for (HistogramIterationValue value : histogram.percentiles(5)) {
            x.add(Math.max(0.001, value.getValueIteratedTo() / 1000.0));
            y.add(value.getPercentileLevelIteratedTo());
          }
          chart.addSeries(name, x, y).setMarker(SeriesMarkers.NONE);
        });
    save(chart, file);
  }

  /** One line per series: x the offered load, y a figure measured at it. */
  void lines(
      String file,
      String title,
      String xTitle,
      String yTitle,
      Map<String, Map<Double, Double>> series) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    series.forEach(
        (name, points) -> {
          if (!points.isEmpty()) {
            chart.addSeries(
                name, new ArrayList<>(points.keySet()), new ArrayList<>(points.values()));
          }
        });
    save(chart, file);
  }

  /** Bars: one group per category, one bar per series. */
  void bars(
      String file,
      String title,
      String yTitle,
      List<String> categories,
      Map<String, List<Double>> series) {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .yAxisTitle(yTitle)
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    new LinkedHashMap<>(series)
        .forEach((name, values) -> chart.addSeries(name, categories, values));
    save(chart, file);
  }

  private void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, String file) {
    try {
      BitmapEncoder.saveBitmap(
          chart, directory.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
      written.add(file + ".png");
    } catch (IOException e) {
      throw new UncheckedIOException("writing chart " + file, e);
    } catch (RuntimeException e) {
      System.err.println("chart " + file + " not drawn: " + e);
    }
  }
}
