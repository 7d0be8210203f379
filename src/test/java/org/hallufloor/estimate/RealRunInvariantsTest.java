package org.hallufloor.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.hallufloor.job.HallufloorRun;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default job (cl100k_base, context lengths 1, 2, 4, 8, sliced by year and detected
 * language, held-out documents) on 2,000 real Europarl documents: THEORY's invariants on every
 * row of slice_bounds, and none recorded in runs.
 */
class RealRunInvariantsTest extends SparkTestBase {
  @TempDir Path dir;

  @Test
  void boundsAreOrderedOnEveryRowOfARealRun() {
    Path shard = Shards.europarl(dir.resolve("europarl-2000.txt.gz"), Europarl.first(2000));
    java.util.Set<String> groups = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.concurrent.atomic.AtomicInteger jobs = new java.util.concurrent.atomic.AtomicInteger();
    org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
        jobs.incrementAndGet();
        groups.add(String.valueOf(start.properties().getProperty("spark.jobGroup.id")));
      }
    };
    spark().sparkContext().addSparkListener(listener);
    HallufloorRun.Result result = Runs.run(spark(), Runs.settings("jobs/europarl-sample.conf", dir.resolve("out"),
        "hallufloor.input.paths=[\"" + shard + "\"]"));
    spark().sparkContext().removeSparkListener(listener);
    // Every job the run started is in the Spark UI under the THEORY step it belongs to.
    assertEquals(java.util.Set.of("hallufloor-read", "hallufloor-evidence", "hallufloor-tables"), groups,
        jobs.get() + " jobs");
    List<Row> rows = spark().read().parquet(result.output().location("slice_bounds").toString()).collectAsList();
    Assertions.assertTrue(rows.size() > 100, "rows: " + rows.size());
    long withModel = 0;
    for (Row r : rows) {
      double bound = r.getAs("bound");
      double log10Bound = r.getAs("log10_bound");
      double emp = r.getAs("log10_empirical_bound");
      Assertions.assertTrue(emp >= log10Bound - 1e-9, "empirical_bound >= bound: " + r);
      Assertions.assertTrue(bound <= 0.5 && bound >= 0, r.toString());
      Double ph = r.getAs("model_ph");
      if (ph != null) {
        withModel++;
        Assertions.assertTrue((double) r.getAs("empirical_bound") <= ph, "empirical_bound <= model_ph: " + r);
      }
    }
    Assertions.assertTrue(withModel > 0);
    assertEquals(List.of(), result.invariantViolations());
    Row runs = spark().read().parquet(result.output().location("runs").toString()).first();
    assertEquals(0L, (long) runs.getAs("invariant_violations"));
  }
}
