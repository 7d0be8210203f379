package org.hallufloor.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.spark.sql.Row;
import org.hallufloor.bound.OptimisedBound;
import org.hallufloor.estimate.Distribution;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The run's four charts, from its own table rows. Quantities that span hundreds of orders of
 * magnitude (k, the bound) are drawn as their log10 columns on linear axes, so nothing
 * underflows; counts (evidence, contexts) use logarithmic axes.
 */
final class Charts {
  static final List<String> DISTRIBUTIONS = java.util.Arrays.stream(Distribution.values())
      .map(Distribution::tableName).toList();
  private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
      new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);

  private Charts() {}

  /**
   * (a) The seed's Figure 1: the optimised bound against k (log axis), every slice and context
   * length placed on it for each distribution (filled), and its empirical bound at the same k
   * (hollow). k below {@link #MIN_LOG10_K} (the uniform distribution over all N_V^c contexts)
   * sits at the 1/2 ceiling far to the left; those points are counted in the subtitle.
   */
  static JFreeChart boundAgainstK(List<Row> bounds, List<Row> fitted) {
    List<Row> rows = java.util.stream.Stream.concat(bounds.stream(), fitted.stream())
        .filter(r -> finite(r, "log10_k") && finite(r, "bound")).toList();
    if (rows.isEmpty()) {
      return null;
    }
    double hi = rows.stream().mapToDouble(r -> r.<Double>getAs("log10_k")).max().orElse(1) + 0.5;
    double lo = Math.max(MIN_LOG10_K, rows.stream().mapToDouble(r -> r.<Double>getAs("log10_k")).min().orElse(0) - 0.5);
    hi = Math.max(hi, lo + 1);
    long offChart = rows.stream().filter(r -> r.<Double>getAs("log10_k") < lo).count();
    XYSeriesCollection data = new XYSeriesCollection();
    XYSeries curve = new XYSeries("optimised bound", false);
    for (int i = 0; i <= 400; i++) {
      double x = lo + (hi - lo) * i / 400;
      curve.add(Math.pow(10, x), OptimisedBound.ofLog10K(x).bound());
    }
    data.addSeries(curve);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
    renderer.setSeriesPaint(0, Color.DARK_GRAY);
    renderer.setSeriesShapesVisible(0, false);
    renderer.setSeriesStroke(0, new BasicStroke(2f));
    int series = 1;
    int colour = 0;
    for (String distribution : DISTRIBUTIONS) {
      XYSeries onCurve = new XYSeries(distribution, false);
      XYSeries empirical = new XYSeries(distribution + ", empirical", false);
      for (Row r : rows) {
        if (distribution.equals(r.getAs("distribution")) && r.<Double>getAs("log10_k") >= lo) {
          double k = Math.pow(10, r.<Double>getAs("log10_k"));
          onCurve.add(k, r.<Double>getAs("bound"));
          if (finite(r, "empirical_bound")) {
            empirical.add(k, r.<Double>getAs("empirical_bound"));
          }
        }
      }
      if (onCurve.isEmpty()) {
        continue;
      }
      Paint paint = PALETTE[colour++ % PALETTE.length];
      data.addSeries(onCurve);
      points(renderer, series++, paint, true);
      if (!empirical.isEmpty()) {
        data.addSeries(empirical);
        points(renderer, series++, paint, false);
      }
    }
    XYSeries atFit = new XYSeries("occurrence at the fitted scale a*", false);
    for (Row r : fitted) {
      if (finite(r, "log10_k") && finite(r, "bound") && r.<Double>getAs("log10_k") >= lo) {
        atFit.add(Math.pow(10, r.<Double>getAs("log10_k")), r.<Double>getAs("bound"));
      }
    }
    if (!atFit.isEmpty()) {
      data.addSeries(atFit);
      points(renderer, series, Color.BLACK, true);
      renderer.setSeriesShape(series++, new java.awt.geom.Path2D.Double(new java.awt.Polygon(new int[] {0, 5, 0, -5},
          new int[] {-5, 0, 5, 0}, 4)));
    }
    LogAxis x = new LogAxis("k  (effective evidence per context, THEORY 2)");
    x.setBase(10);
    x.setRange(Math.pow(10, lo), Math.pow(10, hi));
    NumberAxis y = new NumberAxis("lower bound on the hallucination rate");
    y.setRange(0, 0.52);
    JFreeChart chart = chart("Optimised bound against k, every slice and context length", new XYPlot(data, x, y, renderer));
    if (offChart > 0) {
      chart.addSubtitle(new TextTitle(offChart + " point(s) with k < 10^" + (int) MIN_LOG10_K
          + " (bound 1/2) lie off the left edge"));
    }
    return chart;
  }

  private static final double MIN_LOG10_K = -3;

  /** (b) f(eps0) of the whole corpus per context length, real (solid) against Markov's lower bound (dashed). */
  static JFreeChart fCurve(List<Row> fRows, String distribution) {
    Map<Integer, XYSeries[]> byLength = new TreeMap<>();
    for (Row r : fRows) {
      if ("all".equals(r.getAs("slice_dim")) && distribution.equals(r.getAs("distribution"))
          && r.<Double>getAs("eps0") > 0) {
        int c = r.getAs("context_len");
        XYSeries[] s = byLength.computeIfAbsent(c, k -> new XYSeries[] {new XYSeries("c = " + k + ", f", true),
            new XYSeries("c = " + k + ", Markov lower", true)});
        if (finite(r, "f")) {
          s[0].add(Math.log10(r.<Double>getAs("eps0")), r.<Double>getAs("f"));
        }
        if (finite(r, "f_markov_lower")) {
          s[1].add(Math.log10(r.<Double>getAs("eps0")), r.<Double>getAs("f_markov_lower"));
        }
      }
    }
    if (byLength.isEmpty()) {
      return null;
    }
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
    int i = 0;
    for (XYSeries[] s : byLength.values()) {
      Paint paint = PALETTE[i / 2 % PALETTE.length];
      data.addSeries(s[0]);
      line(renderer, i++, paint, false);
      data.addSeries(s[1]);
      line(renderer, i++, paint, true);
    }
    XYPlot plot = new XYPlot(data, new NumberAxis("log10 eps0"), new NumberAxis("f(eps0)"), renderer);
    return chart("f(eps0), whole corpus (" + distribution + "): real against Markov", plot);
  }

  /** (c) How many distinct contexts have each evidence, per context length, whole corpus (log-log). */
  static JFreeChart evidenceHistogram(List<Row> histogram) {
    Map<Integer, XYSeries> byLength = new TreeMap<>();
    for (Row r : histogram) {
      long contexts = r.getAs("distinct_contexts");
      double low = r.getAs("evidence_low");
      double high = r.getAs("evidence_high");
      if ("all".equals(r.getAs("slice_dim")) && contexts > 0 && low >= 1) {
        int c = r.getAs("context_len");
        // Contexts per unit of evidence, so wide buckets do not look taller than narrow ones.
        byLength.computeIfAbsent(c, k -> new XYSeries("c = " + k, true))
            .add(Math.sqrt(low * Math.max(low, high)), contexts / Math.max(1.0, high - low + 1));
      }
    }
    if (byLength.isEmpty()) {
      return null;
    }
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
    int i = 0;
    for (XYSeries s : byLength.values()) {
      data.addSeries(s);
      renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
      renderer.setSeriesShape(i, dot(5));
      i++;
    }
    LogAxis x = new LogAxis("evidence Evid(X) (training examples of the context)");
    LogAxis y = new LogAxis("distinct contexts per unit of evidence");
    x.setBase(10);
    y.setBase(10);
    x.setSmallestValue(0.5);
    y.setSmallestValue(1e-6);
    XYPlot plot = new XYPlot(data, x, y, renderer);
    return chart("Evidence histogram, whole corpus, per context length", plot);
  }

  /**
   * (d) The scaling curve against the training examples |D| of each fraction: log10 k with the
   * seed's k ~ |D| from the smallest fraction (dashed) above; the bound and the empirical
   * bound (dashed) below, on the 0 to 1/2 scale of Figure 1.
   */
  static JFreeChart scaling(List<Row> bounds, String distribution) {
    Predicate<Row> wanted = r -> "scaling".equals(r.getAs("slice_dim")) && distribution.equals(r.getAs("distribution"))
        && finite(r, "log10_k") && finite(r, "bound") && r.<Long>getAs("examples") > 0;
    Map<Integer, List<Row>> byLength = new TreeMap<>();
    bounds.stream().filter(wanted).forEach(r -> byLength.computeIfAbsent(r.getAs("context_len"), k -> new ArrayList<>()).add(r));
    if (byLength.isEmpty()) {
      return null;
    }
    XYSeriesCollection k = new XYSeriesCollection();
    XYSeriesCollection bound = new XYSeriesCollection();
    XYLineAndShapeRenderer kRenderer = new XYLineAndShapeRenderer();
    XYLineAndShapeRenderer boundRenderer = new XYLineAndShapeRenderer();
    int i = 0;
    for (Map.Entry<Integer, List<Row>> e : byLength.entrySet()) {
      List<Row> rs = new ArrayList<>(e.getValue());
      rs.sort(Comparator.comparingLong(r -> r.<Long>getAs("examples")));
      String c = "c = " + e.getKey();
      XYSeries ks = new XYSeries(c, true);
      XYSeries linear = new XYSeries(c + ", if k ~ |D|", true);
      XYSeries bs = new XYSeries(c + ", bound", true);
      XYSeries emp = new XYSeries(c + ", empirical", true);
      double x0 = Math.log10(rs.get(0).<Long>getAs("examples"));
      double k0 = rs.get(0).getAs("log10_k");
      for (Row r : rs) {
        double x = Math.log10(r.<Long>getAs("examples"));
        ks.add(x, r.<Double>getAs("log10_k"));
        linear.add(x, k0 + x - x0);
        bs.add(x, r.<Double>getAs("bound"));
        if (finite(r, "empirical_bound")) {
          emp.add(x, r.<Double>getAs("empirical_bound"));
        }
      }
      Paint paint = PALETTE[i % PALETTE.length];
      k.addSeries(ks);
      line(kRenderer, 2 * i, paint, false);
      kRenderer.setSeriesShapesVisible(2 * i, true);
      k.addSeries(linear);
      line(kRenderer, 2 * i + 1, paint, true);
      kRenderer.setSeriesVisibleInLegend(2 * i + 1, i == 0);
      bound.addSeries(bs);
      line(boundRenderer, 2 * i, paint, false);
      boundRenderer.setSeriesShapesVisible(2 * i, true);
      bound.addSeries(emp);
      line(boundRenderer, 2 * i + 1, paint, true);
      i++;
    }
    if (k.getSeriesCount() > 1) {
      k.getSeries(1).setKey("dashed: k ~ |D| from the smallest fraction");
    }
    boundRenderer.setDefaultSeriesVisibleInLegend(false);
    CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("log10 |D|  (training examples in the fraction)"));
    plot.add(new XYPlot(k, null, new NumberAxis("log10 k"), kRenderer));
    NumberAxis y = new NumberAxis("bound (solid), empirical (dashed)");
    y.setRange(0, 0.52);
    plot.add(new XYPlot(bound, null, y, boundRenderer));
    return chart("Scaling: k and the bound against corpus size (" + distribution + ")", plot);
  }

  /** Present and a real number: undefined estimates (no examples in a slice) are left off the charts. */
  private static boolean finite(Row r, String column) {
    Object v = r.getAs(column);
    return v instanceof Double d && Double.isFinite(d);
  }

  private static JFreeChart chart(String title, org.jfree.chart.plot.Plot plot) {
    JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    if (plot instanceof XYPlot xy) {
      style(xy);
    } else if (plot instanceof CombinedDomainXYPlot combined) {
      for (Object sub : combined.getSubplots()) {
        style((XYPlot) sub);
      }
    }
    chart.setTitle(new TextTitle(title, TITLE));
    return chart;
  }

  private static void style(XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    if (plot.getRangeAxis() instanceof NumberAxis n) {
      n.setAutoRangeIncludesZero(false);
    }
    if (plot.getDomainAxis() instanceof NumberAxis n) {
      n.setAutoRangeIncludesZero(false);
    }
  }

  private static void points(XYLineAndShapeRenderer renderer, int series, Paint paint, boolean filled) {
    renderer.setSeriesLinesVisible(series, false);
    renderer.setSeriesShapesVisible(series, true);
    renderer.setSeriesShape(series, dot(filled ? 6 : 8));
    renderer.setSeriesShapesFilled(series, filled);
    renderer.setSeriesPaint(series, paint);
    renderer.setUseOutlinePaint(false);
  }

  private static void line(XYLineAndShapeRenderer renderer, int series, Paint paint, boolean dashed) {
    renderer.setSeriesPaint(series, paint);
    renderer.setSeriesShapesVisible(series, false);
    renderer.setSeriesStroke(series, dashed
        ? new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f)
        : new BasicStroke(2f));
  }

  private static Shape dot(double size) {
    return new Ellipse2D.Double(-size / 2, -size / 2, size, size);
  }

  /** Every chart of a run by file name, in reading order; absent ones (no data) left out. */
  static Map<String, JFreeChart> all(List<Row> bounds, List<Row> fitted, List<Row> fRows, List<Row> histogram) {
    Map<String, JFreeChart> out = new LinkedHashMap<>();
    put(out, "bound_vs_k.png", boundAgainstK(bounds, fitted));
    put(out, "f_curve.png", fCurve(fRows, Distribution.OCCURRENCE.tableName()));
    put(out, "evidence_histogram.png", evidenceHistogram(histogram));
    put(out, "scaling.png", scaling(bounds, Distribution.OCCURRENCE.tableName()));
    return out;
  }

  private static void put(Map<String, JFreeChart> out, String name, JFreeChart chart) {
    if (chart != null) {
      out.put(name, chart);
    }
  }
}
