package org.hallufloor.report;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;

/**
 * The one-page report of a run: its charts as PNG and an {@code index.html} beside them, under
 * {@code <output.root>/report/run_id=<id>/}, written through Hadoop's file system so an object
 * store works as the local disk does. The page checks itself when opened: every image must
 * load and no script may fail, or it marks its body (what scripts/check-report.sh reads).
 */
public final class RunReport {
  public static final String FOLDER = "report";
  static final int WIDTH = 1000;
  static final int HEIGHT = 640;

  private static final Map<String, String> CAPTIONS = Map.of(
      "bound_vs_k.png", "The seed's Figure 1 with this corpus on it: the curve is the optimised lower bound on "
          + "hallucination as a function of k alone; each filled dot is one slice and context length under one "
          + "distribution, placed on the curve at its own k, and the hollow dot of the same colour is the empirical "
          + "bound of the same contexts; black diamonds are the occurrence bounds at each slice's fitted scale a* "
          + "(THEORY 5). Further right means more evidence per context and a lower floor.",
      "f_curve.png", "f(eps0) is the share of examples whose context has too little evidence to be answered "
          + "within eps0; the solid lines are the corpus's real f, the dashed ones the lower bound Markov's "
          + "inequality gives from the mean evidence alone, so the gap is what the full distribution adds.",
      "evidence_histogram.png", "How many distinct contexts have each amount of evidence, per context length: "
          + "long contexts pile up at evidence 1 (seen once), which is what drives the floor up.",
      "scaling.png", "The same estimate on nested fractions of the documents: k grows with corpus size (top; "
          + "dashed, the seed's k ~ |D| from the smallest fraction) and the bound falls (bottom; dashed, the "
          + "empirical bound). Where the solid line runs below the dashed one, new text brings new contexts more "
          + "than new evidence for the seen ones.");

  private RunReport() {}

  /** What the page shows besides the tables: metadata rows in order (name, value). */
  public record Metadata(List<String[]> rows, String configJson) {}

  /**
   * The fitted scale of the shown slices (THEORY 5): fitted_scale rows, and the occurrence
   * slice_bounds rows at that scale, which Figure 1 marks.
   */
  public record Fitted(List<Row> fits, List<Row> bounds) {}

