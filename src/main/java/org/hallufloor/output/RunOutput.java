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
 * The tables of one run: each is written whole to a staging folder, then committed into place,
 * the {@code runs} table last. A reader that trusts only run ids whose {@code runs.status} is
 * SUCCEEDED never sees half a run, and a rerun of a run id replaces each of its partitions
 * whole. With {@link Format#PARQUET} a commit renames folders into
 * {@code <root>/<table>/run_id=<id>/}; with {@link Format#ICEBERG} it replaces the run's
 * partition of each Iceberg table in one atomic commit per table (see {@link IcebergTables}).
 * Staging first in both formats keeps the order of the protocol the same: every table is
 * computed before the first commit, so the window in which a rerun's old run is hidden is the
 * commit's, not the run's.
 */
public final class RunOutput {
  /** The run's tables (INTERFACE.md), each staged by the run and committed by {@link #commit}. */
  public static final String RUNS = "runs";
  public static final String SLICE_STATS = "slice_stats";
  public static final String BAD_RECORDS = "bad_records";
  public static final String SLICE_BOUNDS = "slice_bounds";
  public static final String F_CURVE = "f_curve";
  public static final String EVIDENCE_HISTOGRAM = "evidence_histogram";
  public static final String SIMILARITY_JOIN = "similarity_join";
  public static final String FITTED_SCALE = "fitted_scale";

  /** The table format of output.format. */
  public enum Format { PARQUET, ICEBERG }

  /**
   * Where a run's tables go: {@code root} holds staging (and the Parquet tables, or the Hadoop
   * catalog's warehouse); an Iceberg catalog named by spark.sql.catalog.* keys may hold the
   * tables elsewhere, in {@code icebergNamespace}.
   */
  public record Destination(String root, Format format, String icebergCatalog, String icebergNamespace) {
    public static Destination parquet(String root) {
      return new Destination(root, Format.PARQUET, "", "");
    }
  }

  /**
   * Null, or why the root already holds the other format's tables: an Iceberg table of the
   * Hadoop catalog at the root (no namespace) and a Parquet table share the folder
   * {@code <root>/<table>}, and writing one format into the other's folder would leave both
   * unreadable. Looked up by {@code runs}, which every committed run has.
   */
  public static String formatClash(Destination destination, Configuration conf) throws IOException {
    if (destination.format() == Format.ICEBERG
        && !(destination.icebergCatalog().isEmpty() && destination.icebergNamespace().isEmpty())) {
      return null; // the tables live in another catalog, or below <root>/<namespace>/
    }
    Path runs = new Path(destination.root(), RUNS);
    FileSystem fs = runs.getFileSystem(conf);
    if (!fs.exists(runs)) {
      return null;
    }
    boolean iceberg = fs.exists(new Path(runs, "metadata"));
    if (iceberg == (destination.format() == Format.ICEBERG)) {
      return null;
    }
    return destination.root() + " holds " + (iceberg ? "Iceberg" : "Parquet") + " tables (" + runs + "); output.format = "
        + destination.format().name().toLowerCase(java.util.Locale.ROOT) + " needs an output.root of its own";
  }

  /** A committed table: its name and where a reader finds the run's rows. */
  public record Committed(String table, String location) {
    @Override
    public String toString() {
      return location;
    }
  }

  private final SparkSession spark;
  private final Path root;
  private final String runId;
  private final IcebergTables iceberg;
  private final Map<String, Path> staged = new LinkedHashMap<>();
  /**
   * The schema each table was staged with, kept past the commit: Parquet read with its schema
   * given costs no job, inferred it costs one per read (a run reads its tables back several times).
   */
  private final Map<String, org.apache.spark.sql.types.StructType> schemas = new java.util.concurrent.ConcurrentHashMap<>();
  /** This writer's own staging folder: an attempt never touches another's (see RunLock). */
  private final String attempt = "attempt-" + java.util.UUID.randomUUID();

  public RunOutput(SparkSession spark, String root, String runId) {
    this(spark, Destination.parquet(root), runId);
  }

  public RunOutput(SparkSession spark, Destination destination, String runId) {
    this.spark = spark;
    this.root = new Path(destination.root());
    this.runId = runId;
    this.iceberg = destination.format() == Format.ICEBERG ? IcebergTables.of(spark, destination) : null;
  }

  /** Where {@code table}'s partition of this run lives once committed, with output.format = parquet. */
  public Path location(String table) {
    return new Path(new Path(root, table), partition(runId));
  }

  /** Every run's committed rows of {@code table}, with their run_id, in either format. */
  public Dataset<Row> read(String table) {
    return iceberg != null ? spark.table(iceberg.name(table)) : spark.read().parquet(new Path(root, table).toString());
  }

  /** This run's committed rows of {@code table}. */
  public Dataset<Row> readRun(String table) {
    // A Parquet partition is read as its folder: Spark would infer a type for run ids that look
    // like dates or numbers when it reads the table whole.
    return iceberg != null ? read(table).filter(org.apache.spark.sql.functions.col("run_id").equalTo(runId))
        : parquet(table, location(table));
  }

  /** A Parquet folder of {@code table}'s rows, with the schema it was staged with where this run staged it. */
  private Dataset<Row> parquet(String table, Path folder) {
    org.apache.spark.sql.types.StructType schema = schemas.get(table);
    return (schema == null ? spark.read() : spark.read().schema(schema)).parquet(folder.toString());
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

  /**
   * A folder for this attempt's working files that are not tables (the groups' directory): it
   * outlives the commit, since rows kept after it may be recomputed from it, and goes with
   * {@link #dropScratch}.
   */
  public String scratch(String name) {
    return new Path(scratchRoot(), name).toString();
  }

  /** Removes this attempt's scratch folder, and the staging folders left empty. */
  public void dropScratch() {
    try {
      FileSystem fs = root.getFileSystem(hadoopConf());
      removeWithEmptyParents(fs, scratchRoot());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the scratch folder " + scratchRoot() + ": " + e.getMessage(), e);
    }
  }

  private Path scratchRoot() {
    return new Path(stagingRoot().getParent(), attempt + "-scratch");
  }

  /** Writes {@code rows} (without a run_id column: the commit adds it) to staging. */
  public void stage(String table, Dataset<Row> rows) {
    Path target = new Path(stagingRoot(), table);
    // INT96, Spark's default, is deprecated: dashboards read TIMESTAMP_MICROS as UTC instants.
    spark.conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    rows.write().mode(SaveMode.Overwrite).parquet(target.toString());
    staged.put(table, target);
    schemas.put(table, rows.schema());
  }

  /**
   * Puts every staged table in place. A rerun replaces partitions one by one, so first the
   * run's {@code runs} row becomes COMMITTING (readers skip the run id from then on), then the
   * tables are replaced, then the staged {@code runs} row replaces the marker. A crash at any
   * point leaves readers either the previous complete run or no complete run under this id,
   * never a mix; a rerun of the same id then completes the replacement.
   *
   * @return the committed tables, {@code runs} last
   */
  public List<Committed> commit() {
    if (!staged.containsKey(RUNS)) {
      throw new IllegalStateException("the runs row must be staged before a commit");
    }
    List<Committed> committed = new ArrayList<>();
    try (RunLock serialised = iceberg == null ? null : iceberg.commitLock(runId)) {
      FileSystem fs = root.getFileSystem(hadoopConf());
      Path marker = new Path(stagingRoot(), RUNS + "_committing");
      parquet(RUNS, staged.get(RUNS)).withColumn("status", lit(COMMITTING))
          .write().mode(SaveMode.Overwrite).parquet(marker.toString());
      step("mark");
      replace(fs, RUNS, marker);
      for (Map.Entry<String, Path> table : staged.entrySet()) {
        if (!table.getKey().equals(RUNS)) {
          step(table.getKey());
          committed.add(replace(fs, table.getKey(), table.getValue()));
        }
      }
      step(RUNS);
      committed.add(replace(fs, RUNS, staged.get(RUNS)));
      removeWithEmptyParents(fs, stagingRoot());
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

  /** An attempt's folder, then its run's and _staging if nothing else is left in them. */
  private static void removeWithEmptyParents(FileSystem fs, Path attemptFolder) throws IOException {
    fs.delete(attemptFolder, true);
    deleteIfEmpty(fs, attemptFolder.getParent());
    deleteIfEmpty(fs, attemptFolder.getParent().getParent());
  }

  /** Removes an empty staging folder; one another run still uses stays. */
  static void deleteIfEmpty(FileSystem fs, Path folder) throws IOException {
    if (fs.exists(folder) && fs.listStatus(folder).length == 0) {
      fs.delete(folder, false);
    }
  }

  private Committed replace(FileSystem fs, String table, Path staged) throws IOException {
    if (iceberg != null) {
      iceberg.replace(table, parquet(table, staged), runId);
      return new Committed(table, iceberg.describe(table, runId));
    }
    Path target = location(table);
    fs.mkdirs(target.getParent());
    if (fs.exists(target) && !fs.delete(target, true)) {
      throw new IOException("cannot remove the previous partition " + target);
    }
    if (!fs.rename(staged, target)) {
      throw new IOException("cannot move " + staged + " to " + target);
    }
    return new Committed(table, target.toString());
  }

  private Configuration hadoopConf() {
    return spark.sparkContext().hadoopConfiguration();
  }
}
