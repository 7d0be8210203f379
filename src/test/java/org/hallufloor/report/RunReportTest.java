package org.hallufloor.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.hallufloor.job.HallufloorRun;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report a real run writes: its images, its table against the committed one, and a real browser. */
class RunReportTest extends SparkTestBase {
  @TempDir
  Path dir;

  @Test
  void aRealRunWritesChartsAndAPageThatLoadsInABrowser() throws Exception {
    // A tenth of the sample: every chart still has several languages, years and fractions to draw.
    Path shard = org.hallufloor.testing.Shards.europarl(dir.resolve("input").resolve("europarl-1800.txt.gz"), Europarl.first(1800));
    HallufloorRun.Result result = Runs.run(spark(), Runs.settings("jobs/europarl-sample.conf", dir,
        "hallufloor.input.paths=[\"" + shard + "\"]",
        "hallufloor.context-lengths=[1, 2]", "hallufloor.scaling-fractions=[0.25, 1.0]"));
    Path report = dir.resolve("report").resolve("run_id=test");
    for (String png : List.of("bound_vs_k.png", "f_curve.png", "evidence_histogram.png", "scaling.png")) {
      BufferedImage image = ImageIO.read(report.resolve(png).toFile());
      assertNotNull(image, png + " is a readable PNG");
      assertEquals(RunReport.WIDTH, image.getWidth(), png);
      assertEquals(RunReport.HEIGHT, image.getHeight(), png);
      Assertions.assertTrue(distinctColours(image) > 5, png + " has something drawn on it");
    }

    // Every main-bound row of the committed table, as the page must show it (read back from Parquet).
    String html = Files.readString(report.resolve("index.html"), StandardCharsets.UTF_8);
    List<Row> committed = spark().read().parquet(result.output().location("slice_bounds").toString())
        .filter("distribution = 'occurrence' AND beta_source = 'config'").collectAsList();
    Assertions.assertFalse(committed.isEmpty());
    Assertions.assertTrue(result.sliceStats().size() <= RunSummary.MAX_SHOWN, "every slice of this run is on the page");
    for (Row r : committed) {
      String cells = "<td>" + r.getAs("slice_dim") + "</td><td>" + r.getAs("slice_value") + "</td><td>"
          + r.getAs("context_len") + "</td><td>" + String.format(Locale.ROOT, "%,d", r.<Long>getAs("examples"))
          + "</td><td>" + String.format(Locale.ROOT, "%.4f", r.<Double>getAs("log10_k")) + "</td>";
      Assertions.assertTrue(html.contains(cells), "the page shows " + cells);
    }

    // Every fitted scale of the committed table (THEORY 5), with the bound at it.
    List<Row> fits = spark().read().parquet(result.output().location("fitted_scale").toString()).collectAsList();
    Assertions.assertFalse(fits.isEmpty());
    for (Row f : fits) {
      String cells = "<td>" + f.getAs("slice_dim") + "</td><td>" + f.getAs("slice_value") + "</td><td>"
          + f.getAs("context_len") + "</td><td>" + format(f.getAs("a_star")) + "</td><td>" + format(f.getAs("a_ci_low"))
          + " to " + format(f.getAs("a_ci_high")) + "</td>";
      Assertions.assertTrue(html.contains(cells), "the page shows " + cells);
    }

    Assumptions.assumeTrue(chromium(), "no chromium on this machine: the browser check is skipped");
    assertEquals(0, check(report), "the browser check passes on the run's report");
    Assertions.assertTrue(Files.size(report.resolve("screenshot.png")) > 10_000, "a screenshot was taken");
    // The check can fail: the same page with one image gone.
    Path broken = dir.resolve("broken");
    Files.createDirectories(broken);
    try (var files = Files.list(report)) {
      for (Path f : files.toList()) {
        if (!f.getFileName().toString().equals("scaling.png")) {
          Files.copy(f, broken.resolve(f.getFileName()));
        }
      }
    }
    assertNotEquals(0, check(broken), "a page with a missing image fails the check");
  }

  /**
   * As the page writes a number: 4 decimals, or 3 significant digits in e-notation outside [1e-3, 1e6); nothing
   * where the fit has no value (ScaleFit: a maximum or interval end past the probed range). Document ids, and so
   * the held-out split, follow the temporary directory's path, so whether a slice this small gets one varies by run.
   */
  private static String format(Double d) {
    if (d == null) {
      return "";
    }
    return d != 0 && (Math.abs(d) < 1e-3 || Math.abs(d) >= 1e6) ? String.format(Locale.ROOT, "%.3e", d)
        : String.format(Locale.ROOT, "%.4f", d);
  }

  private static int distinctColours(BufferedImage image) {
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 7) {
      for (int x = 0; x < image.getWidth(); x += 7) {
        colours.add(image.getRGB(x, y));
      }
    }
    return colours.size();
  }

  private static boolean chromium() {
    for (String dirName : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String b : List.of("chromium", "chromium-browser", "google-chrome")) {
        if (Files.isExecutable(Path.of(dirName, b))) {
          return true;
        }
      }
    }
    return false;
  }

  private static int check(Path report) throws Exception {
    Process p = new ProcessBuilder("scripts/check-report.sh", report.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    Assertions.assertTrue(p.waitFor(3, TimeUnit.MINUTES), "the browser check finished");
    return p.exitValue();
  }
}