  /**
   * Writes the report and returns its folder; a previous report of the same run id is replaced.
   *
   * @param bounds slice_bounds rows of one (beta_S, T) pair
   * @param fCurve f_curve rows of the same pair
   */
  public static Path write(Configuration conf, String outputRoot, String runId, Metadata metadata, List<Row> sliceStats,
      List<Row> bounds, Fitted fitted, List<Row> fCurve, List<Row> histogram) {
    System.setProperty("java.awt.headless", "true");
    Path dir = new Path(new Path(outputRoot, FOLDER), org.hallufloor.output.RunOutput.partition(runId));
    try {
      FileSystem fs = dir.getFileSystem(conf);
      // No .crc files beside the page on a local disk: the folder is opened in a browser.
      fs.setWriteChecksum(false);
      fs.delete(dir, true);
      fs.mkdirs(dir);
      Map<String, JFreeChart> charts = Charts.all(bounds, fitted.bounds(), fCurve, histogram);
      for (Map.Entry<String, JFreeChart> e : charts.entrySet()) {
        try (OutputStream out = fs.create(new Path(dir, e.getKey()), true)) {
          ChartUtils.writeChartAsPNG(out, e.getValue(), WIDTH, HEIGHT);
        }
      }
      try (OutputStream out = fs.create(new Path(dir, "index.html"), true)) {
        out.write(html(runId, metadata, sliceStats, bounds, fitted, charts.keySet()).getBytes(StandardCharsets.UTF_8));
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report to " + dir + ": " + e.getMessage(), e);
    }
  }

  static String html(String runId, Metadata metadata, List<Row> sliceStats, List<Row> bounds, Fitted fitted,
      Iterable<String> charts) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>hallufloor run ")
        .append(esc(runId)).append("</title>\n").append(STYLE).append(SELF_CHECK).append("</head>\n<body>\n");
    h.append("<h1>hallufloor run ").append(esc(runId)).append("</h1>\n");
    h.append("<p>A lower bound on how often a model trained on this corpus must hallucinate, from how much "
        + "evidence the corpus holds behind each context (see THEORY.md).</p>\n");
    h.append("<h2>Run</h2>\n<table class=\"meta\">\n");
    for (String[] r : metadata.rows()) {
      h.append("<tr><th>").append(esc(r[0])).append("</th><td>").append(esc(r[1])).append("</td></tr>\n");
    }
    h.append("</table>\n");

    h.append("<h2>Charts</h2>\n");
    for (String chart : charts) {
      h.append("<figure><img src=\"").append(esc(chart)).append("\" width=\"").append(WIDTH).append("\" height=\"")
          .append(HEIGHT).append("\" alt=\"").append(esc(chart)).append("\"><figcaption>")
          .append(esc(CAPTIONS.getOrDefault(chart, ""))).append("</figcaption></figure>\n");
    }

    h.append("<h2>Main bound per slice</h2>\n<p>Occurrence distribution (contexts weighted as the corpus uses them); "
        + "the bound is the optimised floor at the slice's k, the empirical bound the same from the measured "
        + "evidence, model P_h the logit model's own hallucination rate.</p>\n");
    h.append("<table class=\"data\">\n<tr><th>slice</th><th>value</th><th>c</th><th>examples</th><th>log10 k</th>"
        + "<th>bound</th><th>log10 bound</th><th>empirical bound</th><th>model P_h</th></tr>\n");
    bounds.stream().filter(r -> "occurrence".equals(r.getAs("distribution")))
        .sorted(Comparator.<Row, String>comparing(r -> r.getAs("slice_dim"))
            .thenComparing(r -> r.<String>getAs("slice_value"))
            .thenComparingInt(r -> r.<Integer>getAs("context_len")))
        .forEach(r -> h.append("<tr><td>").append(esc(r.getAs("slice_dim"))).append("</td><td>")
            .append(esc(r.getAs("slice_value"))).append("</td><td>").append(r.<Integer>getAs("context_len"))
            .append("</td><td>").append(String.format(Locale.ROOT, "%,d", r.<Long>getAs("examples")))
            .append("</td><td>").append(num(r.getAs("log10_k"))).append("</td><td>").append(num(r.getAs("bound")))
            .append("</td><td>").append(num(r.getAs("log10_bound"))).append("</td><td>")
            .append(num(r.getAs("empirical_bound"))).append("</td><td>").append(num(r.getAs("model_ph")))
            .append("</td></tr>\n"));
    h.append("</table>\n");

    if (!fitted.fits().isEmpty()) {
      Map<String, Row> at = new java.util.HashMap<>();
      fitted.bounds().forEach(r -> at.put(r.getAs("slice_dim") + "\u0000" + r.getAs("slice_value") + "\u0000"
          + r.getAs("context_len"), r));
      h.append("<h2>Fitted scale per slice</h2>\n<p>The scale a* = beta_S / T at which the logit model best predicts "
          + "the slice's held-out documents (maximum held-out log-likelihood, THEORY 5), its 95% likelihood-ratio "
          + "interval, the log-likelihood there in nats per example, and the occurrence bounds of the model at a* "
          + "(the black diamonds of Figure 1).</p>\n");
      h.append("<table class=\"data\">\n<tr><th>slice</th><th>value</th><th>c</th><th>a*</th><th>95% interval</th>"
          + "<th>held-out log-likelihood</th><th>bound at a*</th><th>empirical bound at a*</th></tr>\n");
      fitted.fits().stream().sorted(Comparator.<Row, String>comparing(r -> r.getAs("slice_dim"))
              .thenComparing(r -> r.<String>getAs("slice_value"))
              .thenComparingInt(r -> r.<Integer>getAs("context_len")))
          .forEach(f -> {
            Row b = at.get(f.getAs("slice_dim") + "\u0000" + f.getAs("slice_value") + "\u0000" + f.getAs("context_len"));
            h.append("<tr><td>").append(esc(f.getAs("slice_dim"))).append("</td><td>").append(esc(f.getAs("slice_value")))
                .append("</td><td>").append(f.<Integer>getAs("context_len")).append("</td><td>")
                .append(f.getAs("a_star") == null ? esc(f.getAs("fit_status")) : num(f.getAs("a_star")))
                .append("</td><td>").append(num(f.getAs("a_ci_low"))).append(" to ").append(num(f.getAs("a_ci_high")))
                .append("</td><td>").append(num(f.getAs("heldout_log_likelihood"))).append("</td><td>")
                .append(b == null ? "-" : num(b.getAs("bound"))).append("</td><td>")
                .append(b == null ? "-" : num(b.getAs("empirical_bound"))).append("</td></tr>\n");
          });
      h.append("</table>\n");
    }

    h.append("<h2>Documents and tokens per slice</h2>\n<table class=\"data\">\n<tr><th>slice</th><th>value</th>"
        + "<th>documents</th><th>tokens</th><th>held-out documents</th><th>held-out tokens</th></tr>\n");
    for (Row r : sliceStats) {
      h.append("<tr><td>").append(esc(r.getString(0))).append("</td><td>").append(esc(r.getString(1)));
      for (int i = 2; i <= 5; i++) {
        h.append("</td><td>").append(String.format(Locale.ROOT, "%,d", r.getLong(i)));
      }
      h.append("</td></tr>\n");
    }
    h.append("</table>\n");
    h.append("<details><summary>Configuration (secrets redacted)</summary><pre>").append(esc(metadata.configJson()))
        .append("</pre></details>\n</body>\n</html>\n");
    return h.toString();
  }

