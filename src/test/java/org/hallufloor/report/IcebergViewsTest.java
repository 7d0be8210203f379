package org.hallufloor.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * output.format = iceberg end to end, on 120 real Europarl documents: the Iceberg tables hold
 * the same rows as the Parquet output of the same run (the second method); a rerun of a run id
 * replaces its partition instead of adding to it; and the dashboard views read through Spark
 * SQL over an Iceberg catalog show, per slice, the latest successful run, as a plain loop over
 * the runs and slice_bounds tables finds it.
 */
class IcebergViewsTest extends SparkTestBase {
  @TempDir Path dir;

  private static final String YEARS = "hallufloor.slices=[{name=year, field=date, transform=year}]";

  @Test
  void icebergTablesHoldTheParquetRowsAndTheViewsShowTheLatestRunPerSlice() throws Exception {
    Path shard = Shards.europarl(dir.resolve("europarl-120.txt.gz"), Europarl.first(120));
    Path parquet = dir.resolve("parquet");
    Path iceberg = dir.resolve("iceberg");
    run(shard, parquet, "parquet", "r1", YEARS);
    run(shard, iceberg, "iceberg", "r1", YEARS);
    run(shard, iceberg, "iceberg", "r1", YEARS);
    run(shard, iceberg, "iceberg", "r2", "hallufloor.slices=[]");

    // A catalog of the reader's own over the warehouse, as a dashboard's Spark would have.
    spark().conf().set("spark.sql.catalog.hf_reader", "org.apache.iceberg.spark.SparkCatalog");
    spark().conf().set("spark.sql.catalog.hf_reader.type", "hadoop");
    spark().conf().set("spark.sql.catalog.hf_reader.warehouse", iceberg.toUri().toString());

    String[] ignored = {"computed_at"};
    Dataset<Row> fromParquet = spark().read().parquet(parquet.resolve("slice_bounds").toString()).drop(ignored);
    Dataset<Row> fromIceberg = spark().table("hf_reader.slice_bounds").filter("run_id = 'r1'").drop(ignored)
        .select(fromParquet.columns()[0], java.util.Arrays.copyOfRange(fromParquet.columns(), 1,
            fromParquet.columns().length));
    Assertions.assertTrue(fromParquet.count() > 0);
    // Each way round, with duplicates: the rerun of r1 replaced its rows, so none is doubled.
    assertEquals(0, fromParquet.exceptAll(fromIceberg).count(), "rows of the Parquet run missing from Iceberg");
    assertEquals(0, fromIceberg.exceptAll(fromParquet).count(), "rows in Iceberg the Parquet run lacks");
    assertEquals(List.of("r1 SUCCEEDED", "r2 SUCCEEDED"), spark().table("hf_reader.runs").orderBy("run_id")
        .collectAsList().stream().map(r -> r.getAs("run_id") + " " + r.getAs("status")).toList());

    for (String s : DashboardViewsTest.statements("spark-iceberg", iceberg.toString())) {
      spark().sql(s.replace("${tables}", "hf_reader"));
    }
    for (String s : DashboardViewsTest.statements("spark-views", iceberg.toString())) {
      spark().sql(s);
    }
    Map<String, String> latest = latestRunPerSlice();
    assertEquals("r2", latest.get("all/all"));
    Assertions.assertTrue(latest.keySet().stream().anyMatch(k -> k.startsWith("year/")), latest.toString());
    Map<String, Double> sums = new HashMap<>();
    for (Row r : spark().table("hf_reader.slice_bounds").filter("distribution = 'occurrence' AND beta_source = 'config'")
        .groupBy("run_id", "slice_dim", "slice_value").agg(org.apache.spark.sql.functions.sum("bound")).collectAsList()) {
      sums.put(r.getString(0) + "/" + r.getString(1) + "/" + r.getString(2), r.getDouble(3));
    }
    Map<String, String> shown = new TreeMap<>();
    List<String> mismatched = new ArrayList<>();
    for (Row r : spark().sql("SELECT run_id, slice_dim, slice_value, count(*), sum(bound) FROM hf_main_bound "
        + "GROUP BY 1, 2, 3").collectAsList()) {
      String slice = r.getString(1) + "/" + r.getString(2);
      shown.put(slice, r.getString(0));
      double expected = sums.get(r.getString(0) + "/" + slice);
      if (Math.abs(expected - r.getDouble(4)) > 1e-12 * Math.abs(expected)) {
        mismatched.add(slice + ": " + r.getDouble(4) + " against " + expected);
      }
    }
    assertEquals(new TreeMap<>(latest), shown);
    assertEquals(List.of(), mismatched);
  }

  /** Per slice, the run id of the latest successful run that has it: a plain loop over two tables. */
  private Map<String, String> latestRunPerSlice() {
    Map<String, Timestamp> finished = new HashMap<>();
    for (Row r : spark().table("hf_reader.runs").collectAsList()) {
      if ("SUCCEEDED".equals(r.getAs("status"))) {
        finished.put(r.getAs("run_id"), r.getAs("finished_at"));
      }
    }
    Map<String, String> latest = new HashMap<>();
    for (Row r : spark().table("hf_reader.slice_bounds").select("run_id", "slice_dim", "slice_value").distinct()
        .collectAsList()) {
      String slice = r.getString(1) + "/" + r.getString(2);
      String run = r.getString(0);
      String best = latest.get(slice);
      if (finished.containsKey(run) && (best == null || finished.get(run).after(finished.get(best)))) {
        latest.put(slice, run);
      }
    }
    return latest;
  }

  private void run(Path shard, Path root, String format, String runId, String slices) {
    Runs.run(spark(), Runs.settings("jobs/europarl-sample.conf", root, "hallufloor.input.paths=[\"" + shard + "\"]",
        "hallufloor.tokenizer=bytes", "hallufloor.context-lengths=[1,2]", "hallufloor.scaling-fractions=[]",
        "hallufloor.output.format=" + format, "hallufloor.run-id=" + runId, "hallufloor.report=false", slices));
  }
}
