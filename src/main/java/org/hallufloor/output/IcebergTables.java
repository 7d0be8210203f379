package org.hallufloor.output;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;

/**
 * The run's tables as Apache Iceberg tables (output.format = iceberg), partitioned by run_id.
 * One run replaces its partition of a table in one commit: an overwrite by the filter
 * {@code run_id = <id>}, which deletes the old partition and adds the new rows atomically, and
 * also empties the partition when the run has no rows for the table (a dynamic partition
 * overwrite would keep the old rows then). Commits of other run ids do not conflict: Iceberg
 * retries a commit that lost a race on the table's new metadata, and their filters touch
 * other partitions.
 */
final class IcebergTables {
  /** The catalog hallufloor registers for a Hadoop catalog at output.root (with a suffix when taken). */
  static final String HADOOP_CATALOG = "hallufloor";
  /** How long a commit waits for another process's commit to the same Hadoop catalog. */
  static final long COMMIT_WAIT_MILLIS = 10 * 60 * 1000L;

  private final SparkSession spark;
  private final String prefix;
  private final Path warehouse;

  private IcebergTables(SparkSession spark, String prefix, Path warehouse) {
    this.spark = spark;
    this.prefix = prefix;
    this.warehouse = warehouse;
  }

  static IcebergTables of(SparkSession spark, RunOutput.Destination destination) {
    boolean hadoop = destination.icebergCatalog().isEmpty();
    Path warehouse = hadoop ? qualified(spark, destination.root()) : null;
    String catalog = hadoop ? hadoopCatalog(spark, warehouse.toString()) : destination.icebergCatalog();
    String namespace = destination.icebergNamespace();
    String prefix = namespace.isEmpty() ? catalog : catalog + "." + namespace;
    if (!namespace.isEmpty()) {
      spark.sql("CREATE NAMESPACE IF NOT EXISTS " + prefix);
    }
    return new IcebergTables(spark, prefix, warehouse);
  }

  /** The table's name for Spark SQL: catalog, namespace, table. */
  String name(String table) {
    return prefix + "." + table;
  }

  /** What a person reading the run's summary needs to find the rows. */
  String describe(String table, String runId) {
    return "iceberg " + name(table) + (warehouse == null ? "" : " at " + new Path(warehouse, table))
        + " (run_id = '" + runId + "')";
  }

  /**
   * Replaces the run's partition of {@code table} with {@code rows} (no run_id column) in one
   * commit; creates the table on first use. merge-schema lets a newer version add columns.
   */
  void replace(String table, Dataset<Row> rows, String runId) {
    Dataset<Row> withRun = rows.select(lit(runId).as("run_id"), col("*"));
    String name = name(table);
    createIfAbsent(name, withRun);
    try {
      withRun.writeTo(name).option("merge-schema", "true").overwrite(col("run_id").equalTo(lit(runId)));
    } catch (NoSuchTableException e) {
      throw new IllegalStateException("the Iceberg table " + name + " went away during the commit: " + e.getMessage(), e);
    }
  }

  private void createIfAbsent(String name, Dataset<Row> rows) {
    // DDL rather than a create from an empty write: no Spark job; IF NOT EXISTS also covers a
    // concurrent run creating the table between the check and the create.
    spark.sql("CREATE TABLE IF NOT EXISTS " + name + " (" + rows.schema().toDDL() + ") USING iceberg "
        + "PARTITIONED BY (run_id) TBLPROPERTIES ('format-version' = '2', "
        + "'write.spark.accept-any-schema' = 'true', "
        // A daily run adds a metadata file per table and commit: keep the last 100, not all.
        + "'write.metadata.delete-after-commit.enabled' = 'true', 'write.metadata.previous-versions-max' = '100')");
  }

  /**
   * A Hadoop catalog commits by renaming metadata files, which is atomic against another
   * process only where renames refuse to overwrite (HDFS), not on a local disk or an object
   * store; so hallufloor's own commits to one are serialised by a lock beside the warehouse.
   * Catalogs with a service (REST, Hive, Glue, Nessie) commit atomically themselves: null.
   */
  RunLock commitLock(String runId) {
    if (warehouse == null) {
      return null;
    }
    return RunLock.await(spark.sparkContext().hadoopConfiguration(),
        new Path(new Path(warehouse, "_staging"), "iceberg-commit.lock"), "an Iceberg commit (run " + runId + ")",
        COMMIT_WAIT_MILLIS);
  }

  private static Path qualified(SparkSession spark, String root) {
    try {
      Path p = new Path(root);
      return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot resolve output.root " + root + ": " + e.getMessage(), e);
    }
  }

  /**
   * Registers (once per session and warehouse) a Hadoop catalog at {@code warehouse}. Spark
   * keeps a catalog once loaded, so a session that writes to a second root gets a second name.
   */
  private static synchronized String hadoopCatalog(SparkSession spark, String warehouse) {
    for (int i = 0; ; i++) {
      String name = i == 0 ? HADOOP_CATALOG : HADOOP_CATALOG + "_" + i;
      String key = "spark.sql.catalog." + name;
      scala.Option<String> impl = spark.conf().getOption(key);
      if (impl.isEmpty()) {
        spark.conf().set(key, "org.apache.iceberg.spark.SparkCatalog");
        spark.conf().set(key + ".type", "hadoop");
        spark.conf().set(key + ".warehouse", warehouse);
        // Iceberg's catalog cache would keep a table as this session last saw it (30 s by
        // default), and a later read in the session would miss another process's commit.
        spark.conf().set(key + ".cache-enabled", "false");
        return name;
      }
      if (warehouse.equals(spark.conf().getOption(key + ".warehouse").getOrElse(() -> null))) {
        return name;
      }
    }
  }
}