  private static String num(Object v) {
    if (v == null) {
      return "";
    }
    double d = (Double) v;
    return d != 0 && (Math.abs(d) < 1e-3 || Math.abs(d) >= 1e6) ? String.format(Locale.ROOT, "%.3e", d)
        : String.format(Locale.ROOT, "%.4f", d);
  }

  static String esc(Object o) {
    String s = String.valueOf(o);
    StringBuilder b = new StringBuilder(s.length());
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        default -> b.append(ch);
      }
    }
    return b.toString();
  }

  private static final String STYLE = """
      <style>
      body { font-family: sans-serif; max-width: 1060px; margin: 2em auto; color: #222; }
      table { border-collapse: collapse; margin: 1em 0; font-size: 14px; }
      th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
      th { background: #f2f2f2; }
      td:first-child, td:nth-child(2), table.meta td { text-align: left; }
      figure { margin: 1.5em 0; }
      figcaption { max-width: 1000px; color: #444; }
      pre { white-space: pre-wrap; font-size: 12px; }
      </style>
      """;

  /**
   * Records a failed image or script as a {@code data-report-errors} attribute of the body, and
   * how many images loaded as {@code data-images-loaded}, for a headless browser to read back.
   */
  private static final String SELF_CHECK = """
      <script>
      var reportErrors = [];
      window.addEventListener('error', function (e) {
        var t = e.target;
        reportErrors.push(t && t.tagName ? 'cannot load ' + (t.getAttribute('src') || t.getAttribute('href')) : 'script error: ' + e.message);
      }, true);
      window.addEventListener('load', function () {
        var images = document.images, loaded = 0;
        for (var i = 0; i < images.length; i++) {
          if (images[i].complete && images[i].naturalWidth > 0) { loaded++; }
          else { reportErrors.push('image not loaded: ' + images[i].getAttribute('src')); }
        }
        document.body.setAttribute('data-images-loaded', loaded + '/' + images.length);
        if (reportErrors.length > 0) {
          document.body.setAttribute('data-report-errors', reportErrors.join('; '));
          console.error(reportErrors.join('; '));
        }
      });
      </script>
      """;
}
