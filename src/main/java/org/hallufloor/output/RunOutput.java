package org.hallufloor.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The tables of one run: each is written whole to a staging folder, then committed by renames
 * into {@code <root>/<table>/run_id=<id>/}, the {@code runs} table last. A reader that trusts
 * only run ids whose {@code runs.status} is SUCCEEDED never sees half a run, and a rerun of a
 * run id replaces each of its partitions whole.
 */
public final class RunOutput {
  public static final String RUNS = "runs";

  private final SparkSession spark;
  private final Path root;
  private final String runId;
  private final Map<String, Path> staged = new LinkedHashMap<>();

  public RunOutput(SparkSession spark, String root, String runId) {
    this.spark = spark;
    this.root = new Path(root);
    this.runId = runId;
  }

  /** Where {@code table}'s partition of this run lives once committed. */
  public Path location(String table) {
    return new Path(new Path(root, table), "run_id=" + runId);
  }

  private Path stagingRoot() {
    return new Path(new Path(root, "_staging"), "run_id=" + runId);
  }

  /** Writes {@code rows} (without a run_id column: the folder carries it) to staging. */
  public void stage(String table, Dataset<Row> rows) {
    Path target = new Path(stagingRoot(), table);
    // INT96, Spark's default, is deprecated: dashboards read TIMESTAMP_MICROS as UTC instants.
    spark.conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    rows.write().mode(SaveMode.Overwrite).parquet(target.toString());
    staged.put(table, target);
  }

  /** Moves every staged table into place, {@code runs} last; returns the committed locations. */
  public List<Path> commit() {
    List<String> order = new ArrayList<>(staged.keySet());
    if (order.remove(RUNS)) {
      order.add(RUNS);
    }
    List<Path> committed = new ArrayList<>();
    try {
      FileSystem fs = root.getFileSystem(hadoopConf());
      for (String table : order) {
        Path target = location(table);
        fs.mkdirs(target.getParent());
        if (fs.exists(target) && !fs.delete(target, true)) {
          throw new IOException("cannot remove the previous partition " + target);
        }
        if (!fs.rename(staged.get(table), target)) {
          throw new IOException("cannot move " + staged.get(table) + " to " + target);
        }
        committed.add(target);
      }
      fs.delete(stagingRoot(), true);
    } catch (IOException e) {
      throw new UncheckedIOException("commit of run " + runId + " failed: " + e.getMessage(), e);
    }
    staged.clear();
    return committed;
  }

  private Configuration hadoopConf() {
    return spark.sparkContext().hadoopConfiguration();
  }
}
