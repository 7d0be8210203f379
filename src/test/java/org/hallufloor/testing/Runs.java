package org.hallufloor.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.hallufloor.config.Settings;
import org.hallufloor.config.SettingsLoader;
import org.hallufloor.job.HallufloorJob;
import org.hallufloor.job.HallufloorRun;

/** Runs a job file on the shared session, as scripts/run-local.sh would, with overrides. */
public final class Runs {
  private Runs() {}

  public static Settings settings(String jobFile, Path out, String... overrides) {
    List<String> all = new ArrayList<>(Arrays.asList(overrides));
    all.add(0, "hallufloor.output.root=\"" + out + "\"");
    all.add(0, "hallufloor.run-id=test");
    return SettingsLoader.load(jobFile == null ? null : Path.of(jobFile), null, all);
  }

  /** Runs the job; fails the test if any table of the run holds NaN or an infinity. */
  public static HallufloorRun.Result run(SparkSession spark, Settings settings) {
    HallufloorRun.Result r = new HallufloorRun(spark, settings, new PrintStream(new ByteArrayOutputStream()), true).run();
    String nonFinite;
    try {
      nonFinite = FiniteTables.firstNonFinite(spark, r.output());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    if (nonFinite != null) {
      throw new AssertionError("a non-finite number in " + nonFinite + " of run " + settings.runId());
    }
    return r;
  }

  /** Exit code and what went to stderr. */
  public record Exit(int code, String err) {}

  public static Exit execute(SparkSession spark, Settings settings) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = HallufloorJob.execute(spark, settings, true, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Exit(code, err.toString(StandardCharsets.UTF_8));
  }

  /** "dim=value" to {documents, tokens}. */
  public static Map<String, long[]> bySlice(List<Row> sliceStats) {
    Map<String, long[]> out = new HashMap<>();
    for (Row r : sliceStats) {
      out.put(r.getString(0) + "=" + r.getString(1), new long[] {r.getLong(2), r.getLong(3)});
    }
    return out;
  }
}
