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
import static org.apache.spark.sql.functions.lit;

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
  /** This writer's own staging folder: an attempt never touches another's (see RunLock). */
  private final String attempt = "attempt-" + java.util.UUID.randomUUID();

  public RunOutput(SparkSession spark, String root, String runId) {
    this.spark = spark;
    this.root = new Path(root);
    this.runId = runId;
  }

  /** Where {@code table}'s partition of this run lives once committed. */
  public Path location(String table) {
    return new Path(new Path(root, table), partition(runId));
  }

  /**
   * The partition folder of a run id, escaped as Spark and Hive write partition values (a
   * colon becomes %3A), so a reader of the partitioned table gets the run id back as it was.
   */
  public static String partition(String runId) {
    return "run_id=" + org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils.escapePathName(runId);
  }

  private Path stagingRoot() {
    return new Path(new Path(new Path(root, "_staging"), partition(runId)), attempt);
  }

  /** Writes {@code rows} (without a run_id column: the folder carries it) to staging. */
  public void stage(String table, Dataset<Row> rows) {
    Path target = new Path(stagingRoot(), table);
    // INT96, Spark's default, is deprecated: dashboards read TIMESTAMP_MICROS as UTC instants.
    spark.conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    rows.write().mode(SaveMode.Overwrite).parquet(target.toString());
    staged.put(table, target);
  }

  /**
   * Moves every staged table into place. A rerun replaces partitions one by one, so first the
   * run's {@code runs} row becomes COMMITTING (readers skip the run id from then on), then the
   * tables move, then the staged {@code runs} row replaces the marker. A crash at any point
   * leaves readers either the previous complete run or no complete run under this id, never a
   * mix; a rerun of the same id then completes the replacement.
   *
   * @return the committed locations, {@code runs} last
   */
  public List<Path> commit() {
    if (!staged.containsKey(RUNS)) {
      throw new IllegalStateException("the runs row must be staged before a commit");
    }
    List<Path> committed = new ArrayList<>();
    try {
      FileSystem fs = root.getFileSystem(hadoopConf());
      Path marker = new Path(stagingRoot(), RUNS + "_committing");
      spark.read().parquet(staged.get(RUNS).toString()).withColumn("status", lit(COMMITTING))
          .write().mode(SaveMode.Overwrite).parquet(marker.toString());
      step("mark");
      replace(fs, marker, location(RUNS));
      for (Map.Entry<String, Path> table : staged.entrySet()) {
        if (!table.getKey().equals(RUNS)) {
          step(table.getKey());
          replace(fs, table.getValue(), location(table.getKey()));
          committed.add(location(table.getKey()));
        }
      }
      step(RUNS);
      replace(fs, staged.get(RUNS), location(RUNS));
      committed.add(location(RUNS));
      fs.delete(stagingRoot(), true);
      deleteIfEmpty(fs, stagingRoot().getParent());
      deleteIfEmpty(fs, stagingRoot().getParent().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("commit of run " + runId + " failed: " + e.getMessage(), e);
    }
    staged.clear();
    return committed;
  }

  /** Status of a run whose tables are being replaced; never shown by readers. */
  public static final String COMMITTING = "COMMITTING";

  /** Called before each step of a commit; tests make it throw to stand for a crash there. */
  interface CommitHook {
    void before(String step);
  }

  private CommitHook hook = step -> { };

  void onCommitStep(CommitHook hook) {
    this.hook = hook;
  }

  private void step(String name) {
    hook.before(name);
  }

  /** Removes an empty staging folder; one another run still uses stays. */
  static void deleteIfEmpty(FileSystem fs, Path folder) throws IOException {
    if (fs.exists(folder) && fs.listStatus(folder).length == 0) {
      fs.delete(folder, false);
    }
  }

  private static void replace(FileSystem fs, Path staged, Path target) throws IOException {
    fs.mkdirs(target.getParent());
    if (fs.exists(target) && !fs.delete(target, true)) {
      throw new IOException("cannot remove the previous partition " + target);
    }
    if (!fs.rename(staged, target)) {
      throw new IOException("cannot move " + staged + " to " + target);
    }
  }

  private Configuration hadoopConf() {
    return spark.sparkContext().hadoopConfiguration();
  }
}
